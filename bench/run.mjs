#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark of issue 5 in one run, printed as a table and written to
 * bench/results.json. See docs/BENCHMARKS.md for the method and what limits each figure.
 *
 * Options:
 *   --quick            tiny sizes (a check that everything runs, not a measurement)
 *   --scale=<x>        scale every size by x (also env BENCH_SCALE); 1 is the full run
 *   --runs=<n>         runs of each contender, of the stalled-server and of the limiter run (default 3;
 *                      1 when scaled below 0.5, as with --quick)
 *   --concurrency=<n>  concurrent requests of the raw and official contenders (default 10, what ours uses)
 *   --only=<a,b>       sections: throughput, builder, memory, limiter, startup
 *   --profile          CPU-profile our throughput run and the builder (done anyway at full size when a target
 *                      is missed)
 *   --sdk=<file>       our entry module (default dist/index.js), e.g. another build to compare
 *   --out=<file>       where to write the results (default bench/results.json; results.json.tmp if scaled)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLimiter } from './lib/limiter.mjs';
import { runStalledLoopAlone, runStalledMemory } from './lib/memory.mjs';
import { runChild } from './lib/processes.mjs';
import { summariseProfile } from './lib/profile.mjs';
import { DIST_ENTRY, measureBundle, runStartup } from './lib/startup.mjs';
import { formatRange, mb, roundSummary, summary, table } from './lib/stats.mjs';
import { OUR_DEFAULT_CONCURRENCY, runThroughput } from './lib/throughput.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? true];
  }),
);
const quick = Boolean(args.quick);
const scale = Number(args.scale ?? process.env.BENCH_SCALE ?? (quick ? 0.02 : 1));
if (!(scale > 0))
  throw new Error(`--scale must be a positive number, got ${args.scale ?? process.env.BENCH_SCALE}`);
const runs = Number(args.runs ?? (scale < 0.5 ? 1 : 3));
const sections = new Set(
  String(args.only ?? 'throughput,builder,memory,limiter,startup')
    .split(',')
    .map((s) => s.trim()),
);
// A scaled-down run is a check, not a measurement: it must not overwrite the figures docs/BENCHMARKS.md
// quotes, so it goes to bench/results.json.tmp (git-ignored) unless --out says otherwise.
const out = args.out
  ? String(args.out)
  : fileURLToPath(new URL(scale === 1 ? './results.json' : './results.json.tmp', import.meta.url));
const scaled = (n, min = 1) => Math.max(min, Math.round(n * scale));
const log = (line) => console.log(line);
if (loadavg()[0] > cpus().length / 2) {
  log(
    `note: load average ${loadavg()[0].toFixed(2)} on ${cpus().length} CPUs; other work will skew the figures`,
  );
}

const concurrency = Number(args.concurrency ?? OUR_DEFAULT_CONCURRENCY);
const sdkPath = args.sdk ? resolve(String(args.sdk)) : DIST_ENTRY;
const packageJson = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

const results = {
  generatedAt: new Date().toISOString(),
  environment: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    totalMemoryBytes: totalmem(),
    // Other work on the machine skews every figure; the load average says how much there was.
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  },
  scale,
  runs,
  sdk: relative(fileURLToPath(new URL('..', import.meta.url)), sdkPath),
  targets: [],
  errors: {},
};

function target(name, measured, goal, met, detail) {
  results.targets.push({ name, measured, goal, met, ...(detail ? { detail } : {}) });
}

async function section(name, fn) {
  if (!sections.has(name)) return;
  log(`\n== ${name}`);
  const started = performance.now();
  try {
    results[name] = await fn();
  } catch (error) {
    results.errors[name] = error instanceof Error ? error.message : String(error);
    log(`  FAILED: ${results.errors[name]}`);
  }
  log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

/** CPU-profiles one bench child and returns the summary of where its time went. */
async function profile(label, run) {
  const dir = await mkdtemp(join(tmpdir(), `bench-prof-${label}-`));
  try {
    await run(['--cpu-prof', '--cpu-prof-dir', dir]);
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    return file ? await summariseProfile(join(dir, file)) : undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await section('throughput', async () => {
  const config = { batches: scaled(10_000, 10), eventsPerBatch: 10, runs, concurrency, sdkPath, log };
  const r = await runThroughput(config);
  const { ratios } = r;
  target('throughput: ours / raw limit', ratios.oursVsRaw, '>= 0.75', ratios.oursVsRaw.median >= 0.75);
  target('throughput: ours / official', ratios.oursVsOfficial, '>= 0.8', ratios.oursVsOfficial.median >= 0.8);
  target('throughput: ours / segment', ratios.oursVsSegment, '>= 10', ratios.oursVsSegment.median >= 10);
  target(
    'peak RSS: ours / official',
    ratios.oursRssVsOfficialRss,
    '<= 1',
    ratios.oursRssVsOfficialRss.median <= 1,
  );
  if (
    args.profile ||
    (scale >= 0.5 && (ratios.oursVsRaw.median < 0.75 || ratios.oursVsOfficial.median < 0.8))
  ) {
    log('  profiling our contender');
    r.oursProfile = await profile('ours', (execArgv) =>
      runThroughput({ ...config, runs: 1, contenders: ['ours'], execArgv: { ours: execArgv } }),
    );
  }
  return r;
});

await section('builder', async () => {
  const options = { sdkPath, iterations: scaled(3_000, 100), warmup: scaled(5_000, 100), samples: 5 };
  const r = await runChild('children/builder-cost.mjs', options);
  log(
    `  build+validate+serialize ${r.microsecondsPerBatch.total.median.toFixed(1)} µs, ` +
      `JSON.stringify ${r.microsecondsPerBatch.stringify.median.toFixed(1)} µs per ${r.bytesPerBatch}-byte batch`,
  );
  target('builder: build+validate+serialize / JSON.stringify', r.ratio, '<= 4', r.ratio.median <= 4, {
    sameText: r.sameText,
  });
  if (args.profile || (scale >= 0.5 && r.ratio.median > 4)) {
    log('  profiling the builder');
    r.profile = await profile('builder', (execArgv) =>
      runChild(
        'children/builder-cost.mjs',
        { sdkPath, profile: true, iterations: scaled(20_000, 500) },
        { execArgv },
      ),
    );
  }
  return r;
});

await section('memory', async () => {
  const all = [];
  const alone = [];
  for (let run = 0; run < runs; run++) {
    const maxBytes = scaled(50_000_000, 200_000);
    const r = await runStalledMemory({ batches: scaled(20_000, 200), maxBytes, sdkPath, log });
    // The reference, interleaved: the same loop with no client.
    const loop = await runStalledLoopAlone({ batches: scaled(20_000, 200), sdkPath, log });
    r.loopAlonePeakOverBaselineBytes = loop.peakOverBaselineBytes;
    r.clientShareVsMaxBytes = (r.peakOverBaselineBytes - loop.peakOverBaselineBytes) / maxBytes;
    all.push(r);
    alone.push(loop.peakOverBaselineBytes / maxBytes);
  }
  const ratio = roundSummary(summary(all.map((r) => r.peakOverBaselineVsMaxBytes)));
  target('stalled server: peak RSS over baseline / queue.maxBytes', ratio, '<= 2', ratio.median <= 2);
  const loopRatio = roundSummary(summary(alone));
  target('stalled server: the same loop without a client / queue.maxBytes', loopRatio, 'report only', null);
  const share = roundSummary(summary(all.map((r) => r.clientShareVsMaxBytes)));
  target('stalled server: client share (peak minus loop alone) / queue.maxBytes', share, 'report only', null);
  const last = all.at(-1);
  target(
    'stalled server: every batch beyond the bound reported as dropped',
    {
      dropped: last.outcomes.dropped,
      failedAtClose: last.outcomes.failed,
      settled: last.outcomes.settled,
      of: last.batches,
    },
    'all settled; dropped past the bound',
    all.every((r) => r.verdicts.beyondBoundDropped && r.verdicts.everyBatchSettled),
  );
  return {
    peakOverBaselineVsMaxBytes: ratio,
    loopAloneVsMaxBytes: loopRatio,
    clientShareVsMaxBytes: share,
    liveHeapOverBaselineVsMaxBytes: roundSummary(
      summary(all.map((r) => r.liveHeapOverBaselineBytes / r.maxBytes)),
    ),
    runs: all,
  };
});

await section('limiter', async () => {
  const all = [];
  for (let run = 0; run < runs; run++) {
    all.push(
      await runLimiter({
        batchesPerSecond: 270,
        seconds: Math.max(1, 10 * Math.min(scale, 1)),
        sdkPath,
        log,
      }),
    );
  }
  const ratio = roundSummary(summary(all.map((r) => r.ratio)));
  target(
    'limiter: observed / 270 batches per second',
    ratio,
    '1 ± 0.05',
    Math.abs(ratio.median - 1) <= 0.05,
    {
      everyRunWithin: all.every((r) => r.withinTolerance),
    },
  );
  return {
    ratio,
    maxInAnySecondVsRate: roundSummary(summary(all.map((r) => r.maxInAnySecond / r.config.batchesPerSecond))),
    runs: all,
  };
});

await section('startup', async () => {
  const timing = await runStartup({
    sdkPath,
    runs: Math.max(3, Math.round(7 * Math.min(scale, 1))),
    dependencies: Object.keys(packageJson.dependencies ?? {}),
    log,
  });
  const bundle = await measureBundle({ entry: sdkPath });
  log(
    `  core entry bundled: ${mb(bundle.minifiedBytes)} minified, ${(bundle.gzippedBytes / 1000).toFixed(1)} kB gzipped; ` +
      `largest part: ${bundle.dominant}`,
  );
  target('start-up: import() ours / segment', timing.oursVsSegment, 'report only', null);
  return { timing, bundle };
});

// The table.
const lines = [];
lines.push(
  `mparticle-events benchmarks: Node ${process.version}, ${cpus().length} CPUs, scale ${scale}, ${runs} run(s)`,
);
if (scale < 1)
  lines.push('(a scaled-down run: it checks that everything works; its figures are not measurements)');
const t = results.throughput;
if (t) {
  lines.push('');
  lines.push(
    `End-to-end throughput: ${t.config.events.toLocaleString('en-US')} events in ${t.config.batches.toLocaleString('en-US')} batches ` +
      `of ${t.config.eventsPerBatch}, concurrency ${t.config.concurrency}`,
  );
  const raw = t.contenders.raw.eventsPerSecond.median;
  lines.push(
    table([
      [
        'contender',
        'events/s median (min–max)',
        'vs raw',
        'peak RSS',
        'requests',
        'connections',
        'bytes/event',
      ],
      ...Object.entries(t.contenders).map(([name, c]) => [
        name,
        `${Math.round(c.eventsPerSecond.median).toLocaleString('en-US')} (${Math.round(c.eventsPerSecond.min).toLocaleString('en-US')}–${Math.round(c.eventsPerSecond.max).toLocaleString('en-US')})`,
        (c.eventsPerSecond.median / raw).toFixed(2),
        mb(c.peakRssBytes.median),
        String(c.requests.median),
        String(c.connections.median),
        String(c.bytesPerEvent),
      ]),
    ]),
  );
}
const b = results.builder;
if (b) {
  lines.push('');
  lines.push(`Builder cost per ${b.bytesPerBatch}-byte, ${b.config.eventsPerBatch}-event batch (µs, median)`);
  lines.push(
    table([
      ['step', 'µs/batch', 'vs JSON.stringify'],
      ...Object.entries(b.microsecondsPerBatch).map(([name, s]) => [
        name,
        s.median.toFixed(2),
        (s.median / b.microsecondsPerBatch.stringify.median).toFixed(2),
      ]),
    ]),
  );
}
const m = results.memory?.runs.at(-1);
if (m) {
  lines.push('');
  lines.push(
    `Stalled server (last of ${results.memory.runs.length}; peak over baseline / maxBytes ` +
      `${formatRange(results.memory.peakOverBaselineVsMaxBytes)}): ` +
      `${m.batches.toLocaleString('en-US')} batches, ${mb(m.totalBytes)} into queue.maxBytes ${mb(m.maxBytes)}: ` +
      `peak RSS ${mb(m.peakRssBytes)} (baseline ${mb(m.baselineRssBytes)}, +${mb(m.peakOverBaselineBytes)}; ` +
      `live heap after GC +${m.liveHeapOverBaselineBytes === undefined ? '?' : mb(m.liveHeapOverBaselineBytes)}), ` +
      `${m.outcomes.dropped} dropped, ${m.outcomes.failed} failed at close, ${m.outcomes.accepted} accepted, close ${Math.round(m.closeMs)} ms`,
  );
}
const l = results.limiter?.runs.at(-1);
if (l) {
  lines.push('');
  lines.push(
    `Limiter (last of ${results.limiter.runs.length}; observed / target ${formatRange(results.limiter.ratio, 3)}): ` +
      `${l.delivered} batches in ${l.requests} requests over ${(l.spanMs / 1000).toFixed(2)} s = ` +
      `${l.observedBatchesPerSecond} batches/s (target ${l.config.batchesPerSecond}, ratio ${l.ratio}); ` +
      `most in any 1 s: ${l.maxInAnySecond}`,
  );
}
const s = results.startup;
if (s) {
  lines.push('');
  lines.push(
    `Start-up: import() ${s.timing.ours.importMs.median.toFixed(1)} ms (ours) vs ${s.timing.segment.importMs.median.toFixed(1)} ms (segment), ` +
      `ratio ${formatRange(s.timing.oursVsSegment)}; alone: ` +
      Object.entries(s.timing.dependencies)
        .map(([name, t]) => `${name} ${t.median.toFixed(1)} ms`)
        .join(', ') +
      `; core bundle ${(s.bundle.minifiedBytes / 1000).toFixed(1)} kB min, ` +
      `${(s.bundle.gzippedBytes / 1000).toFixed(1)} kB gzip; by package: ` +
      s.bundle.packages.map((p) => `${p.name} ${(p.share * 100).toFixed(0)}%`).join(', '),
  );
}
lines.push('');
lines.push(
  table([
    ['target', 'measured', 'goal', 'met'],
    ...results.targets.map((x) => [
      x.name,
      typeof x.measured === 'object' && 'median' in x.measured
        ? formatRange(x.measured)
        : typeof x.measured === 'object'
          ? JSON.stringify(x.measured)
          : String(x.measured),
      x.goal,
      x.met === null ? '-' : x.met ? 'yes' : 'NO',
    ]),
  ]),
);
for (const [name, message] of Object.entries(results.errors))
  lines.push(`ERROR in ${name}: ${message.split('\n')[0]}`);
console.log(`\n${lines.join('\n')}`);

results.environment.loadAverageAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
// Keep the file as the repo's formatter (Biome, a dev dependency) writes JSON, so `npm run lint` stays
// clean after a run; without Biome the plain JSON.stringify layout stays.
const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));
if (existsSync(biome)) spawnSync(biome, ['format', '--write', out], { stdio: 'ignore' });
console.log(`\nwrote ${out}`);
if (Object.keys(results.errors).length > 0) process.exitCode = 1;
