/**
 * Adaptive pacing: an AIMD controller fed by mParticle's rate-limit headers.
 *
 * mParticle reports how close an org is to its limit on every 2xx (`X-mp-rate-limit-percentage-used`) and
 * which limit was hit on a 429 (`X-mp-rate-limit-exceeded`), where `acceleration` means "ramp up more
 * slowly", not "stop" (events-api.md §1.5, §2.2). The controller turns those signals into a pace in batches
 * per second: multiplicative decrease when usage passes a threshold, additive increase back to the
 * configured rate when it falls, and a hold on an `acceleration` 429. It is pure logic with an injectable
 * clock; the client feeds it responses and applies the pace to its rate limiter.
 *
 * @module
 */

import { ConfigurationError } from '../errors.js';
import { Emitter } from '../internal/emitter.js';

/**
 * Tuning of adaptive pacing, the `rateLimit.adaptive` option of the client. Every field is optional.
 *
 * @example
 * ```ts
 * import { AdaptivePacer } from 'mparticle-events';
 *
 * const pacer = new AdaptivePacer({ batchesPerSecond: 270, threshold: 90, decreaseFactor: 0.5 });
 * ```
 */
export interface AdaptivePacingOptions {
  /**
   * Reported usage (percent of the org's limit, from `X-mp-rate-limit-percentage-used`) at or above which
   * the pace is cut.
   * @default 80
   */
  threshold?: number;
  /**
   * The pace is multiplied by this when usage is at or above `threshold`, or on a speed-limit 429
   * (at most once per `intervalMs`); an `acceleration` 429 never cuts deeper than this. Between 0 and 1,
   * exclusive.
   * @default 0.7
   */
  decreaseFactor?: number;
  /**
   * How fast the pace recovers while usage is below `threshold`, in batches per second gained per second.
   * @default 5% of the configured rate
   */
  increaseStep?: number;
  /**
   * The pace never goes below this, in batches per second.
   * @default 10% of the configured rate, at least 1
   */
  minRate?: number;
  /**
   * The pace is cut at most once per interval, and the rate that got through is measured over the last
   * interval, in milliseconds.
   * @default 1000
   */
  intervalMs?: number;
  /**
   * After an `acceleration` 429 the pace does not increase for this long, in milliseconds.
   * @default 2000
   */
  holdMs?: number;
}

/**
 * Options of an {@link AdaptivePacer}: the configured rate, tuning, and the hooks tests and the shared limiter
 * use.
 *
 * @example
 * ```ts
 * import { AdaptivePacer } from 'mparticle-events';
 *
 * const pacer = new AdaptivePacer({ batchesPerSecond: 200, increaseStep: 20 });
 * ```
 */
export interface AdaptivePacerOptions extends AdaptivePacingOptions {
  /** The configured rate in batches per second: the ceiling the pace recovers to. */
  batchesPerSecond: number;
  /**
   * The clock, in milliseconds.
   * @default Date.now
   */
  now?: () => number;
  /**
   * How many processes share the budget. On an `acceleration` 429 the pace is held at the rate that got
   * through, measured in this process and multiplied by this (a shared limiter gives each process an equal
   * share). Pass `() => limiter.activeProcesses` of a shared limiter.
   * @default () => 1
   */
  fleetSize?: () => number;
}

/**
 * What one response tells the pacer.
 *
 * @example
 * ```ts
 * import { AdaptivePacer } from 'mparticle-events';
 *
 * const pacer = new AdaptivePacer({ batchesPerSecond: 270 });
 * pacer.observe({ status: 202, batches: 13, percentageUsed: 92 });
 * console.log(pacer.currentRate); // below 270 after a cut
 * ```
 */
export interface PacingObservation {
  /** The HTTP status of the response. */
  status: number;
  /** How many batches the request carried. */
  batches: number;
  /** `X-mp-rate-limit-percentage-used`, when the response had it. */
  percentageUsed?: number | undefined;
  /** `X-mp-rate-limit-exceeded`, when the response had it. */
  exceeded?: string | undefined;
}

/**
 * The rate-limit signals of one response, read by {@link readRateLimitHeaders}.
 *
 * @example
 * ```ts
 * import { readRateLimitHeaders } from 'mparticle-events';
 *
 * const signals = readRateLimitHeaders(new Headers({ 'x-mp-rate-limit-percentage-used': '92' }));
 * console.log(signals.percentageUsed); // 92
 * ```
 */
export interface RateLimitSignals {
  /** `X-mp-rate-limit-percentage-used` as a number (sent on 2xx). */
  percentageUsed?: number;
  /** `X-mp-rate-limit-exceeded` (sent on 429): `org`, `account`, `app`, `feed`, `workspace`, `acceleration`... */
  exceeded?: string;
}

/**
 * Why the pace changed: `'usage-high'` (reported usage at or above the threshold), `'usage-low'` (a
 * recovery step: usage below it, or a 2xx that reported none), `'acceleration'` (an `acceleration` 429)
 * or `'rate-limited'` (any other 429).
 *
 * @example
 * ```ts
 * import { EventsClient, type PaceReason } from 'mparticle-events';
 *
 * const client = new EventsClient({ apiKey: 'key', apiSecret: 'secret' });
 * const slowdowns: PaceReason[] = ['usage-high', 'acceleration', 'rate-limited'];
 * client.on('pace', (e) => {
 *   if (slowdowns.includes(e.reason)) console.warn(`slowing to ${e.rate.toFixed(0)}/s (${e.reason})`);
 * });
 * ```
 */
export type PaceReason = 'usage-high' | 'usage-low' | 'acceleration' | 'rate-limited';

/**
 * The payload of the `'pace'` event: the new pace and why it changed.
 *
 * @example
 * ```ts
 * import { AdaptivePacer, type PaceEvent } from 'mparticle-events';
 *
 * const pacer = new AdaptivePacer({ batchesPerSecond: 270 });
 * pacer.on('pace', (event: PaceEvent) => console.log(event.reason, event.rate));
 * ```
 */
export interface PaceEvent {
  /** The new pace, in batches per second. */
  rate: number;
  /** The pace last reported, in batches per second. */
  previousRate: number;
  /** The configured rate, in batches per second. */
  configuredRate: number;
  /** What caused the change. */
  reason: PaceReason;
  /** The usage reported by the response that caused the change, when it had one. */
  percentageUsed?: number;
  /** The limit named by the 429 that caused the change, when it named one. */
  exceeded?: string;
}

/**
 * Events of an {@link AdaptivePacer}.
 *
 * @example
 * ```ts
 * import { AdaptivePacer } from 'mparticle-events';
 *
 * const pacer = new AdaptivePacer({ batchesPerSecond: 270 });
 * pacer.on('pace', (event) => console.log(event.rate, event.reason));
 * ```
 */
export interface AdaptivePacerEvents {
  /** The pace changed by at least 1% of the configured rate, or reached it. */
  pace: PaceEvent;
}

interface ResolvedPacing {
  threshold: number;
  decreaseFactor: number;
  increaseStep: number;
  minRate: number;
  intervalMs: number;
  holdMs: number;
}

/**
 * Resolve `rateLimit.adaptive` into fully-defaulted settings, or throw a ConfigurationError naming the
 * option. Internal.
 *
 * @internal
 */
export function resolvePacing(batchesPerSecond: number, options: AdaptivePacingOptions = {}): ResolvedPacing {
  const at = (name: string) => `rateLimit.adaptive.${name}`;
  const number = (
    name: keyof AdaptivePacingOptions,
    value: unknown,
    fallback: number,
    ok: (v: number) => boolean,
    what: string,
  ) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value))
      throw new ConfigurationError(at(name), what);
    return value;
  };
  if (!(Number.isFinite(batchesPerSecond) && batchesPerSecond > 0)) {
    throw new ConfigurationError('rateLimit.batchesPerSecond', 'expected a number > 0');
  }
  const resolved: ResolvedPacing = {
    threshold: number(
      'threshold',
      options.threshold,
      80,
      (v) => v > 0 && v <= 100,
      'expected a percentage in (0, 100]',
    ),
    decreaseFactor: number(
      'decreaseFactor',
      options.decreaseFactor,
      0.7,
      (v) => v > 0 && v < 1,
      'expected a number in (0, 1)',
    ),
    increaseStep: number(
      'increaseStep',
      options.increaseStep,
      batchesPerSecond * 0.05,
      (v) => v > 0,
      'expected a number > 0',
    ),
    minRate: number(
      'minRate',
      options.minRate,
      Math.max(1, batchesPerSecond * 0.1),
      (v) => v > 0,
      'expected a number > 0',
    ),
    intervalMs: number('intervalMs', options.intervalMs, 1000, (v) => v > 0, 'expected milliseconds > 0'),
    holdMs: number('holdMs', options.holdMs, 2000, (v) => v >= 0, 'expected milliseconds >= 0'),
  };
  if (resolved.minRate > batchesPerSecond) {
    throw new ConfigurationError(at('minRate'), 'must not exceed rateLimit.batchesPerSecond');
  }
  return resolved;
}

/**
 * Read mParticle's rate-limit headers from a response: `X-mp-rate-limit-percentage-used` (2xx) and
 * `X-mp-rate-limit-exceeded` (429), events-api.md §1.5. Header names are matched case-insensitively; a
 * missing or malformed header is left out.
 *
 * @example
 * ```ts
 * import { readRateLimitHeaders } from 'mparticle-events';
 *
 * const { percentageUsed, exceeded } = readRateLimitHeaders(response.headers);
 * ```
 */
export function readRateLimitHeaders(
  headers: Headers | Record<string, string | undefined>,
): RateLimitSignals {
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const record = headers as Record<string, string | undefined>;
    for (const key of Object.keys(record)) if (key.toLowerCase() === name) return record[key];
    return undefined;
  };
  const out: RateLimitSignals = {};
  const used = get('x-mp-rate-limit-percentage-used')?.trim();
  if (used && /^\d+(\.\d+)?$/.test(used)) out.percentageUsed = Number(used);
  const exceeded = get('x-mp-rate-limit-exceeded')?.trim().toLowerCase();
  if (exceeded) out.exceeded = exceeded;
  return out;
}

/**
 * An AIMD pace controller driven by mParticle's rate-limit headers, for a rate limiter to follow.
 *
 * Feed it every response with {@link AdaptivePacer.observe}; it answers with a {@link PaceEvent} (also
 * emitted as `'pace'`) when the pace changed enough to apply:
 * - usage at or above `threshold` → pace × `decreaseFactor`, at most once per `intervalMs`;
 * - usage below `threshold`, or a 2xx that reports none → pace + `increaseStep` per second, up to the
 *   configured rate;
 * - a speed-limit 429 (`org`, `app`…) → the same multiplicative decrease;
 * - an `acceleration` 429 → the pace is held at the rate that actually got through in the last interval
 *   (times `fleetSize`), but never cut by more than `decreaseFactor`, and does not increase for `holdMs`:
 *   mParticle asks for a slower ramp, not a stop (events-api.md §1.5). {@link AdaptivePacer.retryDelayMs}
 *   then gives such a 429 one pacing interval instead of an exponential backoff.
 *
 * @example
 * ```ts
 * import { AdaptivePacer, readRateLimitHeaders } from 'mparticle-events';
 *
 * const pacer = new AdaptivePacer({ batchesPerSecond: 270 });
 * pacer.on('pace', ({ rate }) => limiter.setRate(rate));
 * // after each response:
 * pacer.observe({ status: response.status, batches: 10, ...readRateLimitHeaders(response.headers) });
 * ```
 */
export class AdaptivePacer {
  readonly #configured: number;
  readonly #settings: ResolvedPacing;
  readonly #now: () => number;
  readonly #fleetSize: () => number;
  readonly #listeners = new Emitter<AdaptivePacerEvents>();
  #rate: number;
  #reported: number;
  #lastCutAt = Number.NEGATIVE_INFINITY;
  #lastObservedAt: number | undefined;
  #holdUntil = Number.NEGATIVE_INFINITY;
  /** Accepted batches in the last interval, as parallel arrays of times and counts. */
  #acceptedAt: number[] = [];
  #acceptedCount: number[] = [];
  #acceptedTotal = 0;

  constructor(options: AdaptivePacerOptions) {
    this.#settings = resolvePacing(options.batchesPerSecond, options);
    this.#configured = options.batchesPerSecond;
    this.#rate = this.#configured;
    this.#reported = this.#configured;
    this.#now = options.now ?? Date.now;
    this.#fleetSize = options.fleetSize ?? (() => 1);
  }

  /** The configured rate in batches per second: the ceiling the pace recovers to. */
  get configuredRate(): number {
    return this.#configured;
  }

  /** The current pace in batches per second. */
  get currentRate(): number {
    return this.#rate;
  }

  /** Whether an `acceleration` 429 is holding the pace (no increase) right now. */
  get holding(): boolean {
    return this.#now() < this.#holdUntil;
  }

  /** Listen to `'pace'`: the pace changed by at least 1% of the configured rate, or reached it. */
  on<K extends keyof AdaptivePacerEvents>(
    event: K,
    listener: (payload: AdaptivePacerEvents[K]) => void,
  ): this {
    this.#listeners.on(event, listener);
    return this;
  }

  /** Stop listening. */
  off<K extends keyof AdaptivePacerEvents>(
    event: K,
    listener: (payload: AdaptivePacerEvents[K]) => void,
  ): this {
    this.#listeners.off(event, listener);
    return this;
  }

  /**
   * Feed one response. Returns the {@link PaceEvent} when the pace changed enough to report (and emits it as
   * `'pace'`), else `undefined`.
   */
  observe(observation: PacingObservation): PaceEvent | undefined {
    const now = this.#now();
    const { status, batches, percentageUsed, exceeded } = observation;
    const since = this.#lastObservedAt === undefined ? 0 : Math.max(0, now - this.#lastObservedAt);
    this.#lastObservedAt = now;
    if (status >= 200 && status < 300 && batches > 0) this.#recordAccepted(now, batches);

    if (status === 429) {
      if (exceeded === 'acceleration') return this.#hold(now, exceeded);
      return this.#cut(now, 'rate-limited', { exceeded });
    }
    const accepted = status >= 200 && status < 300;
    // mParticle sends the usage on every 2xx; a 2xx without it (a proxy that strips headers) still counts
    // as a success, or a pace cut by a 429 would never recover.
    if (percentageUsed === undefined && !accepted) return undefined;
    if (percentageUsed !== undefined && percentageUsed >= this.#settings.threshold) {
      return this.#cut(now, 'usage-high', { percentageUsed });
    }
    if (now < this.#holdUntil || this.#rate >= this.#configured) return undefined;
    // Additive increase per second of elapsed time, so the recovery speed does not depend on how many
    // requests happen to be in flight; one observation never adds more than one interval's worth.
    const gain = (this.#settings.increaseStep * Math.min(since, this.#settings.intervalMs)) / 1000;
    return this.#set(Math.min(this.#configured, this.#rate + gain), 'usage-low', { percentageUsed });
  }

  /**
   * How long a 429 should wait before it is retried, or `undefined` to let the retry policy decide
   * (Retry-After, exponential backoff). An `acceleration` 429 waits one pacing interval for its own batches
   * at the current pace: the limiter keeps pacing, so backing off hard would only waste budget.
   */
  retryDelayMs(info: { exceeded?: string | undefined; weight: number }): number | undefined {
    if (info.exceeded !== 'acceleration') return undefined;
    return Math.ceil((Math.max(1, info.weight) * 1000) / this.#rate);
  }

  #hold(now: number, exceeded: string): PaceEvent | undefined {
    // Requests already in flight when the first acceleration 429 came get theirs too: like the cut, the
    // hold starts at most once per interval, so they do not keep extending it.
    if (now - this.#lastCutAt < this.#settings.intervalMs) return undefined;
    this.#lastCutAt = now;
    this.#holdUntil = now + this.#settings.holdMs;
    // Hold at what got through: after a cold start at full pace that is far below the pace, and a cut to
    // it would leave the server's allowance (based on the recent rate) no room to grow; so the cut is no
    // deeper than an ordinary multiplicative decrease, and repeated 429s take it further down.
    const through = this.#acceptedRate(now) * Math.max(1, this.#fleetSize());
    if (through >= this.#rate) return undefined;
    const target = Math.max(through, this.#rate * this.#settings.decreaseFactor);
    return this.#set(Math.max(this.#settings.minRate, target), 'acceleration', { exceeded });
  }

  #cut(now: number, reason: PaceReason, detail: { percentageUsed?: number; exceeded?: string | undefined }) {
    if (now - this.#lastCutAt < this.#settings.intervalMs) return undefined;
    this.#lastCutAt = now;
    return this.#set(
      Math.max(this.#settings.minRate, this.#rate * this.#settings.decreaseFactor),
      reason,
      detail,
    );
  }

  #set(
    rate: number,
    reason: PaceReason,
    detail: { percentageUsed?: number | undefined; exceeded?: string | undefined },
  ): PaceEvent | undefined {
    this.#rate = rate;
    const previous = this.#reported;
    const step = Math.max(0.5, this.#configured * 0.01);
    const worth =
      rate < previous || rate - previous >= step || (rate === this.#configured && previous !== rate);
    if (!worth || rate === previous) return undefined;
    this.#reported = rate;
    const event: PaceEvent = { rate, previousRate: previous, configuredRate: this.#configured, reason };
    if (detail.percentageUsed !== undefined) event.percentageUsed = detail.percentageUsed;
    if (detail.exceeded !== undefined) event.exceeded = detail.exceeded;
    this.#listeners.emit('pace', event);
    return event;
  }

  #recordAccepted(now: number, batches: number): void {
    this.#acceptedAt.push(now);
    this.#acceptedCount.push(batches);
    this.#acceptedTotal += batches;
    this.#evict(now);
  }

  /** Batches accepted per second over the last interval. */
  #acceptedRate(now: number): number {
    this.#evict(now);
    return (this.#acceptedTotal * 1000) / this.#settings.intervalMs;
  }

  #evict(now: number): void {
    const horizon = now - this.#settings.intervalMs;
    let drop = 0;
    while (drop < this.#acceptedAt.length && (this.#acceptedAt[drop] as number) <= horizon) {
      this.#acceptedTotal -= this.#acceptedCount[drop] as number;
      drop++;
    }
    if (drop > 0) {
      this.#acceptedAt.splice(0, drop);
      this.#acceptedCount.splice(0, drop);
    }
  }
}
