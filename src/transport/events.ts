/**
 * The client's typed events: what it emits while delivering, for metrics and debugging.
 *
 * @module
 */
import type { PaceEvent } from '../ratelimit/pacing.js';
import type { RateLimitFallbackEvent, RateLimitRestoredEvent } from '../ratelimit/shared.js';
import type { DeliveryFailure } from './report.js';

/**
 * Which Events API endpoint a request went to (events-api.md §1.2).
 *
 * @example
 * ```ts
 * import { EventsClient, type Endpoint } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * const perEndpoint = new Map<Endpoint, number>();
 * client.on('request', (e) => perEndpoint.set(e.endpoint, (perEndpoint.get(e.endpoint) ?? 0) + 1));
 * ```
 */
export type Endpoint = 'events' | 'bulkevents' | 'historical';

/**
 * Emitted before each HTTP attempt.
 *
 * @example
 * ```ts
 * import { EventsClient, type RequestEvent } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * client.on('request', (e: RequestEvent) => {
 *   console.debug(`POST ${e.url}: ${e.batches} batches, ${e.bytes} bytes`);
 * });
 * ```
 */
export interface RequestEvent {
  /** The endpoint: one batch goes to `events`, several to `bulkevents`. */
  readonly endpoint: Endpoint;
  /** The request URL (credentials travel in a header, never here). */
  readonly url: string;
  /** The attempt number for this request, from 1. */
  readonly attempt: number;
  /** Batches in the request. */
  readonly batches: number;
  /** Size of the request body in bytes. */
  readonly bytes: number;
  /** The `source_request_id`s of the batches in the request. */
  readonly sourceRequestIds: readonly string[];
}

/**
 * Emitted for every HTTP response, success or not.
 *
 * @example
 * ```ts
 * import { EventsClient, type ResponseEvent } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * client.on('response', (e: ResponseEvent) => {
 *   if (e.percentageUsed !== undefined && e.percentageUsed > 80) console.warn('near the rate limit');
 * });
 * ```
 */
export interface ResponseEvent {
  /** The endpoint the request went to. */
  readonly endpoint: Endpoint;
  /** The request URL. */
  readonly url: string;
  /** The attempt number, from 1. */
  readonly attempt: number;
  /** Batches in the request. */
  readonly batches: number;
  /** The HTTP status. */
  readonly status: number;
  /** From sending to the whole body read, in milliseconds. */
  readonly durationMs: number;
  /** `X-mp-rate-limit-percentage-used`, when sent (events-api.md §1.5). */
  readonly percentageUsed?: number;
  /** `X-mp-rate-limit-exceeded`, when sent. */
  readonly rateLimitExceeded?: string;
}

/**
 * Emitted when a failed attempt will be retried, before the wait.
 *
 * @example
 * ```ts
 * import { EventsClient, type RetryEvent } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * client.on('retry', (e: RetryEvent) => {
 *   console.warn(`attempt ${e.attempt} failed (${e.error.name}); retrying in ${e.delayMs} ms`);
 * });
 * ```
 */
export interface RetryEvent {
  /** The endpoint of the request. */
  readonly endpoint: Endpoint;
  /** The request URL. */
  readonly url: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Batches in the request. */
  readonly batches: number;
  /** Why the attempt failed. */
  readonly error: Error;
  /** How long the client waits before the next attempt, in milliseconds. */
  readonly delayMs: number;
  /** The server's `Retry-After` in milliseconds (already capped at `retry.maxRetryAfterMs`), when sent. */
  readonly retryAfterMs?: number;
}

/**
 * Emitted on a 429 response.
 *
 * @example
 * ```ts
 * import { EventsClient, type RateLimitedEvent } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * client.on('rateLimited', (e: RateLimitedEvent) => {
 *   console.warn(`429 (${e.exceeded ?? 'no limit named'}): paused ${e.pauseMs} ms`);
 * });
 * ```
 */
export interface RateLimitedEvent {
  /** The request URL. */
  readonly url: string;
  /** `X-mp-rate-limit-exceeded`: which limit was hit (`org`, `acceleration`, …), when sent. */
  readonly exceeded?: string;
  /** The `Retry-After` asked for, in milliseconds (uncapped), when sent. */
  readonly retryAfterMs?: number;
  /** How long this client pauses all sending because of it, in milliseconds (0 without `Retry-After`). */
  readonly pauseMs: number;
}

/**
 * Emitted when a listener, the logger or `onDeadLetter` threw; delivery carries on.
 *
 * @example
 * ```ts
 * import { EventsClient, type ClientErrorEvent } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * client.on('error', (e: ClientErrorEvent) => console.error(`${e.source} threw`, e.error));
 * ```
 */
export interface ClientErrorEvent {
  /** What threw: `'listener:<event>'`, `'onDeadLetter'` or `'logger'`. */
  readonly source: string;
  /** What it threw. */
  readonly error: unknown;
}

/**
 * The events an `EventsClient` emits, by name, with their payloads. Subscribe with `client.on()`.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * client.on('retry', (e) => console.warn(`retrying in ${e.delayMs} ms: ${e.error.message}`));
 * client.on('deadLetter', (failure) => console.error(failure.sourceRequestId, failure.error.message));
 * client.on('pace', (e) => console.info(`pace ${e.rate.toFixed(0)}/s (${e.reason})`));
 * ```
 */
export interface EventsClientEvents {
  /** Before each HTTP attempt. */
  request: RequestEvent;
  /** After each HTTP response, success or not. */
  response: ResponseEvent;
  /** A failed attempt will be retried. */
  retry: RetryEvent;
  /** mParticle answered 429. */
  rateLimited: RateLimitedEvent;
  /** A batch was dropped because the queue was full (it is also dead-lettered). */
  dropped: DeliveryFailure;
  /** A batch ended undelivered (failed or dropped); the same value `onDeadLetter` receives. */
  deadLetter: DeliveryFailure;
  /** A listener, the logger or `onDeadLetter` threw. */
  error: ClientErrorEvent;
  /** Adaptive pacing changed the pace (`rateLimit.adaptive`); with `rateLimit.redis`, the fleet's pace. */
  pace: PaceEvent;
  /** `rateLimit.redis`: Redis is unreachable, so this process paces itself at its local limit. */
  rateLimitFallback: RateLimitFallbackEvent;
  /** `rateLimit.redis`: Redis answers again, and the shared budget is back in force. */
  rateLimitRestored: RateLimitRestoredEvent;
}

/**
 * A listener of event `K`, as `client.on(K, listener)` takes it.
 *
 * @example
 * ```ts
 * import { EventsClient, type EventsClientListener } from 'mparticle-events';
 *
 * const onDeadLetter: EventsClientListener<'deadLetter'> = (failure) => console.error(failure.error.message);
 * new EventsClient({ apiKey: 'key', apiSecret: 'secret' }).on('deadLetter', onDeadLetter);
 * ```
 */
export type EventsClientListener<K extends keyof EventsClientEvents> = (
  payload: EventsClientEvents[K],
) => void;
