/**
 * examples/multi-process against the fake Events API and a real Redis: four workers (in this process, each
 * with its own client and Redis connection) deliver everything they enqueue. The budget-sharing figures are
 * proven at the limiter level in fleet.test.ts; once the client takes `rateLimit.redis`, this test also
 * checks the server's busiest one-second window against the shared budget (see the report of issue 6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker } from '../../examples/multi-process/worker.js';
import { type FakeEventsApi, startFakeEventsApi } from '../../src/testing/index.js';
import { averageRate, maxInWindow } from './helpers/fleet.js';
import { RedisServer, redisAvailable } from './helpers/redis-server.js';

const hasRedis = redisAvailable();

describe.skipIf(!hasRedis)('multi-process example', () => {
  let redis: RedisServer;
  let api: FakeEventsApi;

  beforeAll(async () => {
    redis = await RedisServer.start();
    api = await startFakeEventsApi({ recordBodies: false });
  });

  afterAll(async () => {
    await api?.close();
    await redis?.stop();
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
    expect(api.sourceRequestIds().size).toBe(600);
    expect(api.stats.duplicateBatches).toBe(0);
    const times = api.batches.map((b) => b.receivedAt).sort((a, b) => a - b);
    console.log(
      `example: ${times.length} batches at ${averageRate(times).toFixed(0)}/s, busiest window ${maxInWindow(times)}; ` +
        `${lines.length} log lines`,
    );
  });
});
