/**
 * Builder cost: build + validate + serialize a 10-event batch with our `BatchBuilder`, against
 * `JSON.stringify` of the same finished wire object. An in-process microbenchmark: warm-up, then timed
 * loops, the two sides interleaved, the ratio taken per sample and summarised.
 */
import { performance } from 'node:perf_hooks';
import { roundSummary, summary } from './stats.mjs';
import { buildWithSdk, generateWorkload } from './workload.mjs';

/**
 * Measures the builder against `JSON.stringify`. `sdk` is our module (the smoke test passes the
 * TypeScript source through vitest; the benchmark passes dist/index.js). Besides the headline ratio it
 * times the parts, so a slow figure says where the time goes: `build()` alone (which validates),
 * `serializeBatch` alone, and `parseBatch` of the finished wire object (validation alone).
 *
 * `sameText` says whether our serialized text and `JSON.stringify` of the wire object are identical,
 * which is what makes the comparison like for like.
 */
export function measureBuilderCost(
  sdk,
  { iterations = 10_000, warmup = 10_000, samples = 7, pool = 512, eventsPerBatch = 10, seed = 1 } = {},
) {
  const specs = generateWorkload({ batches: pool, eventsPerBatch, seed });
  const built = specs.map((spec) => buildWithSdk(sdk, spec));
  const texts = built.map((batch) => sdk.serializeBatch(batch));
  const wires = texts.map((text) => JSON.parse(text));
  const sameText = wires.every((wire, i) => JSON.stringify(wire) === texts[i]);
  const bytesPerBatch = texts.reduce((n, t) => n + t.length, 0) / texts.length;

  let sink = 0; // consumed after the loops, so no loop body can be optimised away
  const loops = {
    total: (n) => {
      for (let i = 0; i < n; i++) sink += sdk.serializeBatch(buildWithSdk(sdk, specs[i % pool])).length;
    },
    stringify: (n) => {
      for (let i = 0; i < n; i++) sink += JSON.stringify(wires[i % pool]).length;
    },
    build: (n) => {
      for (let i = 0; i < n; i++) sink += buildWithSdk(sdk, specs[i % pool]).events.length;
    },
    serialize: (n) => {
      for (let i = 0; i < n; i++) sink += sdk.serializeBatch(built[i % pool]).length;
    },
    parseBatch: (n) => {
      for (let i = 0; i < n; i++) sink += sdk.parseBatch(wires[i % pool]).events.length;
    },
  };
  for (const loop of Object.values(loops)) loop(warmup);

  const perBatchUs = Object.fromEntries(Object.keys(loops).map((name) => [name, []]));
  for (let s = 0; s < samples; s++) {
    for (const [name, loop] of Object.entries(loops)) {
      const start = performance.now();
      loop(iterations);
      perBatchUs[name].push(((performance.now() - start) * 1000) / iterations);
    }
  }
  const ratios = perBatchUs.total.map((t, i) => t / perBatchUs.stringify[i]);
  return {
    config: { iterations, warmup, samples, pool, eventsPerBatch },
    bytesPerBatch: Math.round(bytesPerBatch),
    sameText,
    microsecondsPerBatch: Object.fromEntries(
      Object.entries(perBatchUs).map(([name, values]) => [name, roundSummary(summary(values))]),
    ),
    ratio: roundSummary(summary(ratios)),
    checksum: sink,
  };
}

/** Runs only the builder loop (for a CPU profile of where its time goes). */
export function profileBuilder(sdk, { iterations = 50_000, eventsPerBatch = 10, seed = 1, pool = 512 } = {}) {
  const specs = generateWorkload({ batches: pool, eventsPerBatch, seed });
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += sdk.serializeBatch(buildWithSdk(sdk, specs[i % pool])).length;
  return sink;
}
