/**
 * One rate limit for a whole fleet: every process that sends to the same pod with the same API key draws
 * from one budget of batches per second, held in Redis through bottleneck's clustering, with a local
 * fallback when Redis is unreachable (issue 6).
 *
 * mParticle's limit (270 batches per second by default) belongs to the org, not to a process
 * (events-api.md §2.2). The budget is split into one-batch slots on one schedule in Redis: bottleneck's
 * `minTime` gives each slot its own start time, `1000 / batchesPerSecond` ms after the previous one, in
 * whichever process asks next. A request of `weight` batches starts once its `weight` slots have come.
 * That paces smoothly (no reservoir refill releasing a window's budget at once), and a slot, once granted,
 * runs on a local timer: a process whose Redis dies keeps the slots it was granted, and a process that dies
 * only wastes the few slots it had reserved ahead.
 *
 * @module
 */

import type Bottleneck from 'bottleneck';
import { ConfigurationError } from '../errors.js';
import { Emitter } from '../internal/emitter.js';
import { Semaphore } from '../internal/semaphore.js';
import { DEFAULT_BATCHES_PER_SECOND } from '../limits.js';
import { LimiterStoppedError, maxBatchesPerPacedRequest } from '../transport/rate-limiter.js';
import { unrefTimer } from '../transport/timers.js';
import {
  checkRedisClient,
  describeRedisError,
  type OwnedRedis,
  openRedis,
  type RedisClientLike,
  sharedRateLimitId,
} from './redis.js';
import { SlotQueue } from './slots.js';

/**
 * The `rateLimit.redis` option: where the shared budget lives and how the limiter behaves when it cannot
 * reach it.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   rateLimit: { batchesPerSecond: 270, redis: { client: new Redis(), expectedProcesses: 8 } },
 * });
 * ```
 */
export interface RedisRateLimitOptions {
  /**
   * An ioredis client (the limiter opens its own connections with `duplicate()` and never touches yours), or
   * a `redis://` /
   * `rediss://` URL (then ioredis, an optional peer dependency, is loaded on demand).
   */
  client: RedisClientLike | string;
  /**
   * The name of the shared budget in Redis. Every limiter with the same id shares one budget.
   * @default `mparticle-events:<pod>:<first 16 hex digits of sha256(apiKey)>`
   */
  id?: string;
  /**
   * How many processes normally share the budget. While Redis is unreachable each process sends at
   * `batchesPerSecond / expectedProcesses`.
   * @default 4
   */
  expectedProcesses?: number;
  /**
   * How long a slot may wait for Redis to grant it before this process falls back to its local limit, in
   * milliseconds. Redis normally answers in well under a millisecond.
   * @default 2000
   */
  timeoutMs?: number;
  /**
   * While falling back, how often Redis is tried again, in milliseconds.
   * @default 1000
   */
  retryIntervalMs?: number;
  /**
   * A process that has not been heard from for this long no longer counts in `activeProcesses` and is
   * forgotten by the shared schedule (bottleneck's `clientTimeout`), in milliseconds.
   * @default 5000
   */
  clientTimeoutMs?: number;
}

/**
 * Options of a {@link SharedRateLimiter}.
 *
 * @example
 * ```ts
 * import { SharedRateLimiter } from 'mparticle-events';
 *
 * const limiter = new SharedRateLimiter({
 *   apiKey: 'key',
 *   pod: 'us1',
 *   batchesPerSecond: 270,
 *   redis: { client: 'redis://127.0.0.1:6379' },
 * });
 * ```
 */
export interface SharedRateLimiterOptions {
  /** The API key the budget belongs to. Only its SHA-256 hash is used, in the default id. */
  apiKey: string;
  /**
   * The pod the budget belongs to, part of the default id (a custom `baseUrl`'s host works too).
   * @default 'us1'
   */
  pod?: string;
  /**
   * The budget shared by every process, in batches per second (events-api.md §2.2).
   * @default 270
   */
  batchesPerSecond?: number;
  /**
   * Requests in flight at once in this process (not across the fleet).
   * @default 10
   */
  maxConcurrentRequests?: number;
  /** Where the shared budget lives. */
  redis: RedisRateLimitOptions;
}

/**
 * Where a {@link SharedRateLimiter} takes its slots from.
 *
 * @example
 * ```ts
 * import { SharedRateLimiter } from 'mparticle-events';
 *
 * const limiter = new SharedRateLimiter({ apiKey: 'key', redis: { client: 'redis://127.0.0.1:6379' } });
 * if (limiter.mode === 'local') console.warn('Redis is unreachable: pacing locally');
 * ```
 */
export type SharedRateLimiterMode = 'connecting' | 'shared' | 'local' | 'stopped';

/**
 * The payload of `'rateLimitFallback'`: Redis failed and this process now paces itself.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   rateLimit: { batchesPerSecond: 270, redis: { client: 'redis://127.0.0.1:6379' } },
 * });
 * client.on('rateLimitFallback', (e) => console.warn(`pacing locally at ${e.localRate}/s: ${e.reason}`));
 * ```
 */
export interface RateLimitFallbackEvent {
  /** What failed, in words. Never holds credentials. */
  reason: string;
  /** The local pace now in force, in batches per second: the shared rate ÷ `expectedProcesses`. */
  localRate: number;
  /** The shared budget's id. */
  id: string;
}

/**
 * The payload of `'rateLimitRestored'`: Redis answers again and the shared budget is back in force.
 *
 * @example
 * ```ts
 * import { EventsClient } from 'mparticle-events';
 *
 * const client = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   rateLimit: { batchesPerSecond: 270, redis: { client: 'redis://127.0.0.1:6379' } },
 * });
 * client.on('rateLimitRestored', (e) => console.info(`shared budget back after ${e.downMs} ms`));
 * ```
 */
export interface RateLimitRestoredEvent {
  /** How long this process paced itself, in milliseconds. */
  downMs: number;
  /** The shared pace now in force, in batches per second. */
  rate: number;
  /** The shared budget's id. */
  id: string;
}

/**
 * Events of a {@link SharedRateLimiter}.
 *
 * @example
 * ```ts
 * import { SharedRateLimiter } from 'mparticle-events';
 *
 * const limiter = new SharedRateLimiter({ apiKey: 'key', redis: { client: 'redis://127.0.0.1:6379' } });
 * limiter.on('rateLimitFallback', (e) => console.warn(e.reason));
 * limiter.on('rateLimitRestored', (e) => console.info(e.rate));
 * ```
 */
export interface SharedRateLimiterEvents {
  /** Redis is unreachable: sending goes on under the local limit. */
  rateLimitFallback: RateLimitFallbackEvent;
  /** Redis is back: the shared budget is in force again. */
  rateLimitRestored: RateLimitRestoredEvent;
}

/** One slot handed to the shared schedule and not yet granted. */
interface PendingSlot {
  fire: () => void;
  timer: ReturnType<typeof setTimeout>;
  /** Moved to the local limiter (or the limiter stopped): a late grant or firing is ignored. */
  abandoned: boolean;
  /** Its time came and `fire` was called. */
  fired: boolean;
}

/**
 * bottleneck, loaded when the first shared limiter is made: a client without `rateLimit.redis` never needs
 * it, and loading it added about 12 ms to importing the package (docs/BENCHMARKS.md).
 */
let bottleneckLoading: Promise<typeof Bottleneck> | undefined;
function loadBottleneck(): Promise<typeof Bottleneck> {
  bottleneckLoading ??= import('bottleneck').then((module) => {
    const found = (module as { default?: typeof Bottleneck }).default;
    return found ?? (module as unknown as typeof Bottleneck);
  });
  return bottleneckLoading;
}

/** Bottleneck options its typings leave out (RedisDatastore reads them). */
interface ClusterOptions extends Bottleneck.ConstructorOptions {
  heartbeatInterval: number;
  clientTimeout: number;
}

/**
 * Slots a process keeps reserved ahead at least, so a Redis round trip never leaves it without a slot; a
 * process that dies wastes at most this many (or `maxWeight`) slots.
 */
const MIN_RESERVED_SLOTS = 16;

/**
 * A rate limiter whose budget of batches per second is shared by every process using the same Redis,
 * pod and API key, with a local fallback while Redis is unreachable. It has the shape of the client's own
 * limiter (`schedule`, `pause`, `pausedUntil`, `updateSettings`, `stop`), so an `EventsClient` delivers
 * through it unchanged.
 *
 * - **Pacing.** Each batch of a request takes one slot on a schedule kept in Redis (bottleneck's
 *   clustering, `minTime` = 1000 / `batchesPerSecond`); the request starts when its last slot comes. Keep
 *   requests to {@link SharedRateLimiter.maxWeight} batches so no one-second window goes much past the
 *   budget. A process reserves only a few slots ahead, so processes interleave fairly and one that dies
 *   wastes at most those few.
 * - **Fallback.** If Redis closes the connection, fails a command, or does not grant a slot within
 *   `timeoutMs`, the slots not yet granted move to a local limiter at `batchesPerSecond /
 *   expectedProcesses`, `'rateLimitFallback'` is emitted, and Redis is tried every `retryIntervalMs`; once
 *   it answers, `'rateLimitRestored'` is emitted and new slots use the shared schedule again. Every
 *   request runs exactly once either way: the task itself never runs inside bottleneck.
 * - **Concurrency** (`maxConcurrentRequests`) and **Retry-After pauses** ({@link SharedRateLimiter.pause})
 *   apply to this process only.
 * - {@link SharedRateLimiter.updateSettings} with a new `batchesPerSecond` changes the shared pace for the
 *   whole fleet (the last writer wins), which is how adaptive pacing applies.
 *
 * Call {@link SharedRateLimiter.stop} when done: it closes the limiter's Redis connections.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { SharedRateLimiter } from 'mparticle-events';
 *
 * const limiter = new SharedRateLimiter({ apiKey: 'key', batchesPerSecond: 200, redis: { client: new Redis() } });
 * limiter.on('rateLimitFallback', ({ reason }) => console.warn('pacing locally:', reason));
 * await limiter.schedule(10, () => sendRequestOfTenBatches());
 * await limiter.stop();
 * ```
 */
export class SharedRateLimiter {
  readonly #listeners = new Emitter<SharedRateLimiterEvents>();
  readonly #source: RedisClientLike | string;
  readonly #expectedProcesses: number;
  readonly #timeoutMs: number;
  readonly #retryIntervalMs: number;
  readonly #clientTimeoutMs: number;
  readonly #maxWeight: number;
  readonly #semaphore: Semaphore;
  readonly #slots: SlotQueue;
  /** The local fallback limiter, once bottleneck is loaded (`#localReady`). */
  #local: Bottleneck | undefined;
  /** Settles once bottleneck is loaded and the local limiter made; rejects if bottleneck cannot load. */
  readonly #localReady: Promise<Bottleneck>;
  readonly #pending = new Map<string, PendingSlot>();
  /** Slots asked for before the first connection attempt settled. */
  readonly #deferred: (() => void)[] = [];
  readonly #sleepers = new Set<(error: unknown) => void>();
  readonly #ready: Promise<void>;
  #rate: number;
  #mode: SharedRateLimiterMode = 'connecting';
  #id = '';
  /** The connections and bottleneck limiter in force (in 'shared' mode, or while connecting). */
  #gen: Generation | undefined;
  /** A failed generation kept while falling back: its connection tells when Redis is reachable again. */
  #watch: Generation | undefined;
  /** Set when Redis can never work (ioredis missing): no point in retrying. */
  #hopeless = false;
  #lastError: string | undefined;
  #downSince = 0;
  #probeTimer: ReturnType<typeof setInterval> | undefined;
  #presenceTimer: ReturnType<typeof setInterval> | undefined;
  #probing = false;
  #activeProcesses = 1;
  #pausedUntil = 0;
  #seq = 0;

  constructor(options: SharedRateLimiterOptions) {
    const resolved = resolveSharedOptions(options);
    this.#source = options.redis.client;
    this.#rate = resolved.batchesPerSecond;
    this.#expectedProcesses = resolved.expectedProcesses;
    this.#timeoutMs = resolved.timeoutMs;
    this.#retryIntervalMs = resolved.retryIntervalMs;
    this.#clientTimeoutMs = resolved.clientTimeoutMs;
    // A request's batches take one slot each and it starts at its last one; other processes' slots
    // interleave with its own, so the batches it sends at once were granted over about
    // processes × weight slots. Sizing requests to a twentieth of one process's share of a second keeps
    // every one-second window within about 105% of the budget, however many processes share it.
    this.#maxWeight = maxBatchesPerPacedRequest(resolved.batchesPerSecond / resolved.expectedProcesses);
    this.#semaphore = new Semaphore(resolved.maxConcurrentRequests);
    this.#slots = new SlotQueue(
      (fire) => this.#startSlot(fire),
      Math.max(this.#maxWeight, MIN_RESERVED_SLOTS),
    );
    this.#localReady = loadBottleneck().then((BottleneckClass) => {
      this.#local = new BottleneckClass({ minTime: this.#localMinTime() });
      return this.#local;
    });
    // A failure to load shows in schedule(), which every request goes through.
    this.#localReady.catch(() => {});
    this.#ready = this.#connect(options, resolved.pod);
  }

  /**
   * The most batches one request should carry: a twentieth of one process's share of a second's budget
   * (`batchesPerSecond / expectedProcesses / 20`, at least 1). Larger requests are paced correctly on
   * average but arrive in bigger bursts: a one-second window can then exceed the budget by about
   * `expectedProcesses × weight` batches.
   */
  get maxWeight(): number {
    return this.#maxWeight;
  }

  /** Where slots come from now: the shared schedule, the local fallback, or neither yet. */
  get mode(): SharedRateLimiterMode {
    return this.#mode;
  }

  /** The shared budget's id in Redis (empty until the limiter has computed it). */
  get id(): string {
    return this.#id;
  }

  /** The shared pace in batches per second (the configured rate, or what adaptive pacing set). */
  get currentRate(): number {
    return this.#rate;
  }

  /**
   * How many processes drew from the shared budget within the last `clientTimeoutMs` (1 while falling
   * back), refreshed every second. Adaptive pacing uses it to scale this process's rate to the fleet's.
   */
  get activeProcesses(): number {
    return this.#mode === 'shared' ? this.#activeProcesses : 1;
  }

  /** Until when (epoch ms) this process holds its requests for a Retry-After. */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Resolve once the first connection attempt has settled, with the mode it settled in. */
  async ready(): Promise<SharedRateLimiterMode> {
    await this.#ready;
    return this.#mode;
  }

  /** Listen to `'rateLimitFallback'` or `'rateLimitRestored'`. */
  on<K extends keyof SharedRateLimiterEvents>(
    event: K,
    listener: (payload: SharedRateLimiterEvents[K]) => void,
  ): this {
    this.#listeners.on(event, listener);
    return this;
  }

  /** Stop listening. */
  off<K extends keyof SharedRateLimiterEvents>(
    event: K,
    listener: (payload: SharedRateLimiterEvents[K]) => void,
  ): this {
    this.#listeners.off(event, listener);
    return this;
  }

  /**
   * Run `task` once a request slot is free in this process, no Retry-After pause is in force and `weight`
   * batch slots of the shared budget have come. Rejects with the signal's reason if `signal` aborts first
   * (the task then never starts), and with an error once the limiter is stopped.
   */
  async schedule<T>(weight: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#mode === 'stopped') throw new LimiterStoppedError();
    if (this.#local === undefined) await this.#localReady;
    if ((this.#mode as SharedRateLimiterMode) === 'stopped') throw new LimiterStoppedError();
    await this.#semaphore.acquire(signal);
    try {
      await this.#waitPause(signal);
      await this.#slots.take(weight, signal);
      // A Retry-After that arrived while this request waited for its slots holds it too.
      await this.#waitPause(signal);
      if ((this.#mode as SharedRateLimiterMode) === 'stopped') throw new LimiterStoppedError();
      return await task();
    } finally {
      this.#semaphore.release();
    }
  }

  /** Hold every request of this process not yet started for `ms` milliseconds (a server's Retry-After). */
  pause(ms: number): void {
    if (!(ms > 0)) return;
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
  }

  /**
   * Change the pace or this process's concurrency. A new `batchesPerSecond` is written to the shared
   * schedule, so it applies to every process (the last writer wins), and scales the local fallback.
   */
  updateSettings(settings: { batchesPerSecond?: number; maxConcurrentRequests?: number }): void {
    if (settings.maxConcurrentRequests !== undefined) this.#semaphore.resize(settings.maxConcurrentRequests);
    const rate = settings.batchesPerSecond;
    if (rate === undefined || !(rate > 0) || !Number.isFinite(rate) || rate === this.#rate) return;
    this.#rate = rate;
    // Before bottleneck is loaded, the local limiter is made with the new rate when it is.
    void this.#local?.updateSettings({ minTime: this.#localMinTime() });
    const gen = this.#gen;
    if (this.#mode === 'shared' && gen) {
      setSharedMinTime(gen.cluster, 1000 / rate).catch((error: unknown) =>
        this.#lose(describeRedisError(error)),
      );
    }
  }

  /**
   * Refuse new work, reject what waits (its tasks never start), and close the limiter's Redis connections.
   * Tasks already started are not interrupted. Safe to call more than once.
   */
  async stop(): Promise<void> {
    if (this.#mode === 'stopped') return;
    this.#mode = 'stopped';
    const error = new LimiterStoppedError();
    this.#semaphore.rejectAll(error);
    this.#slots.rejectAll(error);
    for (const wake of this.#sleepers) wake(error);
    this.#sleepers.clear();
    this.#deferred.length = 0;
    clearInterval(this.#probeTimer);
    clearInterval(this.#presenceTimer);
    for (const slot of this.#pending.values()) {
      slot.abandoned = true;
      clearTimeout(slot.timer);
    }
    this.#pending.clear();
    const local = this.#localReady.then((limiter) => limiter.stop({ dropWaitingJobs: true })).catch(() => {});
    const closing = [this.#gen, this.#watch].map((gen) => (gen ? disposeGeneration(gen, true) : undefined));
    this.#gen = undefined;
    this.#watch = undefined;
    await Promise.all([local, ...closing]);
  }

  /** Inspection shows the mode and the id (a hash), nothing else. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SharedRateLimiter { mode: '${this.#mode}', id: '${this.#id}', rate: ${this.#rate} }`;
  }

  /** JSON shows the mode and the id (a hash), nothing else. */
  toJSON(): { mode: SharedRateLimiterMode; id: string; rate: number } {
    return { mode: this.#mode, id: this.#id, rate: this.#rate };
  }

  async #connect(options: SharedRateLimiterOptions, pod: string): Promise<void> {
    try {
      this.#id = options.redis.id ?? (await sharedRateLimitId(pod, options.apiKey));
      const gen = await this.#open();
      if ((this.#mode as SharedRateLimiterMode) === 'stopped') {
        await disposeGeneration(gen, true);
        return;
      }
      this.#gen = gen;
      await this.#activate(gen);
      if (this.#mode !== 'connecting') return;
      this.#mode = 'shared';
      this.#startPresence();
      this.#flushDeferred();
    } catch (error) {
      if (error instanceof ConfigurationError) this.#hopeless = true;
      if (this.#mode !== 'connecting') return;
      this.#lose(error instanceof ConfigurationError ? error.message : describeRedisError(error));
    }
  }

  /** Open connections of the limiter's own and a bottleneck limiter on them; nothing is awaited from Redis. */
  async #open(): Promise<Generation> {
    const Bottleneck = await loadBottleneck();
    const redis = await openRedis(this.#source);
    const onError = (error: unknown) => {
      this.#lastError = describeRedisError(error);
    };
    const onClose = () => {
      if (this.#gen === gen) this.#lose(this.#lastError ?? 'Redis connection closed');
    };
    const onReady = () => {
      if (this.#mode === 'local' && this.#watch === gen) void this.#probe();
    };
    redis.on('error', onError);
    redis.on('close', onClose);
    redis.on('end', onClose);
    redis.on('ready', onReady);
    // The Redis constructor is only used for clusters; passing it keeps bottleneck from calling
    // `require('ioredis')`, which an ES module build cannot do.
    const connection = new Bottleneck.IORedisConnection({ client: redis, Redis: redis.constructor });
    connection.on('error', onError);
    const clusterOptions: ClusterOptions = {
      id: this.#id,
      datastore: 'ioredis',
      connection,
      minTime: 1000 / this.#rate,
      heartbeatInterval: Math.min(1000, Math.floor(this.#clientTimeoutMs / 3)),
      clientTimeout: this.#clientTimeoutMs,
    };
    const cluster = new Bottleneck(clusterOptions);
    cluster.on('error', onError);
    cluster.on('scheduled', (info) => this.#granted(info.options.id));
    const gen: Generation = {
      redis,
      connection,
      cluster,
      detach: () => {
        redis.removeListener('close', onClose);
        redis.removeListener('end', onClose);
        redis.removeListener('ready', onReady);
      },
    };
    return gen;
  }

  /** Wait until the generation's limiter is registered in Redis, and write the current pace to it. */
  async #activate(gen: Generation): Promise<void> {
    await withTimeout(
      gen.cluster.ready(),
      this.#timeoutMs,
      () => `Redis not ready within ${this.#timeoutMs} ms`,
    );
    // The budget's settings live in Redis; the newest process's pace wins, as with updateSettings.
    await withTimeout(setSharedMinTime(gen.cluster, 1000 / this.#rate), this.#timeoutMs, () => 'timeout');
  }

  #startSlot(fire: () => void): void {
    if (this.#mode === 'connecting') this.#deferred.push(() => this.#startSlot(fire));
    else if (this.#mode === 'shared') this.#startShared(fire);
    else if (this.#mode === 'local') this.#startLocal(fire);
  }

  #flushDeferred(): void {
    for (const start of this.#deferred.splice(0)) start();
  }

  #startShared(fire: () => void): void {
    const cluster = (this.#gen as Generation).cluster;
    const id = `slot-${++this.#seq}`;
    const timer = setTimeout(
      () => this.#lose(`Redis did not grant a slot within ${this.#timeoutMs} ms`),
      this.#timeoutMs,
    );
    unrefTimer(timer);
    const slot: PendingSlot = { fire, timer, abandoned: false, fired: false };
    this.#pending.set(id, slot);
    cluster
      .schedule({ id, weight: 1 }, () => {
        // Once granted, a slot runs on bottleneck's local timer whatever happens to Redis.
        if (!slot.abandoned) {
          slot.fired = true;
          fire();
        }
        return Promise.resolve();
      })
      .catch((error: unknown) => {
        if (slot.abandoned || slot.fired || this.#mode === 'stopped') return;
        // Not granted: Redis failed it, and the fallback moves it (with every other pending slot).
        if (this.#pending.has(id)) this.#lose(describeRedisError(error));
        else {
          // Granted, then dropped with its generation: its request still needs a slot.
          slot.abandoned = true;
          this.#startLocal(fire);
        }
      });
  }

  #startLocal(fire: () => void): void {
    // Loaded: slots come from schedule(), which waits for bottleneck first.
    (this.#local as Bottleneck)
      .schedule(() => {
        fire();
        return Promise.resolve();
      })
      .catch(() => {
        // Dropped because the limiter stopped; its request was rejected already.
      });
  }

  /** Bottleneck registered the slot in Redis and set its local timer: Redis is no longer needed for it. */
  #granted(id: string | undefined): void {
    if (id === undefined) return;
    const slot = this.#pending.get(id);
    if (!slot) return;
    clearTimeout(slot.timer);
    this.#pending.delete(id);
  }

  /** Redis failed: move every slot not yet granted to the local limiter, report, and start probing. */
  #lose(reason: string): void {
    if (this.#mode !== 'shared' && this.#mode !== 'connecting') return;
    this.#mode = 'local';
    this.#downSince = Date.now();
    clearInterval(this.#presenceTimer);
    if (this.#gen) {
      if (this.#watch) void disposeGeneration(this.#watch);
      this.#watch = this.#gen;
      this.#gen = undefined;
    }
    const moved = [...this.#pending.values()];
    this.#pending.clear();
    for (const slot of moved) {
      slot.abandoned = true;
      clearTimeout(slot.timer);
      this.#startLocal(slot.fire);
    }
    this.#flushDeferred();
    this.#listeners.emit('rateLimitFallback', {
      reason,
      localRate: this.#rate / this.#expectedProcesses,
      id: this.#id,
    });
    if (this.#hopeless) return;
    this.#probeTimer = setInterval(() => void this.#probe(), this.#retryIntervalMs);
    unrefTimer(this.#probeTimer);
  }

  /**
   * While falling back: once Redis is reachable, open a fresh generation (Redis may have restarted empty,
   * or forgotten this process; a new bottleneck limiter re-creates the budget's keys and registers) and
   * switch to it when it answers within the timeout.
   */
  async #probe(): Promise<void> {
    const watch = this.#watch;
    if (this.#mode !== 'local' || this.#probing || (watch && watch.redis.status !== 'ready')) return;
    this.#probing = true;
    let gen: Generation | undefined;
    try {
      gen = await this.#open();
      await this.#activate(gen);
      if (this.#mode !== 'local') {
        await disposeGeneration(gen);
        return;
      }
      this.#gen = gen;
      this.#mode = 'shared';
      clearInterval(this.#probeTimer);
      if (this.#watch) void disposeGeneration(this.#watch);
      this.#watch = undefined;
      this.#startPresence();
      this.#listeners.emit('rateLimitRestored', {
        downMs: Date.now() - this.#downSince,
        rate: this.#rate,
        id: this.#id,
      });
    } catch {
      // Still unreachable: the next interval (or the watch connection's 'ready') tries again.
      if (gen && this.#gen !== gen) void disposeGeneration(gen);
    } finally {
      this.#probing = false;
    }
  }

  /**
   * Count the processes bottleneck has seen recently. Reads bottleneck 2.19's own key
   * (`b_<id>_client_last_seen`, a sorted set of client ids by last-seen time).
   */
  #startPresence(): void {
    clearInterval(this.#presenceTimer);
    let busy = false;
    const count = async () => {
      const redis = this.#gen?.redis;
      if (busy || !redis || redis.status !== 'ready' || this.#mode !== 'shared') return;
      busy = true;
      try {
        const n = await redis.zcount(
          `b_${this.#id}_client_last_seen`,
          Date.now() - this.#clientTimeoutMs,
          '+inf',
        );
        this.#activeProcesses = Math.max(1, Number(n) || 1);
      } catch {
        // A failed count leaves the last one; failures of the schedule itself trigger the fallback.
      } finally {
        busy = false;
      }
    };
    void count();
    this.#presenceTimer = setInterval(() => void count(), 1000);
    unrefTimer(this.#presenceTimer);
  }

  #localMinTime(): number {
    return (1000 * this.#expectedProcesses) / this.#rate;
  }

  /** Sleep until the end of any Retry-After pause; wakes early with an error when the limiter stops. */
  async #waitPause(signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const wait = this.#pausedUntil - Date.now();
      if (wait <= 0) return;
      await new Promise<void>((resolve, reject) => {
        const done = (error?: unknown) => {
          clearTimeout(timer);
          this.#sleepers.delete(done);
          signal?.removeEventListener('abort', onAbort);
          if (error === undefined) resolve();
          else reject(error);
        };
        const onAbort = () => done(signal?.reason);
        const timer = setTimeout(() => done(), wait);
        unrefTimer(timer);
        this.#sleepers.add(done);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }
}

/** One set of the limiter's own Redis connections and the bottleneck limiter on them. */
interface Generation {
  redis: OwnedRedis;
  connection: Bottleneck.IORedisConnection;
  cluster: Bottleneck;
  /** Remove the limiter's listeners from the connection. */
  detach(): void;
}

/**
 * Close a generation's connections. Slots it granted still fire on their local timers (their requests are
 * waiting for them), and those it had not granted fail and have moved to the local limiter already; only
 * when the limiter stops are its jobs dropped, so no timer outlives it. Never waits on Redis.
 */
async function disposeGeneration(gen: Generation, dropJobs = false): Promise<void> {
  gen.detach();
  if (dropJobs) gen.cluster.stop({ dropWaitingJobs: true }).catch(() => {});
  await gen.connection.disconnect(false).catch(() => {});
}

interface ResolvedSharedOptions {
  pod: string;
  batchesPerSecond: number;
  maxConcurrentRequests: number;
  expectedProcesses: number;
  timeoutMs: number;
  retryIntervalMs: number;
  clientTimeoutMs: number;
}

function resolveSharedOptions(options: SharedRateLimiterOptions): ResolvedSharedOptions {
  if (!options || typeof options !== 'object')
    throw new ConfigurationError('rateLimit', 'expected an object');
  if (typeof options.apiKey !== 'string' || options.apiKey === '') {
    throw new ConfigurationError('apiKey', 'expected a non-empty string');
  }
  const redis = options.redis;
  if (!redis || typeof redis !== 'object')
    throw new ConfigurationError('rateLimit.redis', 'expected an object');
  checkRedisClient(redis.client, 'rateLimit.redis.client');
  if (redis.id !== undefined && (typeof redis.id !== 'string' || redis.id === '')) {
    throw new ConfigurationError('rateLimit.redis.id', 'expected a non-empty string');
  }
  const pod = options.pod ?? 'us1';
  if (typeof pod !== 'string' || pod === '')
    throw new ConfigurationError('pod', 'expected a non-empty string');
  const positive = (value: unknown, fallback: number, option: string, integer: boolean): number => {
    if (value === undefined) return fallback;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value > 0 &&
      (!integer || Number.isInteger(value));
    if (!ok)
      throw new ConfigurationError(option, integer ? 'expected an integer > 0' : 'expected a number > 0');
    return value;
  };
  return {
    pod,
    batchesPerSecond: positive(
      options.batchesPerSecond,
      DEFAULT_BATCHES_PER_SECOND,
      'rateLimit.batchesPerSecond',
      false,
    ),
    maxConcurrentRequests: positive(
      options.maxConcurrentRequests,
      10,
      'rateLimit.maxConcurrentRequests',
      true,
    ),
    expectedProcesses: positive(redis.expectedProcesses, 4, 'rateLimit.redis.expectedProcesses', true),
    timeoutMs: positive(redis.timeoutMs, 2000, 'rateLimit.redis.timeoutMs', false),
    retryIntervalMs: positive(redis.retryIntervalMs, 1000, 'rateLimit.redis.retryIntervalMs', false),
    clientTimeoutMs: positive(redis.clientTimeoutMs, 5000, 'rateLimit.redis.clientTimeoutMs', false),
  };
}

/** Write the pace to the shared settings; bottleneck's typings say `updateSettings` is synchronous, it is not. */
function setSharedMinTime(cluster: Bottleneck, minTime: number): Promise<unknown> {
  return Promise.resolve(cluster.updateSettings({ minTime }) as unknown as Promise<unknown>);
}

/** Settle like `promise`, or reject after `ms` with `message()`. */
function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message())), ms);
    unrefTimer(timer);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
