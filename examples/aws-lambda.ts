/**
 * An AWS Lambda handler that turns an SQS batch of orders into mParticle purchase events.
 *
 * The client is created once per container, outside the handler, so warm invocations reuse its connections
 * and rate limiter. Each invocation enqueues one batch per order, then waits for
 * `client.flush({ timeoutMs })`, bounded by the time Lambda has left minus a margin: a Lambda is frozen once
 * the handler returns, so work still in flight then would stall until the next invocation, or be lost with
 * the container. Unlike `close()`, a deadline-bounded flush keeps the client open: batches still in flight
 * at the deadline stay with it (counted in `report.pending`) and go out when the container next runs.
 *
 * Orders not confirmed delivered in time (or refused) are returned as `batchItemFailures`, so SQS delivers
 * those messages again (the event source mapping needs `ReportBatchItemFailures`). Each batch's
 * `source_request_id` comes from its order ID, so an order sent twice is counted once: mParticle
 * deduplicates by it (events-api.md §1.7).
 *
 * Environment: MPARTICLE_API_KEY, MPARTICLE_API_SECRET, MPARTICLE_POD (default us1), and optionally
 * MPARTICLE_BASE_URL (a proxy, or the fake Events API in tests).
 */
import { BadRequestError, BatchBuilder, type BatchOutcome, EventsClient, type Pod } from 'mparticle-events';

/** The part of Lambda's context this handler uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** An SQS event, as Lambda delivers it. */
export interface SqsEvent {
  Records: { messageId: string; body: string }[];
}

/** The SQS partial batch response: the messages to deliver again. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** One order message. */
export interface OrderMessage {
  customerId: string;
  orderId: string;
  currency: string;
  /** When the order was placed, epoch ms. */
  placedAt: number;
  items: { sku: string; name: string; price: number; quantity: number }[];
}

/** Time kept back for the handler to return after the flush wait. */
export const FLUSH_MARGIN_MS = 500;

const env = process.env;
// Created at cold start and reused by every invocation of this container.
const client = new EventsClient({
  apiKey: env.MPARTICLE_API_KEY ?? '',
  apiSecret: env.MPARTICLE_API_SECRET ?? '',
  pod: (env.MPARTICLE_POD ?? 'us1') as Pod,
  ...(env.MPARTICLE_BASE_URL ? { baseUrl: env.MPARTICLE_BASE_URL } : {}),
  // A Lambda has seconds, not minutes: a stalled attempt must not eat the whole invocation.
  timeoutMs: 3_000,
});

/** The Lambda entry point. */
export async function handler(event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> {
  const failed = new Set<string>();
  const pending = new Map<string, Promise<BatchOutcome>>();
  for (const record of event.Records) {
    try {
      const order = JSON.parse(record.body) as OrderMessage;
      const batch = new BatchBuilder({ environment: 'production', sourceRequestId: `order-${order.orderId}` })
        .userIdentities({ customer_id: order.customerId })
        .commerceEvent({
          timestamp_unixtime_ms: order.placedAt,
          currency_code: order.currency,
          product_action: {
            action: 'purchase',
            transaction_id: order.orderId,
            total_amount: cents(order.items.reduce((sum, item) => sum + item.price * item.quantity, 0)),
            products: order.items.map((item) => ({
              id: item.sku,
              name: item.name,
              price: item.price,
              quantity: item.quantity,
            })),
          },
        })
        .build();
      pending.set(record.messageId, client.enqueue(batch));
    } catch (error) {
      // A malformed message fails the same way every time: log it rather than have SQS redeliver it forever
      // (a dead-letter queue on the SQS side is the usual home for these).
      console.error(`message ${record.messageId} skipped: ${(error as Error).message}`);
    }
  }

  const report = await client.flush({
    timeoutMs: Math.max(0, context.getRemainingTimeInMillis() - FLUSH_MARGIN_MS),
  });
  if (report.pending > 0)
    console.warn('mParticle flush did not finish in time; unconfirmed orders go back to SQS');

  // Each enqueue() promise settles with its batch's outcome; one still unsettled was not confirmed in time.
  const unsettled = Symbol('unsettled');
  for (const [messageId, outcome] of pending) {
    const result = await Promise.race([outcome, Promise.resolve(unsettled)]);
    if (result === unsettled) failed.add(messageId);
    else if (result.status !== 'accepted') {
      console.error(`order batch ${result.sourceRequestId} not delivered: ${result.error.message}`);
      // Worth another try unless mParticle refused the batch itself (a 400 would refuse it again).
      if (!(result.error instanceof BadRequestError)) failed.add(messageId);
    }
  }
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}

function cents(amount: number): number {
  return Math.round(amount * 100) / 100;
}
