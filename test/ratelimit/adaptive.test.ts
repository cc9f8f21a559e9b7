/**
 * Issue 6 acceptance 4 end to end: an `EventsClient` whose budget is shared over a real redis-server, with
 * adaptive pacing (on by default), against servers that report their limits. The pace follows the reported
 * usage down and back up (seen in the client's 'pace' events, its report and the server's arrival rate),
 * and `acceleration` 429s cost fewer retries than with plain exponential backoff (`adaptive: false`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventsClient } from '../../src/client.js';
import { BatchBuilder } from '../../src/index.js';
import type { PaceEvent } from '../../src/ratelimit/pacing.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import type { EventsClientOptions } from '../../src/transport/options.js';
import { fakeClient } from '../client/support.js';
import { startAccelerationServer } from './helpers/acceleration-server.js';
import { RedisServer, redisAvailable } from './helpers/redis-server.js';

const hasRedis = redisAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const batches = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) =>
    new BatchBuilder({ environment: 'development', sourceRequestId: `${prefix}-${i}` })
      .userIdentities({ customer_id: `${prefix}-${i % 20}` })
      .customEvent({ event_name: 'Adaptive', custom_event_type: 'other' })
      .build(),
  );

describe.skipIf(!hasRedis)(
  'adaptive pacing of a Redis-shared client against a server reporting its limits',
  () => {
    let redis: RedisServer;
    const clients: EventsClient[] = [];

    /** A client on the shared budget `id` (200/s, one expected process: requests of 10 batches). */
    const client = (
      baseUrl: string,
      id: string,
      rateLimit: NonNullable<Exclude<EventsClientOptions['rateLimit'], false>> = {},
      extra: Partial<EventsClientOptions> = {},
    ) => {
      const c = fakeClient(baseUrl, {
        rateLimit: {
          batchesPerSecond: 200,
          redis: { client: redis.url, id, expectedProcesses: 1 },
          ...rateLimit,
        },
        ...extra,
      });
      clients.push(c);
      return c;
    };

    beforeAll(async () => {
      redis = await RedisServer.start();
    });

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close({ timeoutMs: 1000 })));
      await redis?.stop();
    });

    it('acceptance 4a: with usage reported at 95% the rate falls, and it recovers when usage drops', async () => {
      let usage = 95;
      const server = await startFakeEventsApi({
        validate: false,
        recordBodies: false,
        rateLimitPercentageUsed: () => usage,
      });
      try {
        const c = client(server.url, 'adaptive-usage', { adaptive: { increaseStep: 60 } });
        const paces: (PaceEvent & { t: number })[] = [];
        c.on('pace', (e) => paces.push({ ...e, t: Date.now() }));
        const t0 = Date.now();
        const drop = sleep(3000).then(() => {
          usage = 30;
        });
        const report = await c.send(batches(1000, 'u'));
        await drop;
        const times = server.batches.map((b) => b.receivedAt - t0);
        const rateIn = (from: number, to: number) =>
          times.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
        const lowest = Math.min(...paces.map((p) => p.rate));
        const lastSecond = rateIn(Math.max(...times) - 1000, Math.max(...times));
        console.log(
          `acceptance 4a: server saw ${rateIn(0, 1000).toFixed(0)}/s in the first second, ` +
            `${rateIn(2000, 3000).toFixed(0)}/s in the third (95% reported), pace down to ${lowest.toFixed(0)}/s, ` +
            `then ${lastSecond.toFixed(0)}/s in the last second; pace events: ` +
            paces.map((p) => `${p.reason}@${p.t - t0}ms→${p.rate.toFixed(0)}`).join(', '),
        );
        expect(report.accepted).toBe(1000);
        expect(server.stats.acceptedBatches).toBe(1000);
        // Falls while usage is high: by the third second the server sees well under the configured 200/s.
        expect(paces.filter((p) => p.t - t0 < 3000).every((p) => p.reason === 'usage-high')).toBe(true);
        expect(rateIn(2000, 3000)).toBeLessThan(200 * 0.6);
        expect(lowest).toBeLessThan(200 * 0.5);
        // Recovers once usage drops: the pace climbs back to the configured rate, the server sees it.
        expect(paces.at(-1)).toMatchObject({ reason: 'usage-low', rate: 200 });
        expect(lastSecond).toBeGreaterThan(rateIn(2000, 3000) * 1.5);
        expect(report.rateLimit).toMatchObject({ percentageUsed: 95, pace: 200 });
      } finally {
        await server.close();
      }
    });

    it('acceptance 4b: with acceleration 429s, delivery completes with fewer retries than with plain backoff', async () => {
      const model = { base: 40, growth: 1.5 };
      // Plain exponential backoff with full jitter (100 ms base, 2 s cap), enough retries to get through.
      const retry = { retries: 40, minDelayMs: 100, maxDelayMs: 2000, maxRetryTimeMs: 60_000 };
      const run = async (adaptive: boolean, prefix: string) => {
        const server = await startAccelerationServer(model);
        try {
          const c = client(
            server.url,
            `accel-${prefix}`,
            { adaptive: adaptive && { increaseStep: 40, holdMs: 1000 } },
            { retry },
          );
          let retries = 0;
          c.on('retry', () => retries++);
          const started = Date.now();
          const report = await c.send(batches(400, prefix));
          const durationMs = Date.now() - started;
          expect(report).toMatchObject({ accepted: 400, failed: 0 });
          expect(server.accepted.size).toBe(400);
          expect([...server.accepted.values()].every((n) => n === 1)).toBe(true);
          expect(retries).toBe(server.refusals);
          return { retries, durationMs, exceeded: report.rateLimit?.exceeded };
        } finally {
          await server.close();
        }
      };
      const plain = await run(false, 'plain');
      const paced = await run(true, 'paced');
      console.log(
        `acceptance 4b: 400 batches against an acceleration limit (x${model.growth}/s from ${model.base}/s): ` +
          `plain backoff ${plain.retries} retries in ${plain.durationMs} ms; ` +
          `adaptive pacing ${paced.retries} retries in ${paced.durationMs} ms`,
      );
      expect(plain.exceeded).toBe('acceleration');
      expect(plain.retries).toBeGreaterThan(0);
      expect(paced.retries).toBeLessThan(plain.retries * 0.75);
    });
  },
);
