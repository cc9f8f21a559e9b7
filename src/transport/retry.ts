/**
 * The retry policy, as pure functions: which failures are worth another attempt, how long to wait
 * before it (capped exponential backoff with full jitter), and what `Retry-After` asks for. Internal.
 *
 * p-retry runs the attempts (src/client.ts); these functions make its decisions, so they can be tested
 * without a clock or a network.
 */
import { ApiError, ConnectionError, TimeoutError } from '../errors.js';

/** The resolved retry settings of a client (all fields set). */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  retries: number;
  /** The shortest wait before a retry, and the base of the exponential growth. */
  minDelayMs: number;
  /** The longest backoff wait before a retry (a `Retry-After` may ask for longer, up to `maxRetryAfterMs`). */
  maxDelayMs: number;
  /** The longest `Retry-After` honoured; longer requests are cut to this. */
  maxRetryAfterMs: number;
  /** The total time from a request's first attempt after which no further retry starts. */
  maxRetryTimeMs: number;
}

/** What a failed attempt means for the next one. */
export interface FailureClass {
  /** Whether sending the same request again may succeed. */
  retryable: boolean;
  /** The server's `Retry-After`, in ms from now, uncapped; absent when it sent none (or none parsed). */
  retryAfterMs?: number;
}

/**
 * Classify a failed attempt: network errors, timeouts, 408, 429 and 5xx other than 501 and 505 are
 * retryable (events-api.md §1.5); 400, 401, 403 and every other 4xx are not.
 */
export function classifyFailure(error: unknown, now: number = Date.now()): FailureClass {
  if (error instanceof ApiError) {
    if (!error.retryable) return { retryable: false };
    const retryAfterMs = parseRetryAfter(error.headers['retry-after'], now);
    return retryAfterMs === undefined ? { retryable: true } : { retryable: true, retryAfterMs };
  }
  if (error instanceof TimeoutError || error instanceof ConnectionError) return { retryable: true };
  return { retryable: false };
}

/** Whether a failed bulk request should be split in halves and each half resent (400 and 413). */
export function shouldSplit(error: unknown, batchCount: number): boolean {
  return batchCount > 1 && error instanceof ApiError && (error.status === 400 || error.status === 413);
}

/**
 * Parse a `Retry-After` header into milliseconds from `now`: either delay-seconds (mParticle documents
 * "a non-negative decimal integer", events-api.md §1.5; fractions are accepted) or an HTTP date
 * (RFC 9110 §10.2.3). A date in the past gives 0. Anything else gives `undefined`.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Only something that looks like an HTTP date (it names a month, day or GMT) is read as one, so
  // "-1" or "soon" are not turned into a date by a lenient Date.parse.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The backoff before retry number `retryNumber` (1 for the first retry): full jitter above a floor,
 * uniformly random between `minDelayMs` and `min(maxDelayMs, minDelayMs × 2^retryNumber)`. Randomising
 * over the whole window spreads clients that failed together (peer-sdks.md §5 point 5).
 */
export function backoffDelay(
  retryNumber: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(1, retryNumber));
  const floor = Math.min(policy.minDelayMs, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}

/** The wait before a retry: the backoff, or the server's `Retry-After` capped at `maxRetryAfterMs` if longer. */
export function retryDelay(
  retryNumber: number,
  failure: FailureClass,
  policy: RetryPolicy,
  random: () => number = Math.random,
): { delayMs: number; retryAfterMs?: number } {
  const backoff = backoffDelay(retryNumber, policy, random);
  if (failure.retryAfterMs === undefined) return { delayMs: backoff };
  const retryAfterMs = Math.min(failure.retryAfterMs, policy.maxRetryAfterMs);
  return { delayMs: Math.max(backoff, retryAfterMs), retryAfterMs };
}
