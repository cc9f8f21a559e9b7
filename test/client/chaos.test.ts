/**
 * Acceptance 1 of issue 3: 2,000 batches through enqueue() and flush() while the server answers 20% of
 * requests with 429 (Retry-After: 1), 10% with 503, resets 5% of connections and stalls 2% past the
 * timeout. Every batch must reach the server, the report must match the server's count, nothing may be
 * dropped silently, and no promise may reject unhandled.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import type { BatchOutcome } from '../../src/transport/report.js';
import { seeded } from '../support/random.js';
import { fakeClient, makeBatch } from './support.js';

let server: FakeEventsApi;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  // Seeded, so the run is reproducible; with this seed every kind of fault occurs at least twice in the
  // run's ~30 requests (each draw is per request, at the probabilities below).
  server = await startFakeEventsApi({ random: seeded(205), recordBodies: false });
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server.close();
});

it('delivers 2,000 batches through 429s, 503s, resets and stalls, and accounts for every one', async () => {
  // The first matching fault applies, so each probability is conditional on the ones before it not
  // applying: overall 20% 429, 10% 503, 5% resets, 2% stalls.
  const limited = server.fault({ status: 429, retryAfter: 1, rateLimitExceeded: 'org', probability: 0.2 });
  const unavailable = server.fault({ status: 503, probability: 0.1 / 0.8 });
  const resets = server.fault({ reset: true, probability: 0.05 / 0.7 });
  const stalls = server.fault({ stall: true, probability: 0.02 / 0.65 });

  const client = fakeClient(server.url, {
    timeoutMs: 300,
    retry: { retries: 20, minDelayMs: 20, maxDelayMs: 250 },
    rateLimit: false,
    queue: { flushIntervalMs: 60_000 },
  });
  const dead: unknown[] = [];
  client.on('deadLetter', (failure) => dead.push(failure));

  const outcomes: Promise<BatchOutcome>[] = [];
  for (let i = 0; i < 2_000; i++) outcomes.push(client.enqueue(makeBatch(i)));
  const report = await client.flush();
  const settled = await Promise.all(outcomes);
  await client.close({ timeoutMs: 1_000 });

  // Every kind of fault actually happened.
  expect(limited.hits).toBeGreaterThanOrEqual(2);
  expect(unavailable.hits).toBeGreaterThanOrEqual(2);
  expect(resets.hits).toBeGreaterThanOrEqual(2);
  expect(stalls.hits).toBeGreaterThanOrEqual(2);

  // Every batch was accepted, each exactly once from the client's point of view…
  expect(report).toMatchObject({ accepted: 2_000, failed: 0, dropped: 0 });
  expect(report.failures).toEqual([]);
  expect(dead).toEqual([]);
  expect(settled.every((o) => o.status === 'accepted')).toBe(true);
  expect(report.retried).toBeGreaterThan(0);

  // …and the server has every one of them, by source_request_id.
  const ids = new Set(settled.map((o) => o.sourceRequestId));
  expect(ids.size).toBe(2_000);
  expect(server.sourceRequestIds()).toEqual(ids);
  expect(server.stats.uniqueSourceRequestIds).toBe(report.accepted);

  // The report's request and 429 counts match what the server saw.
  expect(report.requests).toBe(server.stats.requests);
  expect(report.rateLimit?.throttled).toBe(server.requests.filter((r) => r.status === 429).length);
  expect(report.rateLimit?.exceeded).toBe('org');

  expect(unhandled).toEqual([]);
});
