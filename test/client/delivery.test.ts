/**
 * The EventsClient over real HTTP against the fake Events API: endpoints, packing, retries, splitting,
 * Retry-After, the queue and its overflow policies, flush and close (issue 3, acceptance 2, 3, 5, 6).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Batch, parseBatch, serializeBatch } from '../../src/batch/index.js';
import { EventsClient } from '../../src/client.js';
import {
  AuthenticationError,
  BadRequestError,
  ClientClosedError,
  ConfigurationError,
  DeliveryError,
  QueueFullError,
  ServerError,
  ValidationError,
} from '../../src/errors.js';
import { HISTORICAL_MIN_AGE_MS, MAX_BATCHES_PER_REQUEST, MAX_REQUEST_BYTES } from '../../src/limits.js';
import type { PaceEvent } from '../../src/ratelimit/pacing.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import type { DeliveryFailure } from '../../src/transport/report.js';
import { seeded } from '../support/random.js';
import { API_KEY, API_SECRET, fakeClient, makeBatch } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: FakeEventsApi;
const clients: EventsClient[] = [];

function client(extra: Parameters<typeof fakeClient>[1] = {}): EventsClient {
  const c = fakeClient(server.url, extra);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startFakeEventsApi();
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.clearFaults();
  server.reset();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 200 })));
});

describe('send()', () => {
  it('sends one batch to /v2/events with a source_request_id, leaving the caller’s batch unchanged', async () => {
    const batch = makeBatch(1);
    const report = await client().send(batch);
    expect(report).toMatchObject({ accepted: 1, failed: 0, dropped: 0, retried: 0, requests: 1 });
    expect(report.failures).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe('/v2/events');
    expect(server.batches[0]?.sourceRequestId).toMatch(UUID);
    expect((batch as { source_request_id?: string }).source_request_id).toBeUndefined();
  });

  it('keeps a source_request_id the batch already has, and replaces a null one', async () => {
    await client().send(makeBatch(1, { id: 'my-own-id' }));
    expect(server.batches[0]?.sourceRequestId).toBe('my-own-id');
    const outcome = client().enqueue({ ...makeBatch(2), source_request_id: null } as unknown as Batch);
    const { sourceRequestId } = await outcome;
    expect(sourceRequestId).toMatch(UUID);
    expect(server.batches[1]?.sourceRequestId).toBe(sourceRequestId);
  });

  it('packs several batches into /v2/bulkevents requests of at most 100 when pacing is off', async () => {
    const batches = Array.from({ length: 250 }, (_, i) => makeBatch(i));
    const report = await client({ rateLimit: false }).send(batches);
    expect(report.accepted).toBe(250);
    expect(report.requests).toBe(3);
    expect(server.requests.map((r) => r.batchCount).sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(server.requests.every((r) => r.path === '/v2/bulkevents')).toBe(true);
    expect(server.sourceRequestIds().size).toBe(250);
  });

  it('keeps requests to a twentieth of the paced rate', async () => {
    const batches = Array.from({ length: 40 }, (_, i) => makeBatch(i));
    await client({ rateLimit: { batchesPerSecond: 2_000 } }).send(batches);
    expect(server.requests.map((r) => r.batchCount)).toEqual([40]);
    server.reset();
    await client({ rateLimit: { batchesPerSecond: 270 } }).send(batches);
    expect(Math.max(...server.requests.map((r) => r.batchCount))).toBe(13);
    expect(server.stats.acceptedBatches).toBe(40);
  });

  it('resolves with an empty report for an empty array', async () => {
    const report = await client().send([]);
    expect(report).toMatchObject({ accepted: 0, failed: 0, requests: 0 });
    expect(server.stats.requests).toBe(0);
  });

  it('refuses an invalid batch before sending anything, naming its index', async () => {
    const bad = { environment: 'nowhere', events: [] } as unknown as Batch;
    const error = await client()
      .send([makeBatch(1), bad])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/index 1/);
    expect((error as ValidationError).issues.length).toBeGreaterThan(0);
    expect(server.stats.requests).toBe(0);
  });

  it('refuses a batch over 128 KB before sending, naming the limit', async () => {
    const error = await client()
      .send(makeBatch(1, { bytes: 140_000 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/128/);
    expect(server.stats.requests).toBe(0);
  });

  it('sends historical batches to /v2/bulkevents/historical after checking its rules', async () => {
    const old = Date.now() - HISTORICAL_MIN_AGE_MS - 60_000;
    const c = client();
    const report = await c.send([makeBatch(1, { timestamp: old })], { historical: true });
    expect(report.accepted).toBe(1);
    expect(server.requests[0]?.path).toBe('/v2/bulkevents/historical');
    server.reset();
    const error = await c
      .send([makeBatch(1, { timestamp: old }), makeBatch(2, { timestamp: Date.now() - 3_600_000 })], {
        historical: true,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('events[0].data.timestamp_unixtime_ms');
    expect((error as ValidationError).message).toMatch(/index 1.*historical.*72 hours/);
    expect(server.stats.requests).toBe(0);
  });
});

describe('retries and permanent failures (acceptance 2)', () => {
  it('retries 503 and succeeds, counting attempts, and emits retry events', async () => {
    server.fault({ status: 503, times: 2 });
    const c = client();
    const retries: number[] = [];
    c.on('retry', (e) => retries.push(e.attempt));
    const report = await c.send(makeBatch(1));
    expect(report).toMatchObject({ accepted: 1, retried: 1, requests: 3 });
    expect(retries).toEqual([1, 2]);
    expect(server.sourceRequestIds().size).toBe(1);
    // Every attempt carried the same source_request_id.
    expect(server.requests.map((r) => r.status)).toEqual([503, 503, 202]);
  });

  it('gives up after the retries allowed, with the last error', async () => {
    server.fault({ status: 500 });
    const error = await client({ retry: { retries: 2, minDelayMs: 5, maxDelayMs: 10 } })
      .send(makeBatch(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    const failure = (error as DeliveryError).report.failures[0] as DeliveryFailure;
    expect(failure.error).toBeInstanceOf(ServerError);
    expect(failure.attempts).toBe(3);
    expect(server.stats.requests).toBe(3);
  });

  it.each([400, 401, 403, 404, 422, 501])('does not retry %i', async (status) => {
    server.fault({ status });
    const onDeadLetter: DeliveryFailure[] = [];
    const error = await client({ onDeadLetter: (f) => void onDeadLetter.push(f) })
      .send(makeBatch(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).report).toMatchObject({ accepted: 0, failed: 1, requests: 1 });
    expect(server.stats.requests).toBe(1);
    expect(onDeadLetter).toHaveLength(1);
    expect(onDeadLetter[0]?.error).toMatchObject({ status });
  });

  it('does not retry wrong credentials (403 from the server itself)', async () => {
    const error = await client({ apiSecret: 'wrong-secret' })
      .send(makeBatch(1))
      .catch((e: unknown) => e);
    const failure = (error as DeliveryError).report.failures[0] as DeliveryFailure;
    expect(failure.error).toBeInstanceOf(AuthenticationError);
    expect((failure.error as AuthenticationError).status).toBe(403);
    expect(server.stats.requests).toBe(1);
  });

  it('a 400 for one batch in a bulk request fails that batch alone, with the server’s errors[]', async () => {
    const strict = await startFakeEventsApi({
      validateBatch: (batch) => {
        if (
          (batch as { user_identities?: { customer_id?: string } }).user_identities?.customer_id === 'user-17'
        ) {
          throw new Error('poisoned batch');
        }
      },
    });
    try {
      const c = fakeClient(strict.url, { rateLimit: false });
      clients.push(c);
      const batches = Array.from({ length: 40 }, (_, i) => makeBatch(i, { id: `id-${i}` }));
      const error = await c.send(batches).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryError);
      const { report } = error as DeliveryError;
      expect(report).toMatchObject({ accepted: 39, failed: 1 });
      const failure = report.failures[0] as DeliveryFailure;
      expect(failure.sourceRequestId).toBe('id-17');
      expect(failure.error).toBeInstanceOf(BadRequestError);
      expect((failure.error as BadRequestError).errors[0]?.message).toMatch(/poisoned batch/);
      expect(strict.sourceRequestIds()).toEqual(
        new Set(batches.map((_, i) => `id-${i}`).filter((id) => id !== 'id-17')),
      );
      // Bisection, not one request per batch: about 2·log2(40) requests.
      expect(strict.stats.requests).toBeLessThan(20);
      // No backoff on a split: the halves go out at once.
      expect(report.durationMs).toBeLessThan(2_000);
    } finally {
      await strict.close();
    }
  });

  it('splits a request the server finds too large (413)', async () => {
    const small = await startFakeEventsApi({ maxRequestBytes: 20_000 });
    try {
      const c = fakeClient(small.url, { rateLimit: false });
      clients.push(c);
      const report = await c.send(Array.from({ length: 10 }, (_, i) => makeBatch(i, { bytes: 5_000 })));
      expect(report.accepted).toBe(10);
      expect(small.requests[0]?.status).toBe(413);
      expect(small.requests.every((r) => r.status === 413 || r.bodyBytes <= 20_000)).toBe(true);
      const alone = await c.send(makeBatch(99, { bytes: 30_000 })).catch((e: unknown) => e);
      expect((alone as DeliveryError).report.failures[0]?.error).toMatchObject({ status: 413 });
    } finally {
      await small.close();
    }
  });

  it('times attempts out and retries them', async () => {
    server.fault({ stall: true, times: 1 });
    const report = await client({ timeoutMs: 200 }).send(makeBatch(1));
    expect(report).toMatchObject({ accepted: 1, requests: 2 });
  });

  it('retries connection resets', async () => {
    server.fault({ reset: true, times: 2 });
    const report = await client().send(makeBatch(1));
    expect(report).toMatchObject({ accepted: 1, requests: 3 });
  });

  it('surfaces the rate-limit headers in the report and events', async () => {
    const busy = await startFakeEventsApi({ rateLimitPercentageUsed: 42 });
    try {
      busy.fault({ status: 429, rateLimitExceeded: 'org', times: 1 });
      const c = fakeClient(busy.url);
      clients.push(c);
      const limited: unknown[] = [];
      c.on('rateLimited', (e) => limited.push(e));
      const paces: PaceEvent[] = [];
      c.on('pace', (e) => paces.push(e));
      const report = await c.send(makeBatch(1));
      // Adaptive pacing (on by default) cut the pace on the 429 (× 0.7 of 270), recovered a little on the
      // 202 (usage 42%, below 80%), and the report says so.
      expect(report.rateLimit).toEqual({
        percentageUsed: 42,
        exceeded: 'org',
        throttled: 1,
        pace: expect.any(Number),
      });
      expect(report.rateLimit?.pace).toBeGreaterThanOrEqual(189 - 1e-9);
      expect(report.rateLimit?.pace).toBeLessThan(200);
      expect(paces).toMatchObject([{ reason: 'rate-limited', exceeded: 'org', previousRate: 270 }]);
      expect(limited).toEqual([{ url: `${busy.url}/events`, exceeded: 'org', pauseMs: 0 }]);
    } finally {
      await busy.close();
    }
  });
});

describe('Retry-After (acceptance 3)', () => {
  it('a 429 with Retry-After 2 pauses that client about 2 s; another client is not paused', async () => {
    const shared = await startFakeEventsApi({
      credentials: [
        { apiKey: 'key-a', apiSecret: 'secret-a' },
        { apiKey: 'key-b', apiSecret: 'secret-b' },
      ],
    });
    try {
      shared.fault({ status: 429, retryAfter: 2, times: 1, apiKey: 'key-a' });
      const a = fakeClient(shared.url, { apiKey: 'key-a', apiSecret: 'secret-a' });
      const b = fakeClient(shared.url, { apiKey: 'key-b', apiSecret: 'secret-b' });
      clients.push(a, b);
      // Paused from when A has read the 429 (the server's record of it can come first).
      const limited = new Promise<void>((resolve) =>
        a.on('response', (r) => {
          if (r.status === 429) resolve();
        }),
      );
      const first = a.send(makeBatch(1));
      await limited;
      const limitedAt = shared.requests.find((r) => r.status === 429)?.respondedAt as number;
      // Sent while A is paused: A's new batch waits, B's goes at once.
      const second = a.send(makeBatch(2));
      const other = b.send(makeBatch(3));
      await Promise.all([first, second, other]);

      const fromA = shared.requests.filter((r) => r.apiKey === 'key-a' && r.status !== 429);
      const fromB = shared.requests.filter((r) => r.apiKey === 'key-b');
      expect(fromA).toHaveLength(2);
      for (const request of fromA) {
        expect(request.receivedAt - limitedAt).toBeGreaterThanOrEqual(1_900);
        expect(request.receivedAt - limitedAt).toBeLessThan(4_000);
      }
      expect(fromB).toHaveLength(1);
      expect((fromB[0] as { receivedAt: number }).receivedAt - limitedAt).toBeLessThan(1_000);
    } finally {
      await shared.close();
    }
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    server.fault({ status: 429, retryAfter: 3_600, times: 1 });
    const started = Date.now();
    const report = await client({ retry: { minDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 300 } }).send(
      makeBatch(1),
    );
    expect(report.accepted).toBe(1);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    server.fault({ status: 503, retryAfter: new Date(Date.now() + 1_500).toUTCString(), times: 1 });
    const report = await client().send(makeBatch(1));
    expect(report.accepted).toBe(1);
    const [failed, ok] = server.requests;
    // The date has one-second resolution: at least half a second of pause is certain.
    expect((ok?.receivedAt ?? 0) - (failed?.respondedAt ?? 0)).toBeGreaterThanOrEqual(400);
  });
});

describe('packing limits (acceptance 5)', () => {
  it('never sends a request over 256 KB or 100 batches, whatever is enqueued', async () => {
    const random = seeded(7);
    const batches: Batch[] = [];
    for (let i = 0; i < 260; i++) {
      const r = random();
      const bytes = r < 0.6 ? 0 : r < 0.85 ? 20_000 : r < 0.95 ? 60_000 : 120_000;
      batches.push(makeBatch(i, { bytes }));
    }
    for (const rateLimit of [false as const, { batchesPerSecond: 5_000 }]) {
      server.reset();
      const c = client({ rateLimit, queue: { flushIntervalMs: 10_000 } });
      const outcomes = batches.map((b) => c.enqueue(b));
      const report = await c.flush();
      expect(report).toMatchObject({ accepted: batches.length, failed: 0, dropped: 0 });
      expect((await Promise.all(outcomes)).every((o) => o.status === 'accepted')).toBe(true);
      expect(server.stats.acceptedBatches).toBe(batches.length);
      for (const request of server.requests) {
        expect(request.bodyBytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
        expect(request.batchCount).toBeLessThanOrEqual(MAX_BATCHES_PER_REQUEST);
        expect(request.status).toBe(202);
      }
      // Packing fills requests: far fewer requests than batches.
      expect(server.requests.length).toBeLessThan(batches.length / 2);
    }
  });

  it('never exceeds the limits through send() either', async () => {
    const batches = Array.from({ length: 150 }, (_, i) =>
      makeBatch(i, { bytes: i % 3 === 0 ? 90_000 : 500 }),
    );
    const report = await client({ rateLimit: false }).send(batches);
    expect(report.accepted).toBe(150);
    for (const request of server.requests) {
      expect(request.bodyBytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
      expect(request.batchCount).toBeLessThanOrEqual(MAX_BATCHES_PER_REQUEST);
    }
  });
});

describe('enqueue(), flush() and the queue', () => {
  it('resolves each batch’s outcome and reports it in the next flush', async () => {
    const c = client();
    const outcome = c.enqueue(makeBatch(1, { id: 'q-1' }));
    const report = await c.flush();
    expect(report).toMatchObject({ accepted: 1, failed: 0 });
    expect(await outcome).toEqual({ status: 'accepted', sourceRequestId: 'q-1', attempts: 1 });
    const next = await c.flush();
    expect(next).toMatchObject({ accepted: 0, failed: 0, requests: 0 });
  });

  it('sends in the background after flushIntervalMs, without a flush', async () => {
    const c = client({ queue: { flushIntervalMs: 50 } });
    void c.enqueue(makeBatch(1));
    await server.waitFor((s) => s.stats.acceptedBatches === 1, { timeoutMs: 2_000 });
  });

  it('sends a full request at once, without waiting for the interval', async () => {
    const c = client({ rateLimit: false, queue: { flushIntervalMs: 60_000 } });
    for (let i = 0; i < 100; i++) void c.enqueue(makeBatch(i));
    await server.waitFor((s) => s.stats.acceptedBatches === 100, { timeoutMs: 2_000 });
    expect(server.requests).toHaveLength(1);
  });

  it('a flush waits for batches an earlier flush is still sending', async () => {
    server.fault({ delayMs: 300, times: 1 });
    const c = client();
    let settled = false;
    void c.enqueue(makeBatch(1)).then(() => {
      settled = true;
    });
    const first = c.flush();
    const second = c.flush();
    const report2 = await second;
    // The second flush resolved only once the first one's batch had settled.
    expect(settled).toBe(true);
    expect(report2.accepted).toBe(0);
    expect((await first).accepted).toBe(1);
  });

  it('drop-newest: a batch that does not fit resolves dropped at once, is reported and dead-lettered', async () => {
    const dead: DeliveryFailure[] = [];
    const dropped: string[] = [];
    const c = client({
      queue: { maxBatches: 5, flushIntervalMs: 60_000 },
      onDeadLetter: (f) => void dead.push(f),
    });
    c.on('dropped', (f) => dropped.push(f.sourceRequestId));
    const outcomes = Array.from({ length: 8 }, (_, i) => c.enqueue(makeBatch(i, { id: `n-${i}` })));
    const late = await Promise.all(outcomes.slice(5));
    expect(late.map((o) => [o.status, o.status !== 'accepted' && o.error instanceof QueueFullError])).toEqual(
      [
        ['dropped', true],
        ['dropped', true],
        ['dropped', true],
      ],
    );
    const report = await c.flush();
    expect(report).toMatchObject({ accepted: 5, dropped: 3, failed: 0 });
    expect(report.failures.map((f) => f.sourceRequestId)).toEqual(['n-5', 'n-6', 'n-7']);
    expect(dead.map((f) => f.sourceRequestId)).toEqual(['n-5', 'n-6', 'n-7']);
    expect(dropped).toEqual(['n-5', 'n-6', 'n-7']);
    expect(server.sourceRequestIds()).toEqual(new Set(['n-0', 'n-1', 'n-2', 'n-3', 'n-4']));
  });

  it('a flush report lists at most queue.maxReportedFailures failures; every one still reaches its promise and onDeadLetter', async () => {
    const dead: string[] = [];
    const c = client({
      queue: { maxBatches: 2, flushIntervalMs: 60_000, maxReportedFailures: 3 },
      onDeadLetter: (f) => void dead.push(f.sourceRequestId),
    });
    const outcomes = Array.from({ length: 10 }, (_, i) => c.enqueue(makeBatch(i, { id: `m-${i}` })));
    const report = await c.flush();
    const statuses = (await Promise.all(outcomes)).map((o) => o.status);
    expect(statuses).toEqual(['accepted', 'accepted', ...Array(8).fill('dropped')]);
    expect(report).toMatchObject({ accepted: 2, dropped: 8, failed: 0, failuresOmitted: 5 });
    // The first three, in the order they ended; the other five only counted.
    expect(report.failures.map((f) => f.sourceRequestId)).toEqual(['m-2', 'm-3', 'm-4']);
    expect(dead).toEqual(['m-2', 'm-3', 'm-4', 'm-5', 'm-6', 'm-7', 'm-8', 'm-9']);
    // The cap is per report: the next one starts empty.
    c.enqueue(makeBatch(20, { id: 'm-20' }));
    c.enqueue(makeBatch(21, { id: 'm-21' }));
    const lost = c.enqueue(makeBatch(22, { id: 'm-22' }));
    expect(await c.flush()).toMatchObject({ accepted: 2, dropped: 1, failuresOmitted: 0 });
    expect((await lost).status).toBe('dropped');
  });

  it('queue.maxReportedFailures: Infinity lists every failure, 0 lists none; other values are refused', async () => {
    const every = client({
      queue: { maxBatches: 1, flushIntervalMs: 60_000, maxReportedFailures: Infinity },
    });
    const none = client({ queue: { maxBatches: 1, flushIntervalMs: 60_000, maxReportedFailures: 0 } });
    for (const c of [every, none]) for (let i = 0; i < 4; i++) c.enqueue(makeBatch(i));
    expect(await every.flush()).toMatchObject({ dropped: 3, failuresOmitted: 0 });
    expect((await none.flush()).failures).toEqual([]);
    for (const bad of [-1, 1.5, Number.NaN, '10']) {
      expect(() => client({ queue: { maxReportedFailures: bad as number } })).toThrow(
        /queue\.maxReportedFailures/,
      );
    }
  });

  it('send() reports list every failure, whatever queue.maxReportedFailures says', async () => {
    server.fault({ status: 400, times: 1 });
    const c = client({ queue: { maxReportedFailures: 0 }, retry: false });
    const report = await c.send([makeBatch(1, { id: 's-1' })]).catch((e) => e.report);
    expect(report).toMatchObject({ failed: 1, failuresOmitted: 0 });
    expect(report.failures.map((f: DeliveryFailure) => f.sourceRequestId)).toEqual(['s-1']);
  });

  it('a failure’s batch is re-created from the text it was (or would have been) sent as', async () => {
    const dead: DeliveryFailure[] = [];
    const c = client({
      queue: { maxBatches: 1, flushIntervalMs: 60_000 },
      onDeadLetter: (f) => void dead.push(f),
    });
    const kept = parseBatch(makeBatch(1, { id: 'kept' }));
    const noId = parseBatch(makeBatch(2));
    const first = c.enqueue(kept);
    const outcome = await c.enqueue(noId);
    if (outcome.status === 'accepted') throw new Error('expected a dropped batch');
    expect(outcome.status).toBe('dropped');
    // The client assigned an id: the failure's batch has it, the caller's does not.
    expect(outcome.batch.source_request_id).toBe(outcome.sourceRequestId);
    expect(outcome.sourceRequestId).toMatch(UUID);
    expect(noId.source_request_id).toBeUndefined();
    expect({ ...outcome.batch, source_request_id: undefined }).toEqual({
      ...noId,
      source_request_id: undefined,
    });
    expect(serializeBatch(outcome.batch)).toBe(
      `{"source_request_id":${JSON.stringify(outcome.sourceRequestId)},${serializeBatch(noId).slice(1)}`,
    );
    // Re-created once, then the same object; and the same failure in the report and the dead letter.
    expect(outcome.batch).toBe(outcome.batch);
    const report = await c.flush();
    expect(report.failures).toEqual([outcome]);
    expect(dead[0]?.batch).toBe(outcome.batch);
    expect(JSON.parse(JSON.stringify(outcome)).batch.source_request_id).toBe(outcome.sourceRequestId);
    expect((await first).status).toBe('accepted');
  });

  it('drop-oldest: the oldest waiting batches make room', async () => {
    const c = client({ queue: { maxBatches: 5, flushIntervalMs: 60_000, onFull: 'drop-oldest' } });
    const outcomes = Array.from({ length: 8 }, (_, i) => c.enqueue(makeBatch(i, { id: `o-${i}` })));
    const report = await c.flush();
    expect(report).toMatchObject({ accepted: 5, dropped: 3 });
    expect(report.failures.map((f) => f.sourceRequestId)).toEqual(['o-0', 'o-1', 'o-2']);
    expect((await outcomes[0])?.status).toBe('dropped');
    expect(server.sourceRequestIds()).toEqual(new Set(['o-3', 'o-4', 'o-5', 'o-6', 'o-7']));
  });

  it('reject: enqueue throws QueueFullError and keeps nothing', async () => {
    const c = client({ queue: { maxBatches: 2, flushIntervalMs: 60_000, onFull: 'reject' } });
    void c.enqueue(makeBatch(1));
    void c.enqueue(makeBatch(2));
    expect(() => c.enqueue(makeBatch(3))).toThrow(QueueFullError);
    const report = await c.flush();
    expect(report).toMatchObject({ accepted: 2, dropped: 0, failed: 0 });
  });

  it('bounds by bytes too', async () => {
    const c = client({ queue: { maxBytes: 50_000, flushIntervalMs: 60_000 } });
    const outcomes = [c.enqueue(makeBatch(1, { bytes: 30_000 })), c.enqueue(makeBatch(2, { bytes: 30_000 }))];
    expect((await outcomes[1])?.status).toBe('dropped');
    expect((await c.flush()).accepted).toBe(1);
  });

  it('throws synchronously for an invalid batch and after close', async () => {
    const c = client();
    expect(() => c.enqueue({ environment: 'x' } as unknown as Batch)).toThrow(ValidationError);
    await c.close({ timeoutMs: 100 });
    expect(c.closed).toBe(true);
    expect(() => c.enqueue(makeBatch(1))).toThrow(ClientClosedError);
    await expect(c.send(makeBatch(1))).rejects.toBeInstanceOf(ClientClosedError);
    expect((await c.flush()).accepted).toBe(0);
  });
});

describe('close() (acceptance 6)', () => {
  it('drains what is queued and resolves with the report', async () => {
    const c = client({ queue: { flushIntervalMs: 60_000 } });
    for (let i = 0; i < 30; i++) void c.enqueue(makeBatch(i));
    const report = await c.close({ timeoutMs: 5_000 });
    expect(report).toMatchObject({ accepted: 30, failed: 0 });
    expect(server.stats.acceptedBatches).toBe(30);
    expect(c.close()).toBe(c.close());
  });

  it('refuses a deadline that is not a finite number of milliseconds', () => {
    const c = client();
    for (const timeoutMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => c.close({ timeoutMs })).toThrow(ConfigurationError);
    }
    expect(c.closed).toBe(false);
  });

  it('stalled server: resolves within 1.5 s; report and onDeadLetter hold every undelivered batch', async () => {
    server.fault({ stall: true });
    const dead: DeliveryFailure[] = [];
    const c = client({ timeoutMs: 30_000, onDeadLetter: (f) => void dead.push(f) });
    const ids = Array.from({ length: 30 }, (_, i) => `s-${i}`);
    const outcomes = ids.slice(0, 25).map((id, i) => c.enqueue(makeBatch(i, { id })));
    const sent = c.send(ids.slice(25).map((id, i) => makeBatch(100 + i, { id })));
    const sentResult = sent.catch((e: unknown) => e);
    await server.waitFor((s) => s.requests.length > 0);

    const started = Date.now();
    const report = await c.close({ timeoutMs: 1_000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(1_500);

    expect(report.accepted).toBe(0);
    expect(report.failed).toBe(30);
    expect(new Set(report.failures.map((f) => f.sourceRequestId))).toEqual(new Set(ids));
    expect(report.failures.every((f) => f.error instanceof ClientClosedError)).toBe(true);
    expect(new Set(dead.map((f) => f.sourceRequestId))).toEqual(new Set(ids));
    expect(dead).toHaveLength(30);
    for (const outcome of await Promise.all(outcomes)) expect(outcome.status).toBe('failed');
    const sendError = await sentResult;
    expect(sendError).toBeInstanceOf(DeliveryError);
    expect((sendError as DeliveryError).report.failed).toBe(5);
  });

  it('holds its deadline even when the injected fetch ignores the abort signal', async () => {
    const dead: string[] = [];
    const c = new EventsClient({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      baseUrl: server.url,
      timeoutMs: 60_000,
      fetch: () => new Promise<Response>(() => {}),
      onDeadLetter: (f) => void dead.push(f.sourceRequestId),
    });
    clients.push(c);
    for (let i = 0; i < 5; i++) void c.enqueue(makeBatch(i, { id: `f-${i}` }));
    const started = Date.now();
    const report = await c.close({ timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(800);
    expect(report.failed).toBe(5);
    expect(dead.sort()).toEqual(['f-0', 'f-1', 'f-2', 'f-3', 'f-4']);
  });

  it('aborts retry waits at the deadline', async () => {
    server.fault({ status: 503 });
    const c = client({ retry: { retries: 10, minDelayMs: 5_000, maxDelayMs: 5_000 } });
    const outcome = c.enqueue(makeBatch(1));
    await server.waitFor((s) => s.requests.length === 1);
    const started = Date.now();
    const report = await c.close({ timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(700);
    expect(report.failed).toBe(1);
    const failure = (await outcome) as DeliveryFailure;
    expect(failure.error).toBeInstanceOf(ClientClosedError);
    expect((failure.error as Error).cause).toBeInstanceOf(ServerError);
    expect(failure.attempts).toBe(1);
  });
});

describe('observability', () => {
  it('emits request and response events for every attempt, and logs through the logger', async () => {
    server.fault({ status: 503, times: 1 });
    const lines: string[] = [];
    const logger = {
      debug: (m: string) => lines.push(`debug ${m}`),
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      error: (m: string) => lines.push(`error ${m}`),
    };
    const c = client({ logger });
    const requests: number[] = [];
    const statuses: number[] = [];
    c.on('request', (e) => requests.push(e.attempt));
    const stop = c.on('response', (e) => statuses.push(e.status));
    await c.send(makeBatch(1));
    expect(requests).toEqual([1, 2]);
    expect(statuses).toEqual([503, 202]);
    expect(lines.some((l) => l.startsWith('warn') && l.includes('retrying'))).toBe(true);
    expect(lines.some((l) => l.startsWith('info') && l.includes('send finished'))).toBe(true);
    stop();
    await c.send(makeBatch(2));
    expect(statuses).toHaveLength(2);
  });

  it('a throwing listener or onDeadLetter never breaks delivery; it is reported as an error event', async () => {
    server.fault({ status: 400, times: 1 });
    const errors: string[] = [];
    const c = client({
      onDeadLetter: () => {
        throw new Error('handler bug');
      },
    });
    c.on('request', () => {
      throw new Error('listener bug');
    });
    c.on('error', (e) => errors.push(`${e.source}: ${(e.error as Error).message}`));
    await expect(c.send(makeBatch(1))).rejects.toBeInstanceOf(DeliveryError);
    const report = await c.send(makeBatch(2));
    expect(report.accepted).toBe(1);
    expect(errors).toContain('onDeadLetter: handler bug');
    expect(errors).toContain('listener:request: listener bug');
  });
});
