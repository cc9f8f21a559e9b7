/**
 * Public types of the fake Events API (`mparticle-events/testing`).
 *
 * @module
 */

/**
 * One pair of credentials the fake accepts, as HTTP Basic user and password (events-api.md §1.4).
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi({
 *   credentials: [
 *     { apiKey: 'key-a', apiSecret: 'secret-a' },
 *     { apiKey: 'key-b', apiSecret: 'secret-b' },
 *   ],
 * });
 * ```
 */
export interface FakeCredentials {
  /** The API key (Basic auth user name). */
  apiKey: string;
  /** The API secret (Basic auth password). Never recorded, logged or echoed. */
  apiSecret: string;
}

/**
 * Options of {@link startFakeEventsApi}: credentials, the limits and rules it enforces, and what it records.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi({
 *   credentials: { apiKey: 'key', apiSecret: 'secret' },
 *   rateLimitPercentageUsed: 40,
 * });
 * ```
 */
export interface FakeEventsApiOptions {
  /**
   * The key/secret pairs the fake accepts. A request without credentials gets 401, one with an unknown
   * key or a wrong secret gets 403 (events-api.md §1.5).
   * @default { apiKey: 'test-key', apiSecret: 'test-secret' }
   */
  credentials?: FakeCredentials | FakeCredentials[];
  /**
   * Check every batch with the SDK's own rules (`parseBatch`), and the historical endpoint's rules
   * (events-api.md §2.4) on `/bulkevents/historical`. A request with any bad batch gets 400 and none of its
   * batches is accepted. `false` accepts any JSON object as a batch.
   * @default true
   */
  validate?: boolean;
  /**
   * Replaces `parseBatch` as the per-batch check when `validate` is on: it throws to reject a batch. A thrown
   * `ValidationError` reports each issue's path; any other error reports its message.
   * @default parseBatch from 'mparticle-events'
   */
  validateBatch?: (batch: unknown) => void;
  /**
   * Largest accepted request body in bytes; a larger one gets 413 (the real status is unknown,
   * events-api.md §9 question 2: the fake chooses 413).
   * @default 256000 (MAX_REQUEST_BYTES)
   */
  maxRequestBytes?: number;
  /**
   * Most batches accepted in one bulk request; more gets 400 (events-api.md §1.2).
   * @default 100 (MAX_BATCHES_PER_REQUEST)
   */
  maxBatchesPerRequest?: number;
  /**
   * When set, every 2xx answer carries `X-mp-rate-limit-percentage-used` with this value (or the function's
   * result, rounded), as mParticle does (events-api.md §1.5). Without it but with `rateLimit`, the header
   * carries the share of the limit used in the last second.
   * @default undefined (no header)
   */
  rateLimitPercentageUsed?: number | (() => number);
  /**
   * A shared rate limit in batches per second, counted over every client in a sliding 1-second window,
   * as mParticle counts batches rather than requests (events-api.md §2.2). A request that would take the
   * window past the limit gets 429 with `X-mp-rate-limit-exceeded: org` and `Retry-After`, and none of its
   * batches is accepted. A request is always admitted into an empty window, so one larger than the limit
   * can still get through.
   * @default undefined (no limit)
   */
  rateLimit?: {
    /** Batches accepted per sliding second, over all clients. */
    batchesPerSecond: number;
    /**
     * The `Retry-After` value sent with the 429, in seconds; `false` sends none.
     * @default 1
     */
    retryAfter?: number | false;
  };
  /**
   * Keep each accepted batch's parsed body in {@link ReceivedBatch.batch}. `false` keeps only its ids and
   * metadata (`batch` is `undefined`), for load tests that send many batches.
   * @default true
   */
  recordBodies?: boolean;
  /**
   * The random source for {@link FaultSpec.probability}, returning numbers in [0, 1). Pass a seeded one
   * for tests that must not flake.
   * @default Math.random
   */
  random?: () => number;
  /**
   * The interface to listen on. Only loopback makes sense for a test server.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * The port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number;
}

/**
 * A fault to inject: what the fake does instead of (or before) its normal handling, and which requests
 * it applies to. Faults are checked after a request's body is read, in the order added; the first one
 * that matches applies.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi();
 * // The next two bulk requests get 429 with Retry-After: 2, then the fake behaves normally.
 * server.fault({ status: 429, retryAfter: 2, rateLimitExceeded: 'org', times: 2, path: '/bulkevents' });
 * ```
 */
export interface FaultSpec {
  /**
   * Answer with this HTTP status instead of handling the request (nothing is accepted), e.g. 429, 500, 503.
   * Error statuses get an mParticle-shaped `{"errors":[…]}` body unless `body` is given.
   */
  status?: number;
  /** `Retry-After` header to send with `status`: seconds, or an HTTP date. */
  retryAfter?: number | string;
  /** `X-mp-rate-limit-exceeded` header to send with `status`, e.g. `'org'` or `'acceleration'`. */
  rateLimitExceeded?: string;
  /** Further headers to send with `status`. */
  headers?: Record<string, string>;
  /** The body to send with `status`: a string is sent as is, anything else as JSON. */
  body?: unknown;
  /** Destroy the connection without answering, as a connection reset. */
  reset?: true;
  /** Read the request and never answer, until the client gives up or the server closes. */
  stall?: true;
  /**
   * Wait this long before handling the request: before the normal handling, or before `status` or
   * `reset` when given.
   */
  delayMs?: number;
  /**
   * Apply to the next N matching requests, then stop.
   * @default unlimited
   */
  times?: number;
  /**
   * Apply to this fraction (0..1) of matching requests, chosen at random per request with the server's
   * `random` option.
   * @default 1
   */
  probability?: number;
  /** Only requests whose path ends with this: `'/events'`, `'/bulkevents'`, `'/bulkevents/historical'`. */
  path?: string;
  /** Only requests presenting this API key. */
  apiKey?: string;
}

/**
 * A fault added with {@link FakeEventsApi.fault}: how often it applied, and a way to remove it.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi();
 * const outage = server.fault({ status: 503 });
 * // … send, observe retries …
 * console.log(outage.hits);
 * outage.remove();
 * ```
 */
export interface FaultHandle {
  /** Stop applying this fault. Requests already being delayed or stalled by it are not affected. */
  remove(): void;
  /** How many requests this fault has applied to. */
  readonly hits: number;
}

/**
 * One batch the fake accepted, in arrival order.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi();
 * // … send …
 * const names = server.batches.map((b) => (b.batch as { events?: unknown[] }).events?.length);
 * ```
 */
export interface ReceivedBatch {
  /**
   * The batch as parsed from the request, losslessly: integers beyond 2^53 (an `mpid`, say) are decimal
   * strings. `undefined` when the server was started with `recordBodies: false`.
   */
  batch: unknown;
  /** The batch's `source_request_id`, when it had a string one. */
  sourceRequestId: string | undefined;
  /** The request path, e.g. `'/v2/bulkevents'`. */
  path: string;
  /** When the request carrying it arrived (`Date.now()`, ms). */
  receivedAt: number;
  /** The {@link ReceivedRequest.id} of the request that carried it. */
  requestId: number;
  /** The API key the request was authenticated with. */
  apiKey: string;
}

/**
 * One HTTP request the fake received, whatever it answered.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi();
 * // … send …
 * const statuses = server.requests.map((r) => r.status);
 * ```
 */
export interface ReceivedRequest {
  /** A number unique within this server's life, starting at 1. */
  id: number;
  /** The HTTP method. */
  method: string;
  /** The path without query string, e.g. `'/v2/events'`. */
  path: string;
  /** The API key the request presented, if any. The secret is never recorded. */
  apiKey: string | undefined;
  /** Size of the request body in bytes. */
  bodyBytes: number;
  /** Batches in the body: 1 for `/events`, the array length for bulk paths, 0 when it did not parse. */
  batchCount: number;
  /** The status answered, or 0 while pending and when the connection was reset, stalled or aborted. */
  status: number;
  /** When the request arrived, before its body was read (`Date.now()`, ms). */
  receivedAt: number;
  /** When the answer was written (`Date.now()`, ms); absent when there was none. */
  respondedAt?: number;
  /** The fault that applied, described, e.g. `'status 503'`, `'delay 200ms'`, `'reset'`, `'stall'`. */
  fault?: string;
}

/**
 * Counters of a fake server, kept even when bodies are not recorded.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi();
 * // … send …
 * const { acceptedBatches, duplicateBatches } = server.stats;
 * ```
 */
export interface FakeEventsApiStats {
  /** HTTP requests received. */
  requests: number;
  /** Batches accepted (answered 202), duplicates included. */
  acceptedBatches: number;
  /** Batches in requests answered with an error status (4xx or 5xx), by a rule or a fault. */
  rejectedBatches: number;
  /**
   * Accepted batches whose `source_request_id` had already been accepted with the same API key, the scope
   * mParticle deduplicates in (events-api.md §1.7). They are still recorded in `batches`.
   */
  duplicateBatches: number;
  /** Distinct `source_request_id`s accepted, over all API keys. */
  uniqueSourceRequestIds: number;
}

/**
 * A running fake of mParticle's Events API, returned by {@link startFakeEventsApi}: its address, what it
 * received, fault injection and shutdown.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi();
 * try {
 *   // point a client's baseUrl at server.url, send, then:
 *   await server.waitFor((s) => s.stats.acceptedBatches >= 10, { timeoutMs: 5000 });
 * } finally {
 *   await server.close();
 * }
 * ```
 */
export interface FakeEventsApi {
  /** The base URL a client uses, with `/v2`: `http://127.0.0.1:PORT/v2`. */
  readonly url: string;
  /** The server's origin, without path: `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Accepted batches in arrival order. */
  readonly batches: ReceivedBatch[];
  /** Every HTTP request received, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** A snapshot of the counters. */
  readonly stats: FakeEventsApiStats;
  /** The distinct `source_request_id`s accepted so far, over all API keys. */
  sourceRequestIds(): Set<string>;
  /** Add a fault. Several may be active; the first that matches a request applies. */
  fault(spec: FaultSpec): FaultHandle;
  /** Remove every fault. */
  clearFaults(): void;
  /** Forget the recorded requests, batches and counters. Faults stay. */
  reset(): void;
  /**
   * Resolve once `predicate(server)` is true; it is checked after each request and every few
   * milliseconds. Rejects after `options.timeoutMs` (default 5000) or when the server closes.
   */
  waitFor(predicate: (server: FakeEventsApi) => boolean, options?: { timeoutMs?: number }): Promise<void>;
  /** Stop the server, destroying open, delayed and stalled connections. Safe to call more than once. */
  close(): Promise<void>;
}
