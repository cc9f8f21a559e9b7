/**
 * `flush({ timeoutMs })`: a flush that returns by its deadline and keeps the client open (serverless, e.g.
 * AWS Lambda). What has not settled by then is counted as `pending`, is neither failed nor aborted, is
 * delivered afterwards, and is counted in the next report.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventsClient } from '../../src/client.js';
import { ConfigurationError } from '../../src/errors.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import type { BatchOutcome } from '../../src/transport/report.js';
import { fakeClient, makeBatch } from './support.js';

let server: FakeEventsApi;
const clients: EventsClient[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  server = await startFakeEventsApi();
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  server.clearFaults();
  server.reset();
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 1_000 })));
  expect(unhandled).toEqual([]);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await server.close();
});

function client(extra: Parameters<typeof fakeClient>[1] = {}): EventsClient {
  const c = fakeClient(server.url, extra);
  clients.push(c);
  return c;
}

const UNSETTLED = Symbol('unsettled');

/** The outcome if the promise has already settled, else UNSETTLED. */
async function peek(outcome: Promise<BatchOutcome>): Promise<BatchOutcome | typeof UNSETTLED> {
  return Promise.race([
    outcome,
    new Promise<typeof UNSETTLED>((resolve) => setImmediate(resolve, UNSETTLED)),
  ]);
}

describe('flush({ timeoutMs })', () => {
  it('returns by its deadline against a slow server, with the unsettled batches pending', async () => {
    const c = client();
    // The first request is answered 202, but only after 1.5 s.
    server.fault({ delayMs: 1_500, times: 1 });
    const outcomes = [0, 1, 2].map((i) => c.enqueue(makeBatch(i)));

    const started = Date.now();
    const report = await c.flush({ timeoutMs: 300 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_300);
    expect(report).toMatchObject({ accepted: 0, failed: 0, dropped: 0, pending: 3, failures: [] });
    expect(report.durationMs).toBeGreaterThanOrEqual(250);

    // Nothing was failed or aborted: the promises are still open and the client still takes batches.
    for (const outcome of outcomes) expect(await peek(outcome)).toBe(UNSETTLED);
    expect(c.closed).toBe(false);
    const later = c.enqueue(makeBatch(3));

    // A later plain flush() waits for them and counts them, with the batch enqueued since.
    const next = await c.flush();
    expect(next).toMatchObject({ accepted: 4, failed: 0, pending: 0 });
    for (const outcome of [...outcomes, later]) {
      expect(await outcome).toMatchObject({ status: 'accepted', attempts: 1 });
    }
    expect(new Set(server.batches.map((b) => b.sourceRequestId)).size).toBe(4);
    expect(
      server.batches.map((b) => (b.batch as { user_identities: { customer_id: string } }).user_identities),
    ).toEqual(expect.arrayContaining([0, 1, 2, 3].map((i) => ({ customer_id: `user-${i}` }))));
    // The held request was not cut short and sent again: one request for the three, one for the fourth.
    expect(server.stats.requests).toBe(2);
  });

  it('delivers pending batches in the background even when nothing waits for them', async () => {
    const c = client();
    server.fault({ delayMs: 400, times: 1 });
    const outcome = c.enqueue(makeBatch(1));
    const report = await c.flush({ timeoutMs: 50 });
    expect(report.pending).toBe(1);
    await server.waitFor((s) => s.stats.acceptedBatches === 1, { timeoutMs: 5_000 });
    expect(await outcome).toMatchObject({ status: 'accepted' });
  });

  it('leaves batches still queued behind a busy connection pending too, and sends them later', async () => {
    // One request at a time; three ~100 KB batches need two requests (256 KB each at most), so the
    // second waits behind the first, which the server holds.
    const c = client({ rateLimit: { maxConcurrentRequests: 1 } });
    server.fault({ delayMs: 600, times: 1 });
    const outcomes = [0, 1, 2].map((i) => c.enqueue(makeBatch(i, { bytes: 100_000 })));
    const report = await c.flush({ timeoutMs: 150 });
    expect(report.pending).toBe(3);
    expect(server.stats.acceptedBatches).toBe(0);
    expect(server.stats.requests).toBeLessThanOrEqual(1);
    const next = await c.flush();
    expect(next).toMatchObject({ accepted: 3, pending: 0 });
    expect(await Promise.all(outcomes)).toMatchObject(outcomes.map(() => ({ status: 'accepted' })));
    expect(server.stats.requests).toBe(2);
  });

  it('reports a pending batch that later fails in the next report, without an unhandled rejection', async () => {
    const dead: string[] = [];
    const c = client({ onDeadLetter: (failure) => void dead.push(failure.sourceRequestId) });
    // Refused (400, not retried) after 300 ms.
    server.fault({ status: 400, delayMs: 300, times: 1 });
    const outcome = c.enqueue(makeBatch(1, { id: 'refused-1' }));
    expect((await c.flush({ timeoutMs: 50 })).pending).toBe(1);
    const next = await c.flush();
    expect(next).toMatchObject({ accepted: 0, failed: 1, pending: 0 });
    expect(next.failures.map((f) => f.sourceRequestId)).toEqual(['refused-1']);
    expect(await outcome).toMatchObject({ status: 'failed', sourceRequestId: 'refused-1' });
    expect(dead).toEqual(['refused-1']);
  });

  it('counts batches left pending in close() when no flush came after', async () => {
    const c = client();
    server.fault({ delayMs: 400, times: 1 });
    void c.enqueue(makeBatch(1));
    expect((await c.flush({ timeoutMs: 50 })).pending).toBe(1);
    const closed = await c.close({ timeoutMs: 3_000 });
    expect(closed).toMatchObject({ accepted: 1, failed: 0, pending: 0 });
  });

  it('returns as soon as the work is done, with nothing pending, and clears its unref-ed deadline timer', async () => {
    const c = client();
    const DEADLINE = 54_321; // a delay no other timer uses, to find the deadline's timer
    const realSetTimeout = globalThis.setTimeout;
    const deadlineTimers: ReturnType<typeof setTimeout>[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      fn: (...args: unknown[]) => void,
      ms?: number,
      ...args: unknown[]
    ) => {
      const handle = realSetTimeout(fn, ms, ...args);
      if (ms === DEADLINE) deadlineTimers.push(handle);
      return handle;
    }) as typeof setTimeout);
    const clear = vi.spyOn(globalThis, 'clearTimeout');

    const outcomes = [0, 1, 2, 3, 4].map((i) => c.enqueue(makeBatch(i)));
    const started = Date.now();
    const report = await c.flush({ timeoutMs: DEADLINE });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(report).toMatchObject({ accepted: 5, failed: 0, pending: 0 });
    expect(await Promise.all(outcomes)).toMatchObject(outcomes.map(() => ({ status: 'accepted' })));

    expect(deadlineTimers).toHaveLength(1);
    const timer = deadlineTimers[0] as ReturnType<typeof setTimeout>;
    expect(timer.hasRef()).toBe(false);
    expect(clear).toHaveBeenCalledWith(timer);
  });

  it('reports pending 0 from a plain flush(), and from a deadline flush with nothing to do', async () => {
    const c = client();
    void c.enqueue(makeBatch(1));
    expect(await c.flush()).toMatchObject({ accepted: 1, pending: 0 });
    expect(await c.flush({ timeoutMs: 0 })).toMatchObject({ accepted: 0, pending: 0 });
  });

  it.each([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['a string', '100'],
  ])('throws a ConfigurationError naming timeoutMs when it is %s', (_, timeoutMs) => {
    const c = client();
    let thrown: unknown;
    try {
      void c.flush({ timeoutMs: timeoutMs as number });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).option).toBe('timeoutMs');
  });
});
