/**
 * The error tree of mparticle-events.
 *
 * Every error this package throws or rejects with is an {@link MParticleEventsError}. Local problems
 * (bad input, bad options) and delivery problems (HTTP failures, timeouts, connection errors) are
 * different branches, so a `catch` can tell "my data is wrong" from "mParticle did not take it".
 *
 * No error ever carries the API key or secret: requests are described by method and URL only, and
 * only response headers are kept.
 *
 * @module
 */

/**
 * The root of every error thrown by mparticle-events.
 *
 * @example
 * ```ts
 * import { MParticleEventsError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof MParticleEventsError) console.error(error.name, error.message);
 * }
 * ```
 */
export class MParticleEventsError extends Error {
  override name = 'MParticleEventsError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** A plain object for `JSON.stringify`: name, message and the fields subclasses add. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const key of Object.keys(this)) {
      if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
      out[key] = (this as Record<string, unknown>)[key];
    }
    return out;
  }
}

/**
 * One broken rule found while validating a batch or an option.
 *
 * @example
 * ```ts
 * import { parseBatch, ValidationError } from 'mparticle-events';
 *
 * try {
 *   parseBatch({ events: [{ event_type: 'custom_event', data: {} }] });
 * } catch (error) {
 *   if (error instanceof ValidationError) for (const issue of error.issues) console.error(issue.path, issue.code);
 * }
 * ```
 */
export interface ValidationIssue {
  /**
   * Where the problem is, written the way you would reach it in code, relative to the batch:
   * `events[2].data.product_action.products[0].price`. Empty for the batch itself.
   */
  path: string;
  /** The same location as segments, for programs: `['events', 2, 'data', 'product_action']`. */
  segments: (string | number)[];
  /** A machine-readable rule name, such as `invalid_type`, `too_big` or `invalid_value` (zod's codes). */
  code: string;
  /** What is wrong, in words: `expected number, received string`. */
  message: string;
}

/**
 * Input broke a rule of the Events API: a missing field, a value outside an enum, a length or size limit.
 *
 * Thrown by `BatchBuilder.build()`, `parseBatch()` and by the client before anything is sent. It keeps
 * every issue found, each with a full path such as `events[2].data.product_action.products[0].price`.
 *
 * @example
 * ```ts
 * import { BatchBuilder, ValidationError } from 'mparticle-events';
 *
 * try {
 *   new BatchBuilder({ environment: 'development' }).customEvent({ event_name: '' }).build();
 * } catch (error) {
 *   if (error instanceof ValidationError) {
 *     for (const issue of error.issues) console.error(`${issue.path}: ${issue.message}`);
 *   }
 * }
 * ```
 */
export class ValidationError extends MParticleEventsError {
  override name = 'ValidationError';
  /** Every rule broken, in the order found. Never empty. */
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], context = 'Invalid batch') {
    super(ValidationError.describe(issues, context));
    this.issues = issues;
  }

  private static describe(issues: ValidationIssue[], context: string): string {
    const shown = issues.slice(0, 5).map((i) => `${i.path || '(batch)'}: ${i.message}`);
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
    return `${context}: ${shown.join('; ')}${more}`;
  }
}

/**
 * An option given to a constructor or method is wrong. The message names the option.
 *
 * @example
 * ```ts
 * import { EventsClient, ConfigurationError } from 'mparticle-events';
 *
 * try {
 *   new EventsClient({ apiKey: '', apiSecret: 's' });
 * } catch (error) {
 *   if (error instanceof ConfigurationError) console.error(error.option, error.message);
 * }
 * ```
 */
export class ConfigurationError extends MParticleEventsError {
  override name = 'ConfigurationError';
  /** The option at fault, as a dotted path: `retry.maxDelayMs`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`Invalid option "${option}": ${message}`);
    this.option = option;
  }
}

/**
 * The body mParticle sends with an error response, when it sends one (events-api.md §1.6).
 *
 * @example
 * ```ts
 * import { ApiError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof ApiError) for (const e of error.errors) console.error(e.code, e.message);
 * }
 * ```
 */
export interface ApiErrorBody {
  errors?: { code?: string; message?: string }[];
}

/**
 * What an {@link ApiError} says about the request that failed. Never holds credentials.
 *
 * @example
 * ```ts
 * import { ApiError } from 'mparticle-events';
 *
 * const error = ApiError.from({ status: 429, headers: { 'retry-after': '2' }, body: undefined, method: 'POST', url: 'https://s2s.us1.mparticle.com/v2/bulkevents' });
 * error.retryable; // true
 * ```
 */
export interface ApiErrorInit {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  method: string;
  url: string;
  message?: string;
}

/**
 * mParticle answered with an HTTP error status.
 *
 * Holds the status, the response headers (lower-cased names), the parsed body (mParticle's
 * `{"errors":[{code,message}]}` when it sends one), whether retrying can help, and the request's method
 * and URL. Use {@link ApiError.from} to get the subclass that matches a status.
 *
 * @example
 * ```ts
 * import { ApiError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof ApiError) console.error(error.status, error.errors);
 * }
 * ```
 */
export class ApiError extends MParticleEventsError {
  override name = 'ApiError';
  /** The HTTP status code. */
  readonly status: number;
  /** Response headers, names lower-cased. */
  readonly headers: Record<string, string>;
  /** The parsed response body: JSON when it parsed, else the text, else `undefined`. */
  readonly body: unknown;
  /** Whether the same request may succeed if sent again (408, 429, 5xx other than 501 and 505). */
  readonly retryable: boolean;
  /** The request's HTTP method. */
  readonly method: string;
  /** The request's URL (credentials are sent in a header, never in the URL). */
  readonly url: string;

  constructor(init: ApiErrorInit) {
    const detail = ApiError.firstMessage(init.body);
    super(
      init.message ?? `${init.method} ${init.url} failed with ${init.status}${detail ? `: ${detail}` : ''}`,
    );
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.retryable = isRetryableStatus(init.status);
    this.method = init.method;
    this.url = init.url;
  }

  /** mParticle's `errors[]` from the body, or an empty list. */
  get errors(): { code?: string; message?: string }[] {
    const body = this.body as ApiErrorBody | undefined;
    return body && typeof body === 'object' && Array.isArray(body.errors) ? body.errors : [];
  }

  /** The error class that fits a status: 400, 401/403, 429 and 5xx get their own subclass. */
  static from(init: ApiErrorInit): ApiError {
    const { status } = init;
    if (status === 400) return new BadRequestError(init);
    if (status === 401 || status === 403) return new AuthenticationError(init);
    if (status === 429) return new RateLimitError(init);
    if (status >= 500) return new ServerError(init);
    return new ApiError(init);
  }

  private static firstMessage(body: unknown): string | undefined {
    if (typeof body === 'string') return body.slice(0, 200) || undefined;
    const errors = (body as ApiErrorBody | undefined)?.errors;
    if (!Array.isArray(errors) || errors.length === 0) return undefined;
    return errors
      .slice(0, 3)
      .map((e) => [e.code, e.message].filter(Boolean).join(' '))
      .join('; ');
  }
}

/**
 * 400: mParticle found the JSON malformed or a required field missing. Not retried.
 *
 * @example
 * ```ts
 * import { BadRequestError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof BadRequestError) console.error('mParticle refused the batch:', error.errors);
 * }
 * ```
 */
export class BadRequestError extends ApiError {
  override name = 'BadRequestError';
}

/**
 * 401 (no credentials) or 403 (wrong credentials). Not retried: fix the API key and secret.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof AuthenticationError) console.error('check MPARTICLE_API_KEY and MPARTICLE_API_SECRET', error.status);
 * }
 * ```
 */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}

/**
 * 429: over the rate limit. Retried after `Retry-After` when given.
 * `limit` is the `X-mp-rate-limit-exceeded` header: `org`, `account`, `app`, `feed`, `workspace`,
 * `acceleration` (ramp up more slowly) or `system`.
 *
 * @example
 * ```ts
 * import { RateLimitError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof RateLimitError) console.warn('rate limited:', error.limit, error.headers['retry-after']);
 * }
 * ```
 */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';

  /** Which limit was hit, from `X-mp-rate-limit-exceeded`, when the server said. */
  get limit(): string | undefined {
    return this.headers['x-mp-rate-limit-exceeded'];
  }
}

/**
 * 5xx: a server-side failure. Retried, except 501 and 505.
 *
 * @example
 * ```ts
 * import { ServerError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof ServerError) console.warn('mParticle failed:', error.status);
 * }
 * ```
 */
export class ServerError extends ApiError {
  override name = 'ServerError';
}

/**
 * The request never got an HTTP answer: DNS, refused or reset connection, TLS. Retried.
 * The original error is kept as `cause`.
 *
 * @example
 * ```ts
 * import { ConnectionError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof ConnectionError) console.warn('no connection:', error.cause);
 * }
 * ```
 */
export class ConnectionError extends MParticleEventsError {
  override name = 'ConnectionError';
  /** The request's HTTP method. */
  readonly method: string;
  /** The request's URL. */
  readonly url: string;

  constructor(method: string, url: string, cause: unknown) {
    super(`${method} ${url} failed to connect: ${describeCause(cause)}`, { cause });
    this.method = method;
    this.url = url;
  }
}

/**
 * One attempt took longer than `timeoutMs`. Retried.
 *
 * @example
 * ```ts
 * import { TimeoutError } from 'mparticle-events';
 *
 * try {
 *   await client.send(batch);
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.warn(`no answer within ${error.timeoutMs} ms`);
 * }
 * ```
 */
export class TimeoutError extends MParticleEventsError {
  override name = 'TimeoutError';
  /** The request's HTTP method. */
  readonly method: string;
  /** The request's URL. */
  readonly url: string;
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(method: string, url: string, timeoutMs: number, cause?: unknown) {
    super(`${method} ${url} timed out after ${timeoutMs} ms`, cause === undefined ? undefined : { cause });
    this.method = method;
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Whether an HTTP status is worth retrying: 408, 429 and 5xx other than 501 and 505.
 *
 * @example
 * ```ts
 * import { isRetryableStatus } from 'mparticle-events';
 *
 * isRetryableStatus(503); // true
 * isRetryableStatus(400); // false
 * ```
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${cause.message}${inner}`;
  }
  return String(cause);
}

// Delivery (src/client.ts, src/transport): errors of the EventsClient.

/**
 * Some batches of a `send()` were not delivered. Holds the full report: what was accepted, and each
 * failure with its batch and reason.
 *
 * @example
 * ```ts
 * import { EventsClient, DeliveryError } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * try {
 *   await client.send([batchA, batchB]);
 * } catch (error) {
 *   if (error instanceof DeliveryError) {
 *     for (const failure of error.report.failures) console.error(failure.sourceRequestId, failure.error);
 *   }
 * }
 * ```
 */
export class DeliveryError extends MParticleEventsError {
  override name = 'DeliveryError';
  /** The report of the `send()`: counts, and every failure with its batch and reason. */
  readonly report: import('./transport/report.js').DeliveryReport;

  constructor(report: import('./transport/report.js').DeliveryReport) {
    const undelivered = report.failed + report.dropped;
    const total = report.accepted + undelivered;
    const first = report.failures[0]?.error.message;
    super(`${undelivered} of ${total} batches were not delivered${first ? `; first: ${first}` : ''}`);
    this.report = report;
  }
}

/**
 * The client is closed: `send()` and `enqueue()` refuse new batches, and batches still undelivered at the
 * `close()` deadline end with this error (its `cause` is the last attempt's error, when there was one).
 *
 * @example
 * ```ts
 * import { EventsClient, ClientClosedError } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * await client.close();
 * try {
 *   client.enqueue(batch);
 * } catch (error) {
 *   if (error instanceof ClientClosedError) console.error('too late:', error.message);
 * }
 * ```
 */
export class ClientClosedError extends MParticleEventsError {
  override name = 'ClientClosedError';
}

/**
 * The `enqueue()` queue was full (`queue.maxBatches` or `queue.maxBytes`): the batch was dropped, or
 * with `onFull: 'reject'` refused.
 *
 * @example
 * ```ts
 * import { EventsClient, QueueFullError } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret', queue: { onFull: 'reject' } });
 * try {
 *   client.enqueue(batch);
 * } catch (error) {
 *   if (error instanceof QueueFullError) console.warn('back off:', error.message);
 * }
 * ```
 */
export class QueueFullError extends MParticleEventsError {
  override name = 'QueueFullError';
  /** The policy that applied: `'drop-newest'`, `'drop-oldest'` or `'reject'`. */
  readonly policy: string;
  /** The queue's bound in batches. */
  readonly maxBatches: number;
  /** The queue's bound in bytes. */
  readonly maxBytes: number;

  constructor(policy: string, maxBatches: number, maxBytes: number) {
    const what = policy === 'reject' ? 'batch refused' : 'batch dropped';
    super(
      `Queue full (at most ${maxBatches} batches and ${maxBytes} bytes held): ${what} (onFull: ${policy})`,
    );
    this.policy = policy;
    this.maxBatches = maxBatches;
    this.maxBytes = maxBytes;
  }
}
