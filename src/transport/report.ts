/**
 * What delivery reports: the outcome of each batch, the failures, and the {@link DeliveryReport} that
 * `send()`, `flush()` and `close()` resolve with.
 *
 * @module
 */
import type { Batch } from '../batch/index.js';
import type { MParticleEventsError } from '../errors.js';

/**
 * A batch that was not delivered, with the reason: passed to `onDeadLetter` and the `deadLetter` event,
 * the outcome of its `enqueue()` promise, and listed in {@link DeliveryReport.failures} (a `flush()` or
 * `close()` report lists the first `queue.maxReportedFailures` and counts the rest).
 *
 * @example
 * ```ts
 * import { EventsClient, type DeliveryFailure } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   onDeadLetter: (failure: DeliveryFailure) => {
 *     console.error(failure.sourceRequestId, failure.status, failure.error.message);
 *   },
 * });
 * ```
 */
export interface DeliveryFailure {
  /** `'failed'`: sending failed (or was refused or cut short by `close()`); `'dropped'`: the queue was full. */
  readonly status: 'failed' | 'dropped';
  /** The batch's `source_request_id`: its own, or the one the client assigned before the first attempt. */
  readonly sourceRequestId: string;
  /**
   * The batch as the client sent (or would have sent) it, including the `source_request_id` it was given,
   * so resending it later is deduplicated by mParticle (events-api.md §1.7).
   */
  readonly batch: Batch;
  /**
   * Why: an `ApiError` subclass (with mParticle's `errors[]` for a 400), `TimeoutError`,
   * `ConnectionError`, `QueueFullError` or `ClientClosedError` (whose `cause` is the last attempt's error).
   */
  readonly error: MParticleEventsError;
  /** HTTP attempts that carried this batch (0 when it never left the client). */
  readonly attempts: number;
}

/**
 * A batch mParticle accepted (answered 202), as the outcome of its `enqueue()` promise.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * const outcome = await client.enqueue(batch);
 * if (outcome.status === 'accepted') console.log(outcome.sourceRequestId, 'in', outcome.attempts, 'attempts');
 * ```
 */
export interface DeliveryAccepted {
  /** Always `'accepted'`. */
  readonly status: 'accepted';
  /** The batch's `source_request_id`. */
  readonly sourceRequestId: string;
  /** HTTP attempts it took (1 unless retried or split). */
  readonly attempts: number;
}

/**
 * The final outcome of one batch: accepted, or a {@link DeliveryFailure}. Every batch handed to the client
 * ends in exactly one outcome.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * const outcome = await client.enqueue(batch);
 * if (outcome.status !== 'accepted') console.error(outcome.error.message);
 * ```
 */
export type BatchOutcome = DeliveryAccepted | DeliveryFailure;

/**
 * Rate-limit signals mParticle sent during the delivery (events-api.md §1.5).
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * const { rateLimit } = await client.flush();
 * if (rateLimit && rateLimit.throttled > 0) console.warn(`${rateLimit.throttled} × 429 (${rateLimit.exceeded})`);
 * ```
 */
export interface RateLimitSummary {
  /** The highest `X-mp-rate-limit-percentage-used` seen on a response, when any response carried it. */
  percentageUsed?: number;
  /** The last `X-mp-rate-limit-exceeded` seen on a 429 (`org`, `acceleration`, …), when any said. */
  exceeded?: string;
  /** How many responses were 429. */
  throttled: number;
  /**
   * The pace adaptive pacing had set when the report was made, in batches per second (with
   * `rateLimit.redis`, the fleet's pace as this process last set it). Present whenever adaptive pacing is
   * on and this summary is.
   */
  pace?: number;
}

/**
 * What one `send()`, `flush()` or `close()` delivered: counts, timings, rate-limit signals and every
 * failure with its batch and reason.
 *
 * `accepted + failed + dropped + pending` is the number of batches the report covers: for `send()`, the
 * batches given; for `flush()`, every batch enqueued since the previous `flush()` call, plus those a
 * deadline-bounded `flush({ timeoutMs })` before it left pending; for `close()`, those enqueued since the
 * last `flush()` call plus every batch still in flight when it was called.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * client.enqueue(batch);
 * const report = await client.flush();
 * console.log(`${report.accepted} accepted, ${report.failed} failed in ${report.requests} requests`);
 * ```
 */
export interface DeliveryReport {
  /** Batches mParticle accepted. */
  readonly accepted: number;
  /** Batches that failed: refused by mParticle, out of retries, or cut short by `close()`. */
  readonly failed: number;
  /** Batches dropped because the queue was full (see `queue.onFull`). */
  readonly dropped: number;
  /**
   * Batches not yet settled when the report was made: only `flush({ timeoutMs })` leaves any, when its
   * deadline came first. They stay queued or in flight, are delivered later (their `enqueue()` promises
   * settle then), and are counted in the next `flush()` or `close()` report. Always 0 otherwise.
   */
  readonly pending: number;
  /** Batches sent more than once (a retry, or a resend after splitting a bulk request). */
  readonly retried: number;
  /** HTTP requests made, retries included. */
  readonly requests: number;
  /** How long the operation took, in milliseconds. */
  readonly durationMs: number;
  /**
   * Milliseconds requests spent waiting before being sent (rate limiter, Retry-After pauses and retry
   * backoff), summed over requests: it can exceed `durationMs` when requests wait side by side.
   */
  readonly waitedMs: number;
  /**
   * Rate-limit signals seen, present when mParticle sent any (a header or a 429), or when adaptive pacing
   * holds the pace below `rateLimit.batchesPerSecond`.
   */
  readonly rateLimit?: RateLimitSummary;
  /**
   * The batches not accepted, with their reasons, in the order they ended: every one for `send()`; for
   * `flush()` and `close()`, the first `queue.maxReportedFailures` (1,000 by default).
   */
  readonly failures: readonly DeliveryFailure[];
  /**
   * Failures counted in `failed` and `dropped` but not listed in `failures`, past
   * `queue.maxReportedFailures`. Each one reached its `enqueue()` promise, `onDeadLetter` and the
   * `deadLetter` event when it happened. 0 unless the cap was reached.
   */
  readonly failuresOmitted: number;
}

/** Accumulates a {@link DeliveryReport}. Internal. */
export class ReportBuilder {
  accepted = 0;
  failed = 0;
  dropped = 0;
  retried = 0;
  requests = 0;
  waitedMs = 0;
  percentageUsed: number | undefined;
  exceeded: string | undefined;
  throttled = 0;
  readonly failures: DeliveryFailure[] = [];
  failuresOmitted = 0;
  readonly #maxFailures: number;

  /** `maxFailures`: most failures listed (the rest are only counted). */
  constructor(maxFailures = Number.POSITIVE_INFINITY) {
    this.#maxFailures = maxFailures;
  }

  /** Count one batch's final outcome. */
  addOutcome(outcome: BatchOutcome): void {
    if (outcome.attempts > 1) this.retried++;
    if (outcome.status === 'accepted') this.accepted++;
    else {
      if (outcome.status === 'dropped') this.dropped++;
      else this.failed++;
      if (this.failures.length < this.#maxFailures) this.failures.push(outcome);
      else this.failuresOmitted++;
    }
  }

  /** Count one HTTP attempt and the time it waited to be sent. */
  addRequest(waitedMs: number): void {
    this.requests++;
    this.waitedMs += Math.max(0, waitedMs);
  }

  /** Count time waited outside the limiter (retry backoff). */
  addWait(waitedMs: number): void {
    this.waitedMs += Math.max(0, waitedMs);
  }

  /** Record the rate-limit signals of one response. */
  addRateLimit(status: number, percentageUsed: number | undefined, exceeded: string | undefined): void {
    if (status === 429) this.throttled++;
    if (percentageUsed !== undefined) {
      this.percentageUsed = Math.max(this.percentageUsed ?? percentageUsed, percentageUsed);
    }
    if (exceeded !== undefined) this.exceeded = exceeded;
  }

  /**
   * The report, with `durationMs` measured from `startedAt`. `pace` is adaptive pacing's state, when it is
   * on: the current pace, and whether it is below the configured rate. `pending` is how many of the
   * batches it covers had not settled yet.
   */
  build(
    startedAt: number,
    now: number,
    pace?: { rate: number; slowed: boolean },
    pending = 0,
  ): DeliveryReport {
    const report: {
      -readonly [K in keyof DeliveryReport]: DeliveryReport[K];
    } = {
      accepted: this.accepted,
      failed: this.failed,
      dropped: this.dropped,
      pending,
      retried: this.retried,
      requests: this.requests,
      durationMs: Math.max(0, Math.round(now - startedAt)),
      waitedMs: Math.round(this.waitedMs),
      failures: [...this.failures],
      failuresOmitted: this.failuresOmitted,
    };
    const signalled = this.throttled > 0 || this.percentageUsed !== undefined || this.exceeded !== undefined;
    if (signalled || pace?.slowed) {
      const rateLimit: RateLimitSummary = { throttled: this.throttled };
      if (this.percentageUsed !== undefined) rateLimit.percentageUsed = this.percentageUsed;
      if (this.exceeded !== undefined) rateLimit.exceeded = this.exceeded;
      if (pace) rateLimit.pace = pace.rate;
      report.rateLimit = rateLimit;
    }
    return report;
  }
}
