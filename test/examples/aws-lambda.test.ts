/**
 * examples/aws-lambda.ts against the fake Events API: the handler's batches are delivered before it
 * returns; when mParticle is slow it returns within the time Lambda gives it, handing the unconfirmed
 * messages back to SQS, and the next invocation delivers what was left.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LambdaContext, OrderMessage, SqsEvent } from '../../examples/aws-lambda.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';

let api: FakeEventsApi;
let handler: typeof import('../../examples/aws-lambda.js').handler;
let FLUSH_MARGIN_MS: number;

beforeAll(async () => {
  api = await startFakeEventsApi();
  // The example builds its client at module load (a Lambda cold start), from the environment.
  process.env.MPARTICLE_API_KEY = 'test-key';
  process.env.MPARTICLE_API_SECRET = 'test-secret';
  process.env.MPARTICLE_BASE_URL = api.url;
  ({ handler, FLUSH_MARGIN_MS } = await import('../../examples/aws-lambda.js'));
});
afterAll(async () => {
  await api.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function order(n: number): OrderMessage {
  return {
    customerId: `cust-${n}`,
    orderId: `T-${n}`,
    currency: 'USD',
    placedAt: Date.now() - 60_000,
    items: [
      { sku: 'sku-a', name: 'Espresso Beans', price: 24.5, quantity: 2 },
      { sku: 'sku-b', name: 'Filters', price: 6.25, quantity: 1 },
    ],
  };
}

function sqs(...messages: (OrderMessage | string)[]): SqsEvent {
  return {
    Records: messages.map((m, i) => ({
      messageId: `msg-${typeof m === 'string' ? `raw-${i}` : m.orderId}`,
      body: typeof m === 'string' ? m : JSON.stringify(m),
    })),
  };
}

/** A Lambda context whose deadline is `ms` from now, as Lambda's own counts down. */
function context(ms: number): LambdaContext {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
}

describe('AWS Lambda example', () => {
  it('delivers every order before returning, one purchase batch per order, keyed by order ID', async () => {
    api.reset();
    const result = await handler(sqs(order(1), order(2), order(3)), context(10_000));
    expect(result.batchItemFailures).toEqual([]);
    // Arrived before the handler returned: no waiting here.
    expect(api.sourceRequestIds()).toEqual(new Set(['order-T-1', 'order-T-2', 'order-T-3']));
    const first = api.batches.find((b) => b.sourceRequestId === 'order-T-1')?.batch as {
      user_identities: { customer_id: string };
      events: { event_type: string; data: { product_action: { action: string; total_amount: number } } }[];
    };
    expect(first.user_identities.customer_id).toBe('cust-1');
    expect(first.events[0]?.event_type).toBe('commerce_event');
    expect(first.events[0]?.data.product_action).toMatchObject({ action: 'purchase', total_amount: 55.25 });
  });

  it('returns within its time budget when mParticle is slow, and the next invocation sends what was left', async () => {
    api.reset();
    // The next request is held for 2.5 s; Lambda gives the invocation 1.2 s.
    api.fault({ delayMs: 2_500, times: 1 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const started = Date.now();
    const slow = await handler(sqs(order(4), order(5)), context(1_200));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_200 - FLUSH_MARGIN_MS - 50);
    expect(elapsed).toBeLessThan(2_400);
    // Not confirmed in time: handed back to SQS for redelivery.
    expect(slow.batchItemFailures).toEqual([{ itemIdentifier: 'msg-T-4' }, { itemIdentifier: 'msg-T-5' }]);
    expect(api.stats.acceptedBatches).toBe(0);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('did not finish in time'));

    // The next invocation's flush also waits for the batches still in flight from the last one.
    const next = await handler(sqs(order(6)), context(10_000));
    expect(next.batchItemFailures).toEqual([]);
    expect(api.sourceRequestIds()).toEqual(new Set(['order-T-4', 'order-T-5', 'order-T-6']));

    // SQS redelivers T-4 and T-5: mParticle sees the same source_request_id again and deduplicates.
    const redelivered = await handler(sqs(order(4), order(5)), context(10_000));
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(api.stats.duplicateBatches).toBe(2);
    expect(api.stats.uniqueSourceRequestIds).toBe(3);
  });

  it('skips a malformed message and an order mParticle refused, without failing the others', async () => {
    api.reset();
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((message: string) => errors.push(message));
    // The first request gets 400: a refused batch would be refused again, so it is not handed back.
    api.fault({ status: 400, times: 1 });
    const refused = await handler(sqs('{not json', order(7)), context(5_000));
    expect(refused.batchItemFailures).toEqual([]);
    expect(errors.join('\n')).toContain('msg-raw-0 skipped');
    expect(errors.join('\n')).toContain('order batch order-T-7 not delivered');
    expect(api.stats.acceptedBatches).toBe(0);

    const accepted = await handler(sqs(order(8)), context(5_000));
    expect(accepted.batchItemFailures).toEqual([]);
    expect(api.sourceRequestIds()).toEqual(new Set(['order-T-8']));
  });
});
