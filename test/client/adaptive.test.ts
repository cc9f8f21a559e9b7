/**
 * Adaptive pacing through the EventsClient with its own (local) rate limiter, issue 6: the pace follows
 * `X-mp-rate-limit-percentage-used` down and back up, is visible in 'pace' events and reports, and an
 * `acceleration` 429 is retried after one pacing interval instead of an exponential backoff. The Redis-shared
 * version of the same is in test/ratelimit/adaptive.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventsClient } from '../../src/client.js';
import type { PaceEvent } from '../../src/ratelimit/pacing.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import type { RetryEvent } from '../../src/transport/events.js';
import { fakeClient, makeBatch } from './support.js';

let server: FakeEventsApi;
let usage = 30;
const clients: EventsClient[] = [];

beforeAll(async () => {
  server = await startFakeEventsApi({ recordBodies: false, rateLimitPercentageUsed: () => usage });
});

afterEach(async () => {
  server.clearFaults();
  server.reset();
  usage = 30;
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 1_000 })));
});

afterAll(async () => {
  await server.close();
});

function client(extra: Parameters<typeof fakeClient>[1] = {}): EventsClient {
  const c = fakeClient(server.url, extra);
  clients.push(c);
  return c;
}

const batches = (n: number, from = 0) => Array.from({ length: n }, (_, i) => makeBatch(from + i));

describe('adaptive pacing with a local limiter', () => {
  it('slows down while usage is reported at 95%, and recovers when it drops', async () => {
    const c = client({ rateLimit: { batchesPerSecond: 200, adaptive: { increaseStep: 100 } } });
    const paces: (PaceEvent & { t: number })[] = [];
    c.on('pace', (e) => paces.push({ ...e, t: Date.now() }));
    usage = 95;
    const t0 = Date.now();
    const drop = setTimeout(() => {
      usage = 30;
    }, 2_000);
    const report = await c.send(batches(600));
    clearTimeout(drop);
    expect(report.accepted).toBe(600);

    const times = server.requests
      .filter((r) => r.status === 202)
      .flatMap((r) => Array.from({ length: r.batchCount }, () => r.receivedAt - t0))
      .sort((a, b) => a - b);
    const rateIn = (from: number, to: number) =>
      times.filter((t) => t >= from && t < to).length / ((to - from) / 1_000);
    const end = times.at(-1) as number;
    const slow = rateIn(1_000, 2_000);
    const fast = rateIn(end - 1_000, end);
    console.log(
      `local adaptive: ${slow.toFixed(0)}/s in the second second (95% reported), ${fast.toFixed(0)}/s in ` +
        `the last; paces ${paces.map((p) => `${p.reason}@${p.t - t0}→${p.rate.toFixed(0)}`).join(', ')}`,
    );
    const cuts = paces.filter((p) => p.t - t0 < 2_000);
    expect(cuts.length).toBeGreaterThanOrEqual(2);
    expect(cuts.every((p) => p.reason === 'usage-high' && p.percentageUsed === 95)).toBe(true);
    // Falls: the server sees well under the configured rate while 95% is reported.
    expect(slow).toBeLessThan(200 * 0.75);
    // Recovers: back to the configured rate once usage dropped, and the server sees it.
    expect(paces.at(-1)).toMatchObject({ reason: 'usage-low', rate: 200 });
    expect(fast).toBeGreaterThan(slow * 1.4);
    expect(report.rateLimit?.percentageUsed).toBe(95);
    expect(report.rateLimit?.pace).toBe(200);
  });

  it('reports the pace while it is below the configured rate', async () => {
    const c = client({ rateLimit: { batchesPerSecond: 200 } });
    usage = 90;
    const report = await c.send(makeBatch(1));
    expect(report.rateLimit).toEqual({ percentageUsed: 90, throttled: 0, pace: expect.closeTo(140, 1) });
  });

  it('recovers after a 429 even when the responses carry no usage header', async () => {
    const bare = await startFakeEventsApi({ recordBodies: false });
    try {
      const c = fakeClient(bare.url, {
        rateLimit: { batchesPerSecond: 200, adaptive: { increaseStep: 400 } },
      });
      clients.push(c);
      const paces: PaceEvent[] = [];
      c.on('pace', (e) => paces.push(e));
      bare.fault({ status: 429, rateLimitExceeded: 'org', times: 1 });
      await c.send(makeBatch(1));
      expect(paces[0]).toMatchObject({ reason: 'rate-limited', rate: expect.closeTo(140, 1) });
      await c.send(batches(60, 1));
      expect(paces.at(-1)).toMatchObject({ reason: 'usage-low', rate: 200 });
    } finally {
      await bare.close();
    }
  });

  it('leaves the pace alone with adaptive: false', async () => {
    const c = client({ rateLimit: { batchesPerSecond: 200, adaptive: false } });
    const paces: PaceEvent[] = [];
    c.on('pace', (e) => paces.push(e));
    usage = 99;
    server.fault({ status: 429, rateLimitExceeded: 'org', times: 1 });
    const report = await c.send(batches(3));
    expect(paces).toEqual([]);
    expect(report.rateLimit).toEqual({ percentageUsed: 99, exceeded: 'org', throttled: 1 });
  });
});

describe('acceleration 429s', () => {
  const retryOf = (c: EventsClient) =>
    new Promise<RetryEvent>((resolve) => {
      c.on('retry', resolve);
    });

  it('retries after one pacing interval, not an exponential backoff', async () => {
    const c = client({
      rateLimit: { batchesPerSecond: 200 },
      retry: { minDelayMs: 2_000, maxDelayMs: 4_000 },
    });
    server.fault({ status: 429, rateLimitExceeded: 'acceleration', times: 1 });
    const retry = retryOf(c);
    const started = Date.now();
    const report = await c.send(makeBatch(1));
    const event = await retry;
    // One batch at the held pace (200 × 0.7 = 140/s): 8 ms, where the backoff would wait 2 to 4 s.
    expect(event.delayMs).toBe(Math.ceil(1_000 / 140));
    expect(report).toMatchObject({ accepted: 1, retried: 1, rateLimit: { exceeded: 'acceleration' } });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('backs off as usual with adaptive: false', async () => {
    const c = client({
      rateLimit: { batchesPerSecond: 200, adaptive: false },
      retry: { minDelayMs: 2_000, maxDelayMs: 4_000 },
    });
    server.fault({ status: 429, rateLimitExceeded: 'acceleration', times: 1 });
    const retry = retryOf(c);
    void c.send(makeBatch(1)).catch(() => {});
    expect((await retry).delayMs).toBeGreaterThanOrEqual(2_000);
  });

  it('still honours a Retry-After sent with it', async () => {
    const c = client({ rateLimit: { batchesPerSecond: 200 }, retry: { minDelayMs: 10, maxDelayMs: 20 } });
    server.fault({ status: 429, rateLimitExceeded: 'acceleration', retryAfter: 1, times: 1 });
    const retry = retryOf(c);
    void c.send(makeBatch(1)).catch(() => {});
    expect(await retry).toMatchObject({ delayMs: 1_000, retryAfterMs: 1_000 });
  });
});
