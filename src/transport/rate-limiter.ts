/**
 * The client's rate limiter: a cap on concurrent requests, pacing by batches per second, and the
 * Retry-After pause. One per client, never module-level (STYLE.md), so two clients with different
 * credentials never slow each other down. Internal.
 *
 * mParticle counts batches, not requests, against its default of 270 batches per second per org
 * (events-api.md §2.2), so each request is weighted by the batches it carries. Pacing is smooth: each
 * request starts weight ÷ rate after the one before it, so no one-second window ever sees a whole
 * second's budget plus a burst, as a refilled reservoir would allow. Requests take their turn one at a
 * time, measured from when the previous one really started: a stalled event loop delays the pace, it
 * never turns into a burst of overdue requests.
 *
 * The {@link RateLimiter} interface is all the client uses, so a shared (Redis-backed) or adaptive
 * limiter can replace {@link PacedRateLimiter} without touching delivery.
 */
import { Semaphore } from '../internal/semaphore.js';
import { MAX_BATCHES_PER_REQUEST } from '../limits.js';
import { sleep, whenAborted } from './timers.js';

/** What a limiter enforces. */
export interface RateLimiterSettings {
  /** Batches per second over all requests of the client; `Infinity` turns pacing off. */
  batchesPerSecond: number;
  /** Requests in flight at once. */
  maxConcurrentRequests: number;
}

/** The limiter interface the client delivers through. */
export interface RateLimiter {
  /**
   * Run `task` once a request slot is free, the pace allows `weight` more batches and no Retry-After
   * pause is in force. Rejects with the signal's reason if `signal` aborts first (the task then never
   * starts), and with an error once the limiter is stopped.
   */
  schedule<T>(weight: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Hold every request not yet started for `ms` milliseconds (a server's Retry-After). */
  pause(ms: number): void;
  /** Until when (epoch ms) requests are held; in the past when no pause is in force. */
  readonly pausedUntil: number;
  /** Change the rate or the concurrency; applies to requests not yet started. */
  updateSettings(settings: Partial<RateLimiterSettings>): void;
  /** Refuse new work, drop what waits, and release timers. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * The largest request a paced client sends: a twentieth of a second's budget (at least 1, at most the
 * API's 100). Pacing spaces request starts by their weight, so a one-second window can hold at most one
 * request beyond the rate; keeping requests to 5% of the rate keeps every window within 105% of it.
 */
export function maxBatchesPerPacedRequest(batchesPerSecond: number): number {
  if (!Number.isFinite(batchesPerSecond)) return MAX_BATCHES_PER_REQUEST;
  return Math.max(1, Math.min(MAX_BATCHES_PER_REQUEST, Math.floor(batchesPerSecond / 20)));
}

/**
 * Timer lateness up to this many milliseconds is credited back to the pace, so ordinary timer jitter
 * does not slow the rate; beyond it (a stalled event loop) the pace restarts from the actual start.
 */
const PACE_JITTER_MS = 4;

/** The error a limiter's pending work rejects with once it is stopped. */
export class LimiterStoppedError extends Error {
  override name = 'LimiterStoppedError';
  constructor() {
    super('rate limiter stopped');
  }
}

/**
 * A FIFO semaphore caps how many requests run at once; a turn-by-turn pacer spaces their starts by
 * weight; a pause deadline holds them all while a Retry-After is in force.
 *
 * Bottleneck is not used here: its local datastore yields to a timer twice per job, so it starts at
 * most one job every 2 ms or so whatever `maxConcurrent` says, which held an unpaced client to two or
 * three requests in flight (docs/BENCHMARKS.md, "Findings that shaped the code"). Bottleneck stays
 * where it earns its place, the Redis-shared budget (src/ratelimit/shared.ts).
 */
export class PacedRateLimiter implements RateLimiter {
  readonly #slots: Semaphore;
  readonly #now: () => number;
  #batchesPerSecond: number;
  /** When the next request may start, from the previous request's start and weight. */
  #nextStart = 0;
  /** Settles when the request now taking its turn has started (or given up): the next one's turn. */
  #turn: Promise<void> = Promise.resolve();
  #pausedUntil = 0;
  #stopped = false;

  constructor(settings: RateLimiterSettings, now: () => number = Date.now) {
    this.#now = now;
    this.#batchesPerSecond = settings.batchesPerSecond;
    this.#slots = new Semaphore(settings.maxConcurrentRequests);
  }

  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  schedule<T>(weight: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#stopped) return Promise.reject(new LimiterStoppedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const job = this.#run(weight, task, signal);
    if (!signal) return job;
    // The caller stops waiting at once when the signal aborts; a task already running keeps its slot
    // until it ends (it sees the same signal), so the concurrency cap stays true.
    job.catch(() => {});
    const aborted = whenAborted(signal);
    return Promise.race([job, aborted.promise]).finally(() => aborted.dispose());
  }

  async #run<T>(weight: number, task: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    await this.#slots.acquire(signal);
    try {
      if (this.#stopped) throw new LimiterStoppedError();
      await this.#waitTurn(weight, signal);
      if (this.#stopped) throw new LimiterStoppedError();
      if (signal?.aborted) throw signal.reason;
      return await task();
    } finally {
      this.#slots.release();
    }
  }

  pause(ms: number): void {
    if (!(ms > 0)) return;
    const until = this.#now() + ms;
    if (until > this.#pausedUntil) this.#pausedUntil = until;
  }

  updateSettings(settings: Partial<RateLimiterSettings>): void {
    if (settings.batchesPerSecond !== undefined) this.#batchesPerSecond = settings.batchesPerSecond;
    if (settings.maxConcurrentRequests !== undefined) {
      this.#slots.resize(settings.maxConcurrentRequests);
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    // Requests waiting for a slot are refused now; one already past its slot refuses itself once its
    // turn comes (see #run), and running tasks end on their own signal.
    this.#slots.rejectAll(new LimiterStoppedError());
  }

  /** Wait for this request's turn, the end of any pause, and its paced start. */
  async #waitTurn(weight: number, signal: AbortSignal | undefined): Promise<void> {
    if (!Number.isFinite(this.#batchesPerSecond)) {
      await this.#waitPause(signal);
      return;
    }
    const previous = this.#turn;
    let pass!: () => void;
    this.#turn = new Promise<void>((resolve) => {
      pass = resolve;
    });
    try {
      if (signal) {
        const aborted = whenAborted(signal);
        try {
          await Promise.race([previous, aborted.promise]);
        } finally {
          aborted.dispose();
        }
      } else await previous;
      for (;;) {
        await this.#waitPause(signal);
        const scheduled = Math.max(this.#now(), this.#nextStart);
        await sleep(scheduled - this.#now(), signal);
        // A Retry-After that arrived while this request waited holds it too.
        if (this.#now() < this.#pausedUntil) continue;
        const started = this.#now();
        // Timers run on the event loop's cached clock and can wake a millisecond early by the wall clock:
        // wait out the rest rather than start before the pace allows.
        if (started < scheduled) continue;
        const credited = Math.max(scheduled, started - PACE_JITTER_MS);
        this.#nextStart = credited + (weight * 1000) / this.#batchesPerSecond;
        break;
      }
    } catch (error) {
      // Hand the turn on only once the request before this one is done with it, so two requests never
      // pace at once.
      void previous.then(pass);
      throw error;
    }
    pass();
  }

  async #waitPause(signal: AbortSignal | undefined): Promise<void> {
    for (let wait = this.#pausedUntil - this.#now(); wait > 0; wait = this.#pausedUntil - this.#now()) {
      await sleep(wait, signal);
    }
  }
}
