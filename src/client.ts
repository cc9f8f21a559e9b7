/**
 * `EventsClient`: delivers batches to mParticle's Events API, with packing, retries, per-client rate
 * limiting, a bounded background queue, and an outcome for every batch (issue 3).
 *
 * The pieces live in src/transport, one concern a file: packing.ts (requests within 256 KB and 100
 * batches), retry.ts (what to retry and how long to wait), rate-limiter.ts (pacing, concurrency and the
 * Retry-After pause), queue.ts (the bounded queue), http.ts (one attempt with a hard timeout),
 * report.ts and events.ts (what the client tells you). With `rateLimit.redis`, src/ratelimit/shared.ts
 * replaces the rate limiter with one whose budget is shared over Redis; src/ratelimit/pacing.ts adapts the
 * pace to mParticle's rate-limit headers (issue 6). This file wires them together.
 *
 * @module
 */
import pRetry, { AbortError } from 'p-retry';
import { type Batch, isValidatedBatch, parseBatch, parseBatchJson, serializeBatch } from './batch/index.js';
import {
  ApiError,
  ClientClosedError,
  ConfigurationError,
  DeliveryError,
  MParticleEventsError,
  QueueFullError,
  RateLimitError,
  ValidationError,
} from './errors.js';
import { Emitter } from './internal/emitter.js';
import { randomUuid } from './internal/uuid.js';
import { MAX_BATCH_BYTES } from './limits.js';
import { AdaptivePacer } from './ratelimit/pacing.js';
import { SharedRateLimiter } from './ratelimit/shared.js';
import type { Endpoint, EventsClientEvents, EventsClientListener } from './transport/events.js';
import { historicalIssues } from './transport/historical.js';
import { basicAuthorization, postOnce } from './transport/http.js';
import { createNodeTransport, type NodeTransport } from './transport/node-http.js';
import {
  type EventsClientOptions,
  type Logger,
  type ResolvedOptions,
  resolveOptions,
} from './transport/options.js';
import {
  API_PACK_LIMITS,
  bulkBodyBytes,
  type Encoded,
  encodeJson,
  oversizeProblem,
  type PackLimits,
  packRequests,
  requestBody,
  takeRequest,
  utf8ByteLength,
} from './transport/packing.js';
import { DeliveryQueue } from './transport/queue.js';
import {
  LimiterStoppedError,
  maxBatchesPerPacedRequest,
  PacedRateLimiter,
  type RateLimiter,
} from './transport/rate-limiter.js';
import type { BatchOutcome, DeliveryFailure, DeliveryReport } from './transport/report.js';
import { ReportBuilder } from './transport/report.js';
import { classifyFailure, parseRetryAfter, retryDelay, shouldSplit } from './transport/retry.js';
import { KeepAlive, sleep, unrefTimer } from './transport/timers.js';

/**
 * Options of {@link EventsClient.send}.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * await client.send(backfillBatches, { historical: true });
 * ```
 */
export interface SendOptions {
  /**
   * Send to `/v2/bulkevents/historical`, for data older than 30 days (events-api.md §1.2). Every batch must
   * then have events, each with a `timestamp_unixtime_ms` at least 72 hours old (§2.4); otherwise `send()`
   * rejects with a `ValidationError` naming the path, before anything is sent.
   * @default false
   */
  historical?: boolean;
}

/**
 * Options of {@link EventsClient.close}.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * const report = await client.close({ timeoutMs: 2_000 });
 * ```
 */
export interface CloseOptions {
  /**
   * How long to keep delivering what is queued and in flight. At the deadline, attempts and retry waits
   * are aborted and every undelivered batch fails with a `ClientClosedError`.
   * @default 10000
   */
  timeoutMs?: number;
}

/**
 * Options of {@link EventsClient.flush}.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * // On AWS Lambda: return in time, and keep the client for the next invocation.
 * const report = await client.flush({ timeoutMs: context.getRemainingTimeInMillis() - 500 });
 * if (report.pending > 0) console.warn(`${report.pending} batches still on their way`);
 * ```
 */
export interface FlushOptions {
  /**
   * Resolve within this many milliseconds, with the report of what settled by then. Batches still queued
   * or in flight at the deadline are neither failed nor aborted: they are delivered later (their
   * `enqueue()` promises settle then), counted in `report.pending` and carried into the next report.
   * The client stays open. Without it, `flush()` waits until every batch has settled.
   * @default undefined (no deadline)
   */
  timeoutMs?: number;
}

/**
 * A batch on its way: its JSON, size, id and outcome. Only the text is kept, not the batch object: a
 * queued batch then costs about its JSON size, not its object graph as well (issue 5, memory under a
 * stalled server). A failure re-creates the object from the text when asked (see failureOutcome).
 */
interface Item {
  readonly seq: number;
  readonly sourceRequestId: string;
  /**
   * The batch's JSON text as UTF-8 bytes: all the client keeps of a batch it sends (off the JavaScript
   * heap). `undefined` only for a batch refused before it was encoded (see `json`).
   */
  readonly data: Uint8Array<ArrayBuffer> | undefined;
  /** The text, kept only for a batch the full queue refused: no bytes were made for it. */
  readonly json: string | undefined;
  /** Size in UTF-8 bytes (for a refused batch, at least its text's length: all the refusal needs). */
  readonly bytes: number;
  readonly queued: boolean;
  readonly reports: ReportBuilder[];
  readonly resolve: (outcome: BatchOutcome) => void;
  attempts: number;
  settled: boolean;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const decoder = new TextDecoder();
/** How long `close()` waits, after aborting at its deadline, for in-flight work to wind down. */
const CLOSE_SLACK_MS = 100;
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Delivers batches to mParticle's Events API: packs them into requests within the API's limits, retries
 * what can succeed, paces to the org's rate limit, and accounts for every batch.
 *
 * Use `send()` to deliver now and await the result, or `enqueue()` to batch in the background and
 * `flush()` / `close()` to wait for it. Each client has its own rate limiter, queue and Retry-After
 * pause; create one per API key and reuse it. With `rateLimit.redis`, the rate budget is shared instead by
 * every client with the same Redis, pod and API key, in any process; `close()` then also closes the
 * client's Redis connections. Adaptive pacing (on by default) follows mParticle's rate-limit headers.
 *
 * @example
 * ```ts
 * import { BatchBuilder, EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: process.env.MPARTICLE_API_KEY!,
 *   apiSecret: process.env.MPARTICLE_API_SECRET!,
 *   pod: 'eu1',
 * });
 * const batch = new BatchBuilder({ environment: 'production' })
 *   .customEvent({ event_name: 'Signup', custom_event_type: 'other' })
 *   .build();
 *
 * await client.send(batch); // rejects with DeliveryError if it was not delivered
 * client.enqueue(batch); // or in the background…
 * const report = await client.close({ timeoutMs: 5_000 }); // …and drain before exit
 * ```
 */
export class EventsClient {
  readonly #options: Omit<ResolvedOptions, 'apiSecret'>;
  readonly #authorization: string;
  readonly #logger: Logger;
  readonly #emitter: Emitter<EventsClientEvents>;
  readonly #limiter: RateLimiter;
  /** The limiter again when its budget is shared over Redis (`rateLimit.redis`), for its fleet size. */
  readonly #shared: SharedRateLimiter | undefined;
  /** Adaptive pacing (`rateLimit.adaptive`), when on. */
  readonly #pacer: AdaptivePacer | undefined;
  #limiterStopped: Promise<void> | undefined;
  readonly #queue: DeliveryQueue<Item>;
  readonly #packLimits: PackLimits;
  readonly #keepAlive = new KeepAlive();
  readonly #closeController = new AbortController();
  /** One controller per delivery in progress, aborted together at the close deadline (see #deliver). */
  readonly #deliveryControllers = new Set<AbortController>();
  readonly #unsettledQueued = new Map<number, Item>();
  readonly #unsettledSent = new Set<Item>();
  readonly #deadLetters = new Set<Promise<void>>();
  #flushWaiters: { marker: number; resolve: () => void }[] = [];
  #idleWaiters: (() => void)[] = [];
  #epoch: ReportBuilder;
  /**
   * `node:http` on Node (src/transport/node-http.ts), unless the caller gave its own `fetch`; elsewhere
   * `undefined`, and requests go through ky and `fetch`.
   */
  readonly #transport: NodeTransport | undefined;
  /** For `#prepare`: whether the queue may take a batch of at least this many bytes. */
  readonly #admits = (minBytes: number): boolean => !this.#queue.refuses(minBytes);
  #seq = 0;
  #lastQueuedSeq = 0;
  #drainUpTo = 0;
  #dispatched = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing: Promise<DeliveryReport> | undefined;
  #closed = false;

  /**
   * Create a client. Checks every option and throws a `ConfigurationError` naming the bad one; sends
   * nothing until asked.
   */
  constructor(options: EventsClientOptions) {
    const { apiSecret, ...rest } = resolveOptions(options);
    this.#options = rest;
    this.#epoch = new ReportBuilder(rest.queue.maxReportedFailures);
    this.#transport = rest.fetch ? undefined : createNodeTransport(rest.maxConcurrentRequests);
    this.#authorization = basicAuthorization(rest.apiKey, apiSecret);
    this.#logger = rest.logger;
    this.#emitter = new Emitter<EventsClientEvents>((event, error) => {
      if (event !== 'error') this.#reportInternalError(`listener:${String(event)}`, error);
      else this.#log('error', 'an error listener threw', { error: describe(error) });
    });
    const { batchesPerSecond, maxConcurrentRequests, redis, adaptive } = rest;
    let maxBatches = maxBatchesPerPacedRequest(batchesPerSecond);
    if (redis) {
      // One budget for every process with the same Redis, pod and API key (issue 6). A custom baseUrl
      // without a pod names the budget after its host, so a proxy or the fake server gets its own.
      const shared = new SharedRateLimiter({
        apiKey: rest.apiKey,
        pod: rest.pod ?? new URL(rest.baseUrl).host,
        batchesPerSecond,
        maxConcurrentRequests,
        redis,
      });
      shared.on('rateLimitFallback', (event) => {
        this.#log('warn', 'Redis unreachable: pacing locally', {
          reason: event.reason,
          localRate: event.localRate,
        });
        this.#emitter.emit('rateLimitFallback', event);
      });
      shared.on('rateLimitRestored', (event) => {
        this.#log('info', 'Redis is back: shared rate limit restored', { downMs: event.downMs });
        this.#emitter.emit('rateLimitRestored', event);
      });
      this.#shared = shared;
      this.#limiter = shared;
      // Requests sized to a twentieth of one process's share keep the fleet's windows within ~105%.
      maxBatches = shared.maxWeight;
    } else {
      this.#limiter = new PacedRateLimiter({ batchesPerSecond, maxConcurrentRequests });
    }
    if (adaptive !== false) {
      const pacer = new AdaptivePacer({
        ...adaptive,
        batchesPerSecond,
        fleetSize: () => this.#shared?.activeProcesses ?? 1,
      });
      pacer.on('pace', (event) => {
        // With a shared limiter this writes the pace to Redis: it applies to the whole fleet.
        this.#limiter.updateSettings({ batchesPerSecond: event.rate });
        this.#log(event.rate < event.previousRate ? 'warn' : 'debug', 'pace changed', {
          rate: event.rate,
          reason: event.reason,
        });
        this.#emitter.emit('pace', event);
      });
      this.#pacer = pacer;
    }
    this.#queue = new DeliveryQueue<Item>(rest.queue);
    this.#packLimits = { maxBatches, maxBytes: API_PACK_LIMITS.maxBytes };
  }

  /** The base URL requests go to, e.g. `https://s2s.us1.mparticle.com/v2`. */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /** Whether `close()` has been called: the client then refuses new batches. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Deliver one batch or several now, and resolve with the report once each is accepted or has failed.
   *
   * Batches are validated (unless they came from `BatchBuilder.build()` or `parseBatch()`), given a
   * `source_request_id` if they lack one (on a copy; your object is not changed), packed into as few
   * requests as the limits allow and sent through the client's rate limiter. Rejects before sending
   * anything with a `ValidationError` for an invalid batch or one over 128 KB, and with a
   * `ClientClosedError` after `close()`. Rejects with a `DeliveryError` holding the report if any batch
   * was not delivered; the failed ones also go to `onDeadLetter`.
   *
   * @example
   * ```ts
   * import { EventsClient, DeliveryError } from 'mparticle-events';
   *
   * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
   * try {
   *   const report = await client.send([batchA, batchB]);
   *   console.log(report.accepted, 'accepted');
   * } catch (error) {
   *   if (error instanceof DeliveryError) console.error(error.report.failures);
   * }
   * ```
   */
  async send(batches: Batch | readonly Batch[], options: SendOptions = {}): Promise<DeliveryReport> {
    const startedAt = Date.now();
    if (this.#closed) throw new ClientClosedError('The client is closed: send() refused the batches');
    const historical = options.historical === true;
    const list: readonly Batch[] = Array.isArray(batches) ? batches : [batches as Batch];
    const builder = new ReportBuilder();
    const items = list.map((batch, index) =>
      this.#prepare(batch, {
        historical,
        queued: false,
        reports: [builder],
        context: Array.isArray(batches) ? `Invalid batch at index ${index}` : 'Invalid batch',
      }),
    );
    if (items.length === 0) return builder.build(startedAt, Date.now(), this.#pace());
    const release = this.#keepAlive.hold();
    try {
      for (const { item } of items) this.#unsettledSent.add(item);
      const requests = packRequests(
        items.map(({ item }) => item),
        this.#packLimits,
      );
      await Promise.all(requests.map((request) => this.#deliver(request, historical)));
      await this.#deadLettersSettled();
      const report = builder.build(startedAt, Date.now(), this.#pace());
      this.#log('info', 'send finished', summary(report));
      if (report.failed + report.dropped > 0) throw new DeliveryError(report);
      return report;
    } finally {
      release();
    }
  }

  /**
   * Queue one batch for background delivery and return a promise of its outcome.
   *
   * Queued batches are sent when a request's worth has gathered, when `queue.flushIntervalMs` passes,
   * or on `flush()` / `close()`. The promise never rejects: it resolves with `{ status: 'accepted' }` or
   * a {@link DeliveryFailure} (`failed` or `dropped`), so ignoring it is safe. `enqueue()` itself throws,
   * queueing nothing, for an invalid batch (`ValidationError`), after `close()` (`ClientClosedError`), and
   * with `onFull: 'reject'` when the queue is full (`QueueFullError`).
   *
   * @example
   * ```ts
   * import { EventsClient } from 'mparticle-events';
   *
   * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
   * client.enqueue(batch); // fire and forget: the outcome is in the next flush() report
   * const outcome = await client.enqueue(otherBatch);
   * console.log(outcome.status);
   * ```
   */
  enqueue(batch: Batch): Promise<BatchOutcome> {
    if (this.#closed) throw new ClientClosedError('The client is closed: enqueue() refused the batch');
    const { item, outcome } = this.#prepare(batch, {
      historical: false,
      queued: true,
      reports: [this.#epoch],
      context: 'Invalid batch',
      admits: this.#admits,
    });
    const admission = this.#queue.offer(item);
    if (admission.rejected) {
      throw new QueueFullError('reject', this.#queue.maxBatches, this.#queue.maxBytes);
    }
    if (admission.admitted) {
      this.#lastQueuedSeq = item.seq;
      this.#unsettledQueued.set(item.seq, item);
    }
    for (const dropped of admission.dropped) {
      const error = new QueueFullError(this.#queue.policy, this.#queue.maxBatches, this.#queue.maxBytes);
      // The queue already released drop-oldest victims, and never held a dropped newcomer.
      this.#settle(dropped, { status: 'dropped', error }, false);
    }
    this.#pump();
    return outcome;
  }

  /**
   * Send everything enqueued so far and resolve, once each batch is accepted or has failed, with the
   * report of the batches enqueued since the previous `flush()` call. Waits for any flush already in
   * progress too, and for `onDeadLetter` calls. Never rejects.
   *
   * With `timeoutMs`, resolves by that deadline at the latest, with what settled by then: the batches
   * still queued or in flight are counted in `report.pending` and keep going (they are not failed, and
   * the client stays open), so a serverless handler can return in time and a warm invocation later
   * delivers the rest. A bad `timeoutMs` throws a `ConfigurationError` (synchronously: the returned
   * promise itself never rejects).
   *
   * @example
   * ```ts
   * import { EventsClient } from 'mparticle-events';
   *
   * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
   * for (const batch of batches) client.enqueue(batch);
   * const report = await client.flush();
   * if (report.failed > 0) console.error(report.failures);
   * const bounded = await client.flush({ timeoutMs: 2_000 }); // at most ~2 s; the rest keeps going
   * console.log(`${bounded.pending} batches still on their way`);
   * ```
   */
  flush(options: FlushOptions = {}): Promise<DeliveryReport> {
    const { timeoutMs } = options;
    if (
      timeoutMs !== undefined &&
      (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs === Number.POSITIVE_INFINITY)
    ) {
      throw new ConfigurationError('timeoutMs', 'flush() needs a finite number of milliseconds >= 0');
    }
    return this.#flush(timeoutMs);
  }

  /**
   * Stop taking batches, deliver what is queued and in flight until the deadline, then abort what is
   * left, and resolve with the report. Never rejects, and resolves within `timeoutMs` plus a few
   * hundred milliseconds at most.
   *
   * Every batch still undelivered at the deadline fails with a `ClientClosedError`, is listed in the
   * report and goes to `onDeadLetter`. Afterwards `send()` and `enqueue()` throw `ClientClosedError`.
   * Calling `close()` again returns the same promise. A bad `timeoutMs` throws a `ConfigurationError`
   * (synchronously: the returned promise itself never rejects).
   *
   * @example
   * ```ts
   * import { EventsClient } from 'mparticle-events';
   *
   * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
   * // …enqueue…
   * const report = await client.close({ timeoutMs: 5_000 });
   * console.log(`${report.accepted} delivered, ${report.failed} undelivered`);
   * ```
   */
  close(options: CloseOptions = {}): Promise<DeliveryReport> {
    if (!this.#closing) {
      const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
      if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs === Number.POSITIVE_INFINITY) {
        throw new ConfigurationError('timeoutMs', 'close() needs a finite number of milliseconds >= 0');
      }
      this.#closing = this.#close(timeoutMs);
    }
    return this.#closing;
  }

  /**
   * Listen to an event; returns a function that removes the listener. What a listener throws is caught
   * and emitted as `error` (and logged), never thrown into delivery.
   *
   * @example
   * ```ts
   * import { EventsClient } from 'mparticle-events';
   *
   * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
   * const stop = client.on('rateLimited', (e) => console.warn(`429 (${e.exceeded}), pausing ${e.pauseMs} ms`));
   * stop();
   * ```
   */
  on<K extends keyof EventsClientEvents>(event: K, listener: EventsClientListener<K>): () => void {
    return this.#emitter.on(event, listener);
  }

  /**
   * Remove a listener added with {@link EventsClient.on}.
   *
   * @example
   * ```ts
   * import { EventsClient } from 'mparticle-events';
   *
   * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
   * const log = (e: { status: number }) => console.log(e.status);
   * client.on('response', log);
   * client.off('response', log);
   * ```
   */
  off<K extends keyof EventsClientEvents>(event: K, listener: EventsClientListener<K>): void {
    this.#emitter.off(event, listener);
  }

  /** A safe description for `JSON.stringify`: the endpoint and a redacted key, never the secret. */
  toJSON(): Record<string, unknown> {
    return this.#describe();
  }

  /** What `util.inspect` and `console.log` show: the endpoint and a redacted key, never the secret. */
  [INSPECT](): Record<string, unknown> {
    return this.#describe();
  }

  #describe(): Record<string, unknown> {
    const { apiKey, pod, baseUrl } = this.#options;
    return {
      name: 'EventsClient',
      ...(pod ? { pod } : {}),
      baseUrl,
      apiKey: `${apiKey.slice(0, Math.min(4, Math.floor(apiKey.length / 3)))}…`,
      closed: this.#closed,
    };
  }

  // ---------------------------------------------------------------------------------------------------
  // Preparing batches

  /** Validate a batch, give it a source_request_id, serialize and measure it. Throws before any send. */
  #prepare(
    batch: Batch,
    how: {
      historical: boolean;
      queued: boolean;
      reports: ReportBuilder[];
      context: string;
      /** Whether the queue may take a batch of at least this many bytes; no bytes are made if not. */
      admits?: (minBytes: number) => boolean;
    },
  ): { item: Item; outcome: Promise<BatchOutcome> } {
    let valid: Batch;
    if (isValidatedBatch(batch)) valid = batch;
    else {
      try {
        valid = parseBatch(batch);
      } catch (error) {
        if (error instanceof ValidationError) throw new ValidationError(error.issues, how.context);
        throw error;
      }
    }
    if (how.historical) {
      const issues = historicalIssues(valid, Date.now());
      if (issues.length > 0) {
        throw new ValidationError(issues, `${how.context} for the historical endpoint`);
      }
    }
    let sourceRequestId = valid.source_request_id;
    let json = serializeBatch(valid);
    if (sourceRequestId === undefined) {
      // Assigned once, before the first attempt, and kept across retries and splits so mParticle's
      // dedupe makes retries safe (events-api.md §1.7). The caller's (frozen) batch is not changed: the
      // id is written into the serialized text, which is what failures re-create their batch from.
      sourceRequestId = randomUuid();
      const field = `"source_request_id":${JSON.stringify(sourceRequestId)}`;
      json = json === '{}' ? `{${field}}` : `{${field},${json.slice(1)}`;
    } else if (sourceRequestId === null) {
      // An explicit null is in the text already: validate a copy with an id instead.
      sourceRequestId = randomUuid();
      json = serializeBatch(parseBatch({ ...valid, source_request_id: sourceRequestId }));
    }
    // Encoding measures the size exactly, and the bytes are what requests are made of. A batch the full
    // queue will refuse anyway (its text's length is a lower bound of its UTF-8 size) is not encoded: its
    // failure keeps the text, which the caller's batch holds already, rather than new bytes.
    let data: Uint8Array<ArrayBuffer> | undefined;
    let bytes: number;
    if (how.admits === undefined || how.admits(json.length)) {
      data = encodeJson(json);
      bytes = data.length;
    } else bytes = json.length * 3 > MAX_BATCH_BYTES ? utf8ByteLength(json) : json.length;
    const problem = oversizeProblem(bytes);
    if (problem) {
      throw new ValidationError([{ path: '', segments: [], code: 'too_big', message: problem }], how.context);
    }
    let resolve!: (outcome: BatchOutcome) => void;
    const outcome = new Promise<BatchOutcome>((r) => {
      resolve = r;
    });
    const item: Item = {
      seq: ++this.#seq,
      sourceRequestId,
      data,
      json: data === undefined ? json : undefined,
      bytes,
      queued: how.queued,
      reports: how.reports,
      resolve,
      attempts: 0,
      settled: false,
    };
    return { item, outcome };
  }

  // ---------------------------------------------------------------------------------------------------
  // The background queue

  /**
   * Move queued batches into requests: full requests at once, a partial one only when it is due (a
   * flush, the interval timer, close). At most twice the concurrency is dispatched at a time, so a slow
   * or failing server backs the queue up (and its bounds apply) instead of piling work in the limiter.
   */
  #pump(): void {
    const maxDispatched = this.#options.maxConcurrentRequests * 2;
    while (
      this.#queue.length > 0 &&
      this.#dispatched < maxDispatched &&
      !this.#closeController.signal.aborted
    ) {
      const due = (this.#queue.peek() as Item).seq <= this.#drainUpTo;
      const { maxBatches, maxBytes } = this.#packLimits;
      const length = this.#queue.length;
      // Not yet a full request, and not due: the common case on every enqueue(), decided without copying
      // the waiting batches (a request is full once it holds maxBatches, or the next batch would not fit).
      if (!due && length < maxBatches && bulkBodyBytes(this.#queue.waitingBytes, length) <= maxBytes) break;
      const count = takeRequest(this.#queue.waiting(maxBatches), this.#packLimits);
      const full = count < length || count >= maxBatches;
      if (!full && !due) break;
      const items = this.#queue.take(count);
      this.#dispatched++;
      void this.#deliver(items, false).finally(() => {
        this.#dispatched--;
        this.#pump();
      });
    }
    if (this.#queue.length === 0) this.#clearTimer();
    else if (this.#timer === undefined && !this.#closed) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#drainUpTo = Math.max(this.#drainUpTo, this.#lastQueuedSeq);
        this.#pump();
      }, this.#options.queue.flushIntervalMs);
      unrefTimer(this.#timer);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Resolves once every queued batch up to `marker` is settled. */
  #queuedSettled(marker: number): Promise<void> {
    if (this.#firstUnsettledQueued() > marker) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push({ marker, resolve }));
  }

  #firstUnsettledQueued(): number {
    const first = this.#unsettledQueued.keys().next();
    return first.done ? Number.POSITIVE_INFINITY : first.value;
  }

  /** Resolves once no batch is queued or in flight (enqueued or sent). */
  #allSettled(): Promise<void> {
    if (this.#unsettledQueued.size === 0 && this.#unsettledSent.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #deadLettersSettled(): Promise<void> {
    while (this.#deadLetters.size > 0) await Promise.allSettled([...this.#deadLetters]);
  }

  // ---------------------------------------------------------------------------------------------------
  // Delivery

  /**
   * Deliver one request's batches: attempts through the rate limiter, retried by p-retry; a 400 or 413 on
   * several batches splits the request in halves, resent at once (no backoff: the server answered, and
   * one bad batch must not sink the others), until the bad batches stand alone. Never rejects: every
   * batch is settled.
   */
  async #deliver(items: Item[], historical: boolean): Promise<void> {
    const bulk = historical || items.length > 1;
    const endpoint: Endpoint = historical ? 'historical' : bulk ? 'bulkevents' : 'events';
    const path = historical ? '/bulkevents/historical' : bulk ? '/bulkevents' : '/events';
    const url = `${this.#options.baseUrl}${path}`;
    // Only encoded batches are ever queued or sent (`data` is undefined only for a refused one).
    const body = requestBody(items as readonly Encoded[], bulk);
    const bytes = body.byteLength;
    // Each delivery gets its own signal, aborted with the client's at the close deadline: the waits
    // and attempts of one delivery add their listeners to it, not dozens to one client-wide signal.
    const controller = new AbortController();
    if (this.#closeController.signal.aborted) controller.abort(this.#closeController.signal.reason);
    this.#deliveryControllers.add(controller);
    const signal = controller.signal;
    const policy = this.#options.retry;
    let firstSentAt: number | undefined;
    let lastError: unknown;

    const attempt = async (attemptNumber: number): Promise<void> => {
      const scheduledAt = Date.now();
      await this.#limiter.schedule(
        items.length,
        async () => {
          const sentAt = Date.now();
          firstSentAt ??= sentAt;
          const builders = buildersOf(items);
          for (const builder of builders) builder.addRequest(sentAt - scheduledAt);
          for (const item of items) item.attempts++;
          this.#emitter.emit('request', {
            endpoint,
            url,
            attempt: attemptNumber,
            batches: items.length,
            bytes,
            sourceRequestIds: items.map((item) => item.sourceRequestId),
          });
          this.#log('debug', 'request', { url, attempt: attemptNumber, batches: items.length, bytes });

          let response: Awaited<ReturnType<typeof postOnce>>;
          try {
            response = await postOnce({
              url,
              body,
              authorization: this.#authorization,
              timeoutMs: this.#options.timeoutMs,
              signal,
              fetch: this.#options.fetch,
              transport: this.#transport,
            });
          } catch (error) {
            if (signal.aborted) throw new AbortError(asError(error));
            lastError = error;
            throw error;
          }

          const { status, headers } = response;
          const percentageUsed = parsePercentage(headers['x-mp-rate-limit-percentage-used']);
          const exceeded = headers['x-mp-rate-limit-exceeded'];
          for (const builder of builders) builder.addRateLimit(status, percentageUsed, exceeded);
          this.#pacer?.observe({
            status,
            batches: items.length,
            percentageUsed,
            exceeded: exceeded?.trim().toLowerCase(),
          });
          this.#emitter.emit('response', {
            endpoint,
            url,
            attempt: attemptNumber,
            batches: items.length,
            status,
            durationMs: Date.now() - sentAt,
            ...(percentageUsed !== undefined ? { percentageUsed } : {}),
            ...(exceeded !== undefined ? { rateLimitExceeded: exceeded } : {}),
          });
          this.#log('debug', 'response', { url, attempt: attemptNumber, status });
          if (status >= 200 && status < 300) return;

          const error = ApiError.from({ status, headers, body: response.body, method: 'POST', url });
          lastError = error;
          const retryAfterMs = error.retryable ? parseRetryAfter(headers['retry-after']) : undefined;
          const pauseMs = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.maxRetryAfterMs);
          // A Retry-After holds every request of this client, not just this one, and no other client
          // (events-api.md §7 implication 1; peer SDKs got this wrong process-wide).
          if (pauseMs > 0) this.#limiter.pause(pauseMs);
          if (status === 429) {
            this.#emitter.emit('rateLimited', {
              url,
              ...(exceeded !== undefined ? { exceeded } : {}),
              ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
              pauseMs,
            });
            this.#log('warn', 'rate limited (429)', { url, exceeded, pauseMs });
          }
          if (shouldSplit(error, items.length) || !error.retryable) throw new AbortError(error);
          throw error;
        },
        signal,
      );
    };

    try {
      await pRetry(attempt, {
        retries: policy.retries,
        // The waits are ours (full jitter, Retry-After), taken in shouldRetry below: p-retry has no hook
        // for a computed delay, so its own is zero.
        minTimeout: 0,
        factor: 1,
        unref: true,
        signal,
        shouldRetry: async ({ error, attemptNumber }) => {
          const failure = classifyFailure(error);
          if (!failure.retryable || signal.aborted) return false;
          const backoff = retryDelay(attemptNumber, failure, policy);
          const { retryAfterMs } = backoff;
          // An `acceleration` 429 asks for a slower ramp, not a stop (events-api.md §1.5): the pacer has
          // already held the pace, so without a Retry-After the retry waits one pacing interval instead of
          // backing off hard.
          const paced =
            this.#pacer && error instanceof RateLimitError && retryAfterMs === undefined
              ? this.#pacer.retryDelayMs({
                  exceeded: error.limit?.trim().toLowerCase(),
                  weight: items.length,
                })
              : undefined;
          const delayMs = paced ?? backoff.delayMs;
          // The retry budget runs from the first attempt actually sent, so time queued behind the rate
          // limiter does not eat it.
          const elapsed = firstSentAt === undefined ? 0 : Date.now() - firstSentAt;
          if (elapsed + delayMs > policy.maxRetryTimeMs) return false;
          this.#emitter.emit('retry', {
            endpoint,
            url,
            attempt: attemptNumber,
            batches: items.length,
            error,
            delayMs,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
          this.#log('warn', 'retrying', { url, attempt: attemptNumber, delayMs, error: error.message });
          for (const builder of buildersOf(items)) builder.addWait(delayMs);
          await sleep(delayMs, signal);
          return true;
        },
      });
      for (const item of items) this.#settle(item, { status: 'accepted' });
    } catch (thrown) {
      const error = this.#finalError(thrown, lastError, signal);
      if (shouldSplit(error, items.length) && !signal.aborted) {
        const middle = Math.ceil(items.length / 2);
        this.#log(
          'debug',
          `splitting a request of ${items.length} batches after ${(error as ApiError).status}`,
        );
        await Promise.all([
          this.#deliver(items.slice(0, middle), historical),
          this.#deliver(items.slice(middle), historical),
        ]);
        return;
      }
      for (const item of items) this.#settle(item, { status: 'failed', error });
    } finally {
      this.#deliveryControllers.delete(controller);
    }
  }

  /** The error a batch fails with: the server's or the network's, or "closed" when close() cut it short. */
  #finalError(thrown: unknown, lastError: unknown, signal: AbortSignal): MParticleEventsError {
    // What the server answered stands, even if close() came right after.
    if (thrown instanceof ApiError) return thrown;
    if (signal.aborted || thrown instanceof LimiterStoppedError) {
      return new ClientClosedError(
        `The client closed before the batch was delivered${
          lastError instanceof Error ? ` (last attempt: ${lastError.message})` : ''
        }`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    if (thrown instanceof MParticleEventsError) return thrown;
    // Not expected: something other than this package's errors escaped. Keep it as the cause.
    return new MParticleEventsError(`Delivery failed unexpectedly: ${describe(thrown)}`, { cause: thrown });
  }

  /** Record a batch's final outcome, once: resolve its promise, count it, dead-letter a failure. */
  #settle(
    item: Item,
    result: { status: 'accepted' } | { status: 'failed' | 'dropped'; error: MParticleEventsError },
    release = item.queued,
  ): void {
    if (item.settled) return;
    item.settled = true;
    const outcome: BatchOutcome =
      result.status === 'accepted'
        ? { status: 'accepted', sourceRequestId: item.sourceRequestId, attempts: item.attempts }
        : failureOutcome(result.status, item, result.error);
    for (const builder of item.reports) builder.addOutcome(outcome);
    item.resolve(outcome);
    if (outcome.status !== 'accepted') this.#deadLetter(outcome);
    if (item.queued) {
      if (release) this.#queue.release(item);
      this.#unsettledQueued.delete(item.seq);
      if (this.#flushWaiters.length > 0) {
        // Only when someone waits: the first key of a Map emptied from the front is not free to find.
        const first = this.#firstUnsettledQueued();
        const due = this.#flushWaiters.filter((w) => w.marker < first);
        this.#flushWaiters = this.#flushWaiters.filter((w) => w.marker >= first);
        for (const waiter of due) waiter.resolve();
      }
    } else this.#unsettledSent.delete(item);
    if (this.#unsettledQueued.size === 0 && this.#unsettledSent.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #deadLetter(failure: DeliveryFailure): void {
    if (failure.status === 'dropped') {
      this.#emitter.emit('dropped', failure);
      this.#log('warn', 'batch dropped: queue full', { sourceRequestId: failure.sourceRequestId });
    } else {
      this.#log('error', 'batch not delivered', {
        sourceRequestId: failure.sourceRequestId,
        attempts: failure.attempts,
        error: failure.error.message,
      });
    }
    this.#emitter.emit('deadLetter', failure);
    const handler = this.#options.onDeadLetter;
    if (!handler) return;
    let pending: Promise<void>;
    try {
      pending = Promise.resolve(handler(failure)).then(
        () => {},
        (error: unknown) => this.#reportInternalError('onDeadLetter', error),
      );
    } catch (error) {
      this.#reportInternalError('onDeadLetter', error);
      return;
    }
    this.#deadLetters.add(pending);
    void pending.finally(() => this.#deadLetters.delete(pending));
  }

  // ---------------------------------------------------------------------------------------------------
  // Flushing and closing

  async #flush(timeoutMs: number | undefined): Promise<DeliveryReport> {
    const startedAt = Date.now();
    const builder = this.#epoch;
    this.#epoch = new ReportBuilder(this.#options.queue.maxReportedFailures);
    const marker = this.#lastQueuedSeq;
    const release = this.#keepAlive.hold();
    try {
      this.#drainUpTo = Math.max(this.#drainUpTo, marker);
      this.#pump();
      const settled = this.#queuedSettled(marker).then(() => this.#deadLettersSettled());
      // The deadline's timer is unref'd and cleared as soon as the work settles (raceTimeout).
      if (timeoutMs !== undefined && !(await raceTimeout(settled, timeoutMs))) {
        const pending = this.#carryOver(builder);
        const report = builder.build(startedAt, Date.now(), this.#pace(), pending);
        this.#log('info', 'flush deadline reached: the rest keeps going', { ...summary(report), pending });
        return report;
      }
      await settled;
      const report = builder.build(startedAt, Date.now(), this.#pace());
      this.#log('info', 'flush finished', summary(report));
      return report;
    } catch (error) {
      // Nothing above is expected to throw; flush() must still resolve.
      this.#reportInternalError('flush', error);
      return builder.build(startedAt, Date.now(), this.#pace(), this.#carryOver(builder));
    } finally {
      release();
    }
  }

  /**
   * Move the unsettled batches a flush report covers into the current epoch, so the next `flush()` report
   * counts their outcomes instead of one already returned. Returns how many there were.
   */
  #carryOver(builder: ReportBuilder): number {
    let pending = 0;
    for (const item of this.#unsettledQueued.values()) {
      const index = item.reports.indexOf(builder);
      if (index < 0) continue;
      pending++;
      item.reports.splice(index, 1);
      if (!item.reports.includes(this.#epoch)) item.reports.push(this.#epoch);
    }
    return pending;
  }

  async #close(timeoutMs: number): Promise<DeliveryReport> {
    const startedAt = Date.now();
    const deadline = startedAt + timeoutMs;
    const release = this.#keepAlive.hold();
    this.#closed = true;
    const builder = this.#epoch;
    this.#epoch = new ReportBuilder(this.#options.queue.maxReportedFailures);
    // The close report covers what no flush report will: batches enqueued since the last flush() call,
    // and every batch, enqueued or sent, still undelivered now.
    for (const item of [...this.#unsettledQueued.values(), ...this.#unsettledSent]) {
      if (!item.reports.includes(builder)) item.reports.push(builder);
    }
    try {
      this.#drainUpTo = this.#lastQueuedSeq;
      this.#pump();
      const drained = await raceTimeout(this.#allSettled(), timeoutMs);
      if (!drained) {
        this.#log('warn', 'close deadline reached: aborting undelivered batches', {
          undelivered: this.#unsettledQueued.size + this.#unsettledSent.size,
        });
        const reason = new ClientClosedError('The client closed before the batch was delivered');
        this.#closeController.abort(reason);
        for (const controller of this.#deliveryControllers) controller.abort(reason);
        for (const item of this.#queue.take(this.#queue.length)) {
          this.#settle(item, {
            status: 'failed',
            error: new ClientClosedError('The client closed before the batch was sent'),
          });
        }
        void this.#stopLimiter();
        // In-flight attempts and retry waits see the abort at once; give them a moment to settle with
        // their last error as the cause, then settle whatever is left.
        await raceTimeout(this.#allSettled(), CLOSE_SLACK_MS);
        for (const item of [...this.#unsettledQueued.values(), ...this.#unsettledSent]) {
          this.#settle(item, {
            status: 'failed',
            error: new ClientClosedError('The client closed before the batch was delivered'),
          });
        }
      }
      this.#clearTimer();
      // A shared limiter closes its Redis connections here; they would keep the process alive.
      await raceTimeout(this.#stopLimiter(), Math.max(0, deadline - Date.now()) + CLOSE_SLACK_MS);
      await raceTimeout(this.#deadLettersSettled(), Math.max(0, deadline - Date.now()) + CLOSE_SLACK_MS);
      // Nothing is in flight any more: end the keep-alive connections.
      this.#transport?.close();
      const report = builder.build(startedAt, Date.now(), this.#pace());
      this.#log('info', 'client closed', summary(report));
      return report;
    } catch (error) {
      // Nothing above is expected to throw; close() must still resolve.
      this.#reportInternalError('close', error);
      return builder.build(startedAt, Date.now(), this.#pace());
    } finally {
      release();
    }
  }

  /** Stop the limiter once; every caller gets the same promise, which never rejects. */
  #stopLimiter(): Promise<void> {
    this.#limiterStopped ??= this.#limiter.stop().catch((error: unknown) => {
      this.#reportInternalError('rate limiter stop', error);
    });
    return this.#limiterStopped;
  }

  /** Adaptive pacing's state for a report: the pace in force, and whether it is below the configured rate. */
  #pace(): { rate: number; slowed: boolean } | undefined {
    const pacer = this.#pacer;
    if (!pacer) return undefined;
    return { rate: pacer.currentRate, slowed: pacer.currentRate < pacer.configuredRate };
  }

  // ---------------------------------------------------------------------------------------------------
  // Logging

  #log(level: keyof Logger, message: string, context?: Record<string, unknown>): void {
    const write = this.#logger[level];
    if (typeof write !== 'function') return;
    try {
      write.call(this.#logger, `[mparticle-events] ${message}`, context);
    } catch (error) {
      if (this.#emitter.has('error')) this.#emitter.emit('error', { source: 'logger', error });
    }
  }

  #reportInternalError(source: string, error: unknown): void {
    this.#log('error', `${source} threw`, { error: describe(error) });
    this.#emitter.emit('error', { source, error });
  }
}

/**
 * A failed or dropped batch's outcome. Its `batch` is parsed from the text sent on first access (and then
 * kept): reports and `enqueue()` promises hold every failure until the next `flush()`, and with a stalled
 * server that is every dropped batch, so holding only the text keeps them at about their JSON size.
 */
function failureOutcome(
  status: 'failed' | 'dropped',
  item: Item,
  error: MParticleEventsError,
): DeliveryFailure {
  const { data, json, sourceRequestId, attempts } = item;
  let batch: Batch | undefined;
  return {
    status,
    sourceRequestId,
    // The bytes (or text) are what serializeBatch wrote for a validated batch, so they parse back to an
    // equal batch.
    get batch(): Batch {
      batch ??= parseBatchJson(json ?? decoder.decode(data));
      return batch;
    },
    error,
    attempts,
  };
}

function buildersOf(items: readonly Item[]): Set<ReportBuilder> {
  const builders = new Set<ReportBuilder>();
  for (const item of items) for (const builder of item.reports) builders.add(builder);
  return builders;
}

/** Whether `promise` settles within `ms`; the timer is cleared either way. */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise.then(() => true),
      sleep(ms, timer.signal).then(
        () => false,
        () => false,
      ),
    ]);
  } finally {
    timer.abort();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function parsePercentage(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function summary(report: DeliveryReport): Record<string, unknown> {
  return {
    accepted: report.accepted,
    failed: report.failed,
    dropped: report.dropped,
    retried: report.retried,
    requests: report.requests,
    durationMs: report.durationMs,
  };
}
