/**
 * A smoke run of the benchmark code (bench/) at tiny sizes, so it cannot rot between `npm run bench`
 * runs. It asserts what each benchmark delivered, never how fast: timings are for bench/run.mjs.
 *
 * Contenders run in child processes, which cannot load TypeScript, so our SDK is bundled from src/ with
 * esbuild into a temp dir first (never `tsup`, which would clean dist/ under other test files).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bottleneckStarts,
  CONTENDERS,
  generateWorkload,
  maxInWindow,
  measureBuilderCost,
  measureBundle,
  observedRate,
  packRanges,
  runLimiter,
  runStalledLoopAlone,
  runStalledMemory,
  runStartup,
  runThroughput,
  startSink,
  transportCpu,
} from '../../bench/lib/index.mjs';
import * as sdk from '../../src/index.js';

const SRC_ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
let dir: string;
let sdkPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mparticle-events-bench-'));
  sdkPath = join(dir, 'sdk.mjs');
  await build({
    entryPoints: [SRC_ENTRY],
    outfile: sdkPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench workload', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = generateWorkload({ batches: 5, seed: 7 });
    expect(generateWorkload({ batches: 5, seed: 7 })).toEqual(a);
    expect(generateWorkload({ batches: 5, seed: 8 })).not.toEqual(a);
    expect(a.every((spec) => spec.events.length === 10)).toBe(true);
    expect(a.flatMap((spec) => spec.events).some((e) => e.kind === 'commerce')).toBe(true);
  });

  it('packs request bodies within 100 batches and 256 KB', () => {
    const sizes = [...Array.from({ length: 150 }, () => 1000), ...Array.from({ length: 10 }, () => 60_000)];
    const ranges = packRanges(sizes);
    expect(ranges[0]).toEqual([0, 100]);
    expect(ranges.flatMap(([from, to]) => Array.from({ length: to - from }, (_, i) => from + i))).toEqual(
      sizes.map((_, i) => i),
    );
    for (const [from, to] of ranges) {
      const body = 2 + sizes.slice(from, to).reduce((a, b) => a + b, 0) + (to - from - 1);
      expect(to - from).toBeLessThanOrEqual(100);
      expect(body).toBeLessThanOrEqual(256_000);
    }
  });

  it('reads a limiter timeline', () => {
    const timeline: [number, number][] = [
      [0, 10],
      [100, 10],
      [200, 10],
      [1200, 10],
    ];
    expect(observedRate(timeline)).toBeCloseTo(30 / 1.2);
    expect(maxInWindow(timeline, 1000)).toBe(30);
  });
});

describe('bench smoke run', () => {
  it('every throughput contender delivers every event to the sink', async () => {
    const batches = 100;
    const result = await runThroughput({
      batches,
      eventsPerBatch: 10,
      runs: 1,
      concurrency: 2,
      verify: true,
      sdkPath,
    });
    const round = result.rounds[0];
    for (const contender of CONTENDERS) {
      const run = round?.[contender];
      expect(run, contender).toBeDefined();
      expect(run?.delivered.events, contender).toBe(1000);
      expect(run?.delivered.verify?.parseErrors, contender).toBe(0);
      expect(run?.delivered.verify?.events, contender).toBe(1000);
      expect(run?.delivered.verify?.distinctEventIds, contender).toBe(1000);
      expect(run?.retriedRequests, contender).toBe(0);
      if (contender !== 'segment') {
        expect(run?.delivered.verify?.batches, contender).toBe(batches);
        expect(run?.delivered.verify?.distinctBatchIds, contender).toBe(batches);
        expect(run?.maxBatchesPerRequest, contender).toBeLessThanOrEqual(100);
        expect(run?.maxRequestBytes, contender).toBeLessThanOrEqual(256_000);
      }
    }
    expect(Object.keys(result.ratios)).toContain('oursVsRaw');
  });

  it('a stalled server: every batch settles once, and those past queue.maxBytes are dropped', async () => {
    const result = await runStalledMemory({ batches: 200, maxBytes: 300_000, closeTimeoutMs: 300, sdkPath });
    expect(result.totalBytes).toBeGreaterThan(result.maxBytes);
    expect(result.outcomes.settled).toBe(200);
    expect(result.outcomes.accepted).toBe(0);
    expect(result.outcomes.dropped).toBeGreaterThan(0);
    expect(result.verdicts.beyondBoundDropped).toBe(true);
  });

  it('the stalled loop runs without a client too (the memory reference)', async () => {
    const result = await runStalledLoopAlone({ batches: 200, sdkPath });
    expect(result.batches).toBe(200);
    expect(result.totalBytes).toBeGreaterThan(200 * 1000);
    expect(result.peakRssBytes).toBeGreaterThanOrEqual(result.baselineRssBytes);
  });

  it('the findings run: Bottleneck starts every job, each transport delivers every request', async () => {
    const starts = await bottleneckStarts(5);
    expect(starts.jobs).toBe(5);
    expect(Number.isFinite(starts.lastStartMs)).toBe(true);
    const sink = await startSink();
    try {
      const transport = await transportCpu(sink, 3, 1);
      expect(Object.keys(transport.cpuMsPerRequest)).toEqual(['node:http', 'fetch', 'ky']);
      const stats = await sink.stats();
      expect(stats.requests).toBe(9);
      expect(stats.bytes).toBe(9 * transport.bodyBytes);
    } finally {
      await sink.close();
    }
  });

  it('the rate-limited client delivers every batch', async () => {
    const result = await runLimiter({ batchesPerSecond: 200, seconds: 1, sdkPath });
    expect(result.delivered).toBe(200);
  });

  it('the builder benchmark compares like with like', () => {
    const result = measureBuilderCost(sdk, { iterations: 50, warmup: 50, samples: 1, pool: 16 });
    expect(result.sameText).toBe(true);
    expect(result.checksum).toBeGreaterThan(0);
  });

  it('start-up: both packages import in a fresh process, and the core entry bundles', async () => {
    const timing = await runStartup({ sdkPath, runs: 1 });
    expect(timing.runs).toBe(1);
    const bundle = await measureBundle({ entry: SRC_ENTRY });
    expect(bundle.packages.map((p) => p.name)).toContain('(mparticle-events)');
    expect(bundle.gzippedBytes).toBeLessThan(bundle.minifiedBytes);
  });
});
