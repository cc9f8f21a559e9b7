/**
 * examples/multi-process against the fake Events API and a real Redis: four workers (in this process, each
 * with its own client and Redis connection) deliver everything they enqueue, together within the shared
 * budget of 200 batches per second. The fake server runs in a process of its own, as in fleet.test.ts, so
 * the workers' work in this process does not delay its arrival timestamps; the fleet figures across real
 * processes are in fleet.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../examples/multi-process/worker.js';
import { averageRate, bundleFixture, maxInWindow, RemoteFakeServer } from './helpers/fleet.js';
import { RedisServer, redisAvailable } from './helpers/redis-server.js';

const hasRedis = redisAvailable();

describe.skipIf(!hasRedis)('multi-process example', () => {
  let redis: RedisServer;
  let api: RemoteFakeServer;
  let cleanup: (() => void) | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const fake = await bundleFixture('fake-server-child.ts');
    cleanup = fake.cleanup;
    api = await RemoteFakeServer.start(fake.script);
  });

  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    cleanup?.();
  });

  it('runs four workers on one budget and delivers every batch once', async () => {
    const lines: string[] = [];
    const reports = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        runWorker({
          name: `w${i}`,
          redisUrl: redis.url,
          client: { apiKey: 'test-key', apiSecret: 'test-secret', baseUrl: api.url },
          batchesPerSecond: 200,
          expectedProcesses: 4,
          batches: 150,
          log: (line) => lines.push(`w${i} ${line}`),
        }),
      ),
    );
    for (const report of reports) {
      expect(report.accepted).toBe(150);
      expect(report.failed).toBe(0);
    }
    const { stats, batches } = await api.dump();
    expect(new Set(batches.map(([id]) => id)).size).toBe(600);
    expect(stats.duplicateBatches).toBe(0);
    const times = batches.map(([, t]) => t).sort((a, b) => a - b);
    console.log(
      `example: ${times.length} batches at ${averageRate(times).toFixed(0)}/s, busiest window ${maxInWindow(times)}; ` +
        `${lines.length} log lines`,
    );
    // One budget for the four: 200 batches per second, never more than 110% in any one-second window.
    expect(maxInWindow(times)).toBeLessThanOrEqual(220);
    expect(averageRate(times)).toBeLessThanOrEqual(220);
  });
});
