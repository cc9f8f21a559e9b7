/**
 * The options of `EventsClient`, their defaults, and their resolution into one fully-defaulted internal
 * object. Bad options throw a `ConfigurationError` that names the option.
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';
import { DEFAULT_BATCHES_PER_SECOND } from '../limits.js';
import { type AdaptivePacingOptions, resolvePacing } from '../ratelimit/pacing.js';
import type { RedisRateLimitOptions } from '../ratelimit/shared.js';
import type { DeliveryFailure } from './report.js';
import type { RetryPolicy } from './retry.js';

/**
 * An mParticle pod (data region), which decides the Events API host (events-api.md §1.1).
 *
 * @example
 * ```ts
 * import { EventsClient, type Pod } from 'mparticle-events';
 *
 * const pod: Pod = 'eu1';
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret', pod });
 * ```
 */
export type Pod = 'us1' | 'us2' | 'eu1' | 'au1';

/**
 * The Events API base URL of each pod (events-api.md §1.1); `pod` picks one, `baseUrl` overrides it.
 *
 * @example
 * ```ts
 * import { POD_BASE_URLS } from 'mparticle-events';
 *
 * console.log(POD_BASE_URLS.eu1); // 'https://s2s.eu1.mparticle.com/v2'
 * ```
 */
export const POD_BASE_URLS: Readonly<Record<Pod, string>> = {
  us1: 'https://s2s.us1.mparticle.com/v2',
  us2: 'https://s2s.us2.mparticle.com/v2',
  eu1: 'https://s2s.eu1.mparticle.com/v2',
  au1: 'https://s2s.au1.mparticle.com/v2',
};

/**
 * Where the client writes what it does. Each method is optional; `console` fits. Messages never contain
 * credentials.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret', logger: console });
 * ```
 */
export interface Logger {
  /** Per-request detail: each attempt and response. */
  debug?(message: string, context?: Record<string, unknown>): void;
  /** Lifecycle: flush and close results. */
  info?(message: string, context?: Record<string, unknown>): void;
  /** Retries, 429s, dropped batches. */
  warn?(message: string, context?: Record<string, unknown>): void;
  /** Batches that ended undelivered; errors thrown by listeners or `onDeadLetter`. */
  error?(message: string, context?: Record<string, unknown>): void;
}

/**
 * A `fetch` the client can use instead of the global one (for proxies, tracing or tests).
 *
 * @example
 * ```ts
 * import { EventsClient, type FetchLike } from 'mparticle-events';
 *
 * const traced: FetchLike = async (input, init) => {
 *   const started = Date.now();
 *   try {
 *     return await fetch(input, init);
 *   } finally {
 *     console.debug(`mParticle request took ${Date.now() - started} ms`);
 *   }
 * };
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret', fetch: traced });
 * ```
 */
export type FetchLike = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/**
 * How failed attempts are retried: network errors, timeouts, 408, 429 and 5xx other than 501 and 505
 * (events-api.md §1.5). Waits grow exponentially with full jitter; a `Retry-After` is honoured up to
 * `maxRetryAfterMs` and pauses all sending of the client.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   retry: { retries: 8, minDelayMs: 250, maxDelayMs: 10_000 },
 * });
 * ```
 */
export interface RetryOptions {
  /**
   * Retries after the first attempt of a request.
   * @default 5
   */
  retries?: number;
  /**
   * The shortest wait before a retry; retry n waits a random time between this and
   * `min(maxDelayMs, minDelayMs × 2^n)`.
   * @default 500
   */
  minDelayMs?: number;
  /**
   * The longest backoff wait before a retry.
   * @default 30000
   */
  maxDelayMs?: number;
  /**
   * The longest `Retry-After` the client honours; a longer one is cut to this.
   * @default 60000
   */
  maxRetryAfterMs?: number;
  /**
   * No retry starts once this long has passed since a request's first attempt was sent (time spent
   * waiting for the rate limiter before that does not count).
   * @default 120000
   */
  maxRetryTimeMs?: number;
}

/**
 * Client-side rate limiting: batches per second (mParticle counts batches, not requests; events-api.md
 * §2.2), concurrent requests, a budget shared over Redis by every process of a fleet, and adaptive pacing
 * from mParticle's rate-limit headers.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * // This service gets half of the org's default 270 batches per second.
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret', rateLimit: { batchesPerSecond: 135 } });
 *
 * // Every replica of this service shares one budget of 270 batches per second.
 * const shared = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   rateLimit: { batchesPerSecond: 270, redis: { client: 'redis://redis:6379', expectedProcesses: 8 } },
 * });
 * ```
 */
export interface RateLimitOptions {
  /**
   * Batches per second this client sends at most, paced smoothly; with `redis`, the budget of every process
   * sharing it. Requests then carry at most a twentieth of one process's share (1 to 100 batches), so every
   * one-second window stays within about 105% of the rate.
   * @default 270 (DEFAULT_BATCHES_PER_SECOND)
   */
  batchesPerSecond?: number;
  /**
   * Requests in flight at once (in this process, also with `redis`).
   * @default 10
   */
  maxConcurrentRequests?: number;
  /**
   * Share `batchesPerSecond` with every client, in any process, that uses the same Redis server, pod and API
   * key: one budget for the fleet instead of a fixed share each. Needs the optional peer dependency
   * `ioredis`. If Redis becomes unreachable the client goes on alone at `batchesPerSecond /
   * redis.expectedProcesses` and emits `'rateLimitFallback'`, then `'rateLimitRestored'` once Redis is back;
   * no batch is lost or sent twice across either switch. `close()` closes the client's Redis connections.
   * @default undefined (this client paces alone)
   */
  redis?: RedisRateLimitOptions;
  /**
   * Adaptive pacing from mParticle's rate-limit headers (events-api.md §1.5): when a response reports usage
   * at or above `threshold` percent of the org's limit (or on a 429), the pace is cut (× `decreaseFactor`,
   * at most once a second); while usage is below it, the pace recovers by `increaseStep` per second up to
   * `batchesPerSecond`. An `acceleration` 429 holds the pace at what gets through, and its retry waits one
   * pacing interval instead of an exponential backoff. With `redis`, a new pace applies to the whole fleet.
   * Each change is a `'pace'` event. `false` turns it off; an object tunes it.
   * @default true (threshold 80, decreaseFactor 0.7, increaseStep 5% of batchesPerSecond per second)
   */
  adaptive?: boolean | AdaptivePacingOptions;
}

/**
 * What `enqueue()` does when the queue is full; see {@link QueueOptions.onFull}.
 *
 * @example
 * ```ts
 * import { EventsClient, type QueueOverflowPolicy } from 'mparticle-events';
 *
 * const onFull: QueueOverflowPolicy = 'drop-oldest';
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret', queue: { onFull } });
 * ```
 */
export type QueueOverflowPolicy = 'drop-newest' | 'drop-oldest' | 'reject';

/**
 * The background queue `enqueue()` fills: its bounds, how often it is sent, and what happens when full.
 * The bounds count every enqueued batch not yet settled, waiting or in flight.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   queue: { maxBatches: 50_000, flushIntervalMs: 500, onFull: 'drop-oldest' },
 * });
 * ```
 */
export interface QueueOptions {
  /**
   * Most batches held (waiting or in flight).
   * @default 10000
   */
  maxBatches?: number;
  /**
   * Most bytes held, counted as serialized JSON.
   * @default 25000000
   */
  maxBytes?: number;
  /**
   * How long a batch may wait for more to fill a request before it is sent anyway. Full requests are sent
   * at once.
   * @default 1000
   */
  flushIntervalMs?: number;
  /**
   * When a batch does not fit: `'drop-newest'` drops it (its promise resolves `dropped` at once),
   * `'drop-oldest'` drops the oldest waiting batches to make room, `'reject'` throws a `QueueFullError`
   * from `enqueue()` and keeps nothing. Dropped batches are reported and dead-lettered.
   * @default 'drop-newest'
   */
  onFull?: QueueOverflowPolicy;
  /**
   * Most failures a `flush()` or `close()` report lists, each with its batch; the rest are counted
   * (`failed`, `dropped`) and in {@link DeliveryReport.failuresOmitted}. Every failure still reaches its
   * `enqueue()` promise, `onDeadLetter` and the `deadLetter` event when it happens, which is where to keep
   * undelivered batches. The cap keeps memory bounded when mParticle is down for long and the service
   * rarely or never calls `flush()`: without it, every dropped or failed batch would be held until then.
   * `Infinity` lists every one. `send()` reports are not capped: they cover the batches passed to it.
   * @default 1000
   */
  maxReportedFailures?: number;
}

/**
 * The options of an {@link EventsClient}: credentials, where to send, and how to deliver.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: process.env.MPARTICLE_API_KEY!,
 *   apiSecret: process.env.MPARTICLE_API_SECRET!,
 *   pod: 'eu1',
 *   timeoutMs: 5_000,
 *   onDeadLetter: (failure) => console.error('undelivered', failure.sourceRequestId, failure.error.message),
 * });
 * ```
 */
export interface EventsClientOptions {
  /** The input's API key (HTTP Basic user, events-api.md §1.4). Required. */
  apiKey: string;
  /** The input's API secret (HTTP Basic password). Required; never logged, inspected or serialized. */
  apiSecret: string;
  /**
   * The pod (data region) of the workspace; it picks the host (events-api.md §1.1).
   * @default 'us1'
   */
  pod?: Pod;
  /**
   * A base URL that replaces the pod's, ending in `/v2` (the fake Events API's `url`, a proxy). `https:`, or
   * `http:` only to a loopback host (127.0.0.0/8, `localhost`, `[::1]`).
   * @default the pod's URL, e.g. 'https://s2s.us1.mparticle.com/v2'
   */
  baseUrl?: string;
  /**
   * Longest time for one HTTP attempt, response body included. It holds even if an injected `fetch`
   * ignores the abort signal.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Retry settings, or `false` to never retry.
   * @default { retries: 5, minDelayMs: 500, maxDelayMs: 30000, maxRetryAfterMs: 60000, maxRetryTimeMs: 120000 }
   */
  retry?: RetryOptions | false;
  /**
   * Rate limiting, or `false` to turn pacing off (requests are then capped at the default concurrency, and
   * there is no adaptive pacing).
   * @default { batchesPerSecond: 270, maxConcurrentRequests: 10, adaptive: true }
   */
  rateLimit?: RateLimitOptions | false;
  /**
   * The background queue of `enqueue()`.
   * @default { maxBatches: 10000, maxBytes: 25000000, flushIntervalMs: 1000, onFull: 'drop-newest',
   *   maxReportedFailures: 1000 }
   */
  queue?: QueueOptions;
  /**
   * Called once for every batch that ends undelivered (failed or dropped), from `send()` or `enqueue()`.
   * `flush()` and `close()` wait for the promises it returns (`close()` only until its deadline). What it
   * throws is logged and emitted as an `error` event.
   * @default undefined
   */
  onDeadLetter?: (failure: DeliveryFailure) => void | Promise<void>;
  /**
   * The `fetch` to send with. When given, every request goes through ky and this `fetch`. Without it,
   * the client sends with `node:http` on Node, where that costs a fifth of the CPU per request, and with
   * ky and `globalThis.fetch` everywhere else (edge runtimes).
   * @default node:http on Node, else globalThis.fetch
   */
  fetch?: FetchLike;
  /**
   * Where to log.
   * @default undefined (silent)
   */
  logger?: Logger;
}

/** Options after defaults, checked. Internal. */
export interface ResolvedOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly pod: Pod | undefined;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly batchesPerSecond: number;
  readonly maxConcurrentRequests: number;
  /** The shared budget's settings; checked by the shared limiter itself when the client creates it. */
  readonly redis: RedisRateLimitOptions | undefined;
  /** Adaptive pacing's tuning (checked), or `false` when off (also whenever pacing is off). */
  readonly adaptive: AdaptivePacingOptions | false;
  readonly queue: Required<QueueOptions>;
  readonly onDeadLetter: ((failure: DeliveryFailure) => void | Promise<void>) | undefined;
  readonly fetch: FetchLike | undefined;
  readonly logger: Logger;
}

/** The defaults, in one place. */
export const CLIENT_DEFAULTS = {
  pod: 'us1' as Pod,
  timeoutMs: 10_000,
  retry: {
    retries: 5,
    minDelayMs: 500,
    maxDelayMs: 30_000,
    maxRetryAfterMs: 60_000,
    maxRetryTimeMs: 120_000,
  },
  rateLimit: { batchesPerSecond: DEFAULT_BATCHES_PER_SECOND, maxConcurrentRequests: 10, adaptive: true },
  queue: {
    maxBatches: 10_000,
    maxBytes: 25_000_000,
    flushIntervalMs: 1_000,
    onFull: 'drop-newest' as const,
    maxReportedFailures: 1_000,
  },
} as const;

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Check the options and fill in the defaults. Throws `ConfigurationError` naming the bad option. */
export function resolveOptions(options: EventsClientOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('options', 'expected an object with apiKey and apiSecret');
  }
  const apiKey = requireString(options.apiKey, 'apiKey');
  const apiSecret = requireString(options.apiSecret, 'apiSecret');

  let pod: Pod | undefined;
  if (options.pod !== undefined) {
    if (!Object.hasOwn(POD_BASE_URLS, options.pod)) {
      throw new ConfigurationError('pod', `expected one of ${Object.keys(POD_BASE_URLS).join(', ')}`);
    }
    pod = options.pod;
  }
  const baseUrl =
    options.baseUrl === undefined ? POD_BASE_URLS[pod ?? CLIENT_DEFAULTS.pod] : checkBaseUrl(options.baseUrl);
  if (options.baseUrl === undefined) pod ??= CLIENT_DEFAULTS.pod;

  const timeoutMs = positive(options.timeoutMs, CLIENT_DEFAULTS.timeoutMs, 'timeoutMs');

  let retry: RetryPolicy;
  if (options.retry === false) retry = { ...CLIENT_DEFAULTS.retry, retries: 0 };
  else {
    const r = objectOrUndefined(options.retry, 'retry') ?? {};
    const d = CLIENT_DEFAULTS.retry;
    retry = {
      retries: integer(r.retries, d.retries, 'retry.retries', 0),
      minDelayMs: nonNegative(r.minDelayMs, d.minDelayMs, 'retry.minDelayMs'),
      maxDelayMs: nonNegative(r.maxDelayMs, d.maxDelayMs, 'retry.maxDelayMs'),
      maxRetryAfterMs: nonNegative(r.maxRetryAfterMs, d.maxRetryAfterMs, 'retry.maxRetryAfterMs'),
      maxRetryTimeMs: nonNegative(r.maxRetryTimeMs, d.maxRetryTimeMs, 'retry.maxRetryTimeMs'),
    };
    if (retry.maxDelayMs < retry.minDelayMs) {
      throw new ConfigurationError('retry.maxDelayMs', 'must not be less than retry.minDelayMs');
    }
  }

  let batchesPerSecond: number;
  let maxConcurrentRequests: number;
  let redis: RedisRateLimitOptions | undefined;
  let adaptive: AdaptivePacingOptions | false = false;
  if (options.rateLimit === false) {
    batchesPerSecond = Number.POSITIVE_INFINITY;
    maxConcurrentRequests = CLIENT_DEFAULTS.rateLimit.maxConcurrentRequests;
  } else {
    const r = objectOrUndefined(options.rateLimit, 'rateLimit') ?? {};
    batchesPerSecond = positive(
      r.batchesPerSecond,
      CLIENT_DEFAULTS.rateLimit.batchesPerSecond,
      'rateLimit.batchesPerSecond',
    );
    maxConcurrentRequests = integer(
      r.maxConcurrentRequests,
      CLIENT_DEFAULTS.rateLimit.maxConcurrentRequests,
      'rateLimit.maxConcurrentRequests',
      1,
    );
    redis = objectOrUndefined(r.redis, 'rateLimit.redis');
    const a = r.adaptive === undefined ? CLIENT_DEFAULTS.rateLimit.adaptive : r.adaptive;
    if (typeof a !== 'boolean' && (a === null || typeof a !== 'object')) {
      throw new ConfigurationError('rateLimit.adaptive', 'expected true, false or an object of settings');
    }
    if (a !== false) {
      adaptive = a === true ? {} : a;
      // Checked here so a bad setting fails at construction, naming it (rateLimit.adaptive.<name>).
      resolvePacing(batchesPerSecond, adaptive);
    }
  }

  const q = objectOrUndefined(options.queue, 'queue') ?? {};
  const dq = CLIENT_DEFAULTS.queue;
  const onFull = q.onFull ?? dq.onFull;
  if (onFull !== 'drop-newest' && onFull !== 'drop-oldest' && onFull !== 'reject') {
    throw new ConfigurationError('queue.onFull', "expected 'drop-newest', 'drop-oldest' or 'reject'");
  }
  const queue: Required<QueueOptions> = {
    maxBatches: integer(q.maxBatches, dq.maxBatches, 'queue.maxBatches', 1),
    maxBytes: integer(q.maxBytes, dq.maxBytes, 'queue.maxBytes', 1),
    flushIntervalMs: nonNegative(q.flushIntervalMs, dq.flushIntervalMs, 'queue.flushIntervalMs'),
    onFull,
    maxReportedFailures:
      q.maxReportedFailures === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : integer(q.maxReportedFailures, dq.maxReportedFailures, 'queue.maxReportedFailures', 0),
  };

  if (options.onDeadLetter !== undefined && typeof options.onDeadLetter !== 'function') {
    throw new ConfigurationError('onDeadLetter', 'expected a function');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigurationError('fetch', 'expected a fetch function');
  }
  const logger = objectOrUndefined(options.logger, 'logger') ?? {};

  return {
    apiKey,
    apiSecret,
    pod,
    baseUrl,
    timeoutMs,
    retry,
    batchesPerSecond,
    maxConcurrentRequests,
    redis,
    adaptive,
    queue,
    onDeadLetter: options.onDeadLetter,
    fetch: options.fetch,
    logger,
  };
}

function requireString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigurationError(option, 'expected a non-empty string');
  }
  return value;
}

function checkBaseUrl(value: unknown): string {
  if (typeof value !== 'string') throw new ConfigurationError('baseUrl', 'expected a URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError('baseUrl', 'expected an absolute URL');
  }
  if (url.username || url.password) {
    // Credentials go in the Authorization header only; a URL ends up in errors and logs.
    throw new ConfigurationError('baseUrl', 'must not contain credentials; use apiKey and apiSecret');
  }
  if (url.search || url.hash) throw new ConfigurationError('baseUrl', 'must not have a query or fragment');
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOST.test(url.hostname)) {
      throw new ConfigurationError('baseUrl', 'plain http is allowed only to a loopback host; use https');
    }
  } else if (url.protocol !== 'https:') {
    throw new ConfigurationError('baseUrl', 'expected an https: URL');
  }
  return url.href.replace(/\/+$/, '');
}

function objectOrUndefined<T extends object>(value: T | undefined, option: string): T | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') throw new ConfigurationError(option, 'expected an object');
  return value;
}

function nonNegative(value: unknown, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(option, 'expected a finite number >= 0');
  }
  return value;
}

function positive(value: unknown, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(option, 'expected a finite number > 0');
  }
  return value;
}

function integer(value: unknown, fallback: number, option: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigurationError(option, `expected an integer >= ${min}`);
  }
  return value;
}
