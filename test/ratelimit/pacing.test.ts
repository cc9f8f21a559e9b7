/** Adaptive pacing (issue 6): the AIMD controller as pure logic, on an injected clock. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { AdaptivePacer, type PaceEvent, readRateLimitHeaders } from '../../src/ratelimit/pacing.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const ok = (percentageUsed?: number, batches = 10) => ({ status: 202, batches, percentageUsed });

describe('readRateLimitHeaders', () => {
  it('reads both headers from a Headers object, whatever their case', () => {
    const headers = new Headers({
      'X-MP-Rate-Limit-Percentage-Used': '92',
      'x-mp-rate-limit-exceeded': 'Acceleration',
    });
    expect(readRateLimitHeaders(headers)).toEqual({ percentageUsed: 92, exceeded: 'acceleration' });
  });

  it('reads a plain record and leaves out missing or malformed values', () => {
    expect(readRateLimitHeaders({ 'X-mp-rate-limit-percentage-used': '40' })).toEqual({ percentageUsed: 40 });
    expect(readRateLimitHeaders({ 'x-mp-rate-limit-percentage-used': 'lots' })).toEqual({});
    expect(readRateLimitHeaders({})).toEqual({});
  });
});

describe('AdaptivePacer', () => {
  it('starts at the configured rate and stays there while usage is low', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, now: c.now });
    for (let i = 0; i < 20; i++) {
      c.advance(100);
      expect(pacer.observe(ok(30))).toBeUndefined();
    }
    expect(pacer.currentRate).toBe(200);
  });

  it('cuts the rate multiplicatively at or above the threshold, at most once per interval', () => {
    const c = clock();
    const events: PaceEvent[] = [];
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, now: c.now });
    pacer.on('pace', (e) => events.push(e));
    const first = pacer.observe(ok(95));
    expect(first).toMatchObject({
      rate: 140,
      previousRate: 200,
      configuredRate: 200,
      reason: 'usage-high',
      percentageUsed: 95,
    });
    // More high readings within the same second change nothing: they report the state before the cut.
    for (let i = 0; i < 9; i++) {
      c.advance(100);
      pacer.observe(ok(95));
    }
    expect(pacer.currentRate).toBeCloseTo(140);
    c.advance(100);
    pacer.observe(ok(80)); // exactly the threshold counts as high
    expect(pacer.currentRate).toBeCloseTo(98);
    expect(events.map((e) => e.rate)).toEqual([140, pacer.currentRate]);
  });

  it('never goes below minRate', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, minRate: 50, now: c.now });
    for (let i = 0; i < 10; i++) {
      pacer.observe(ok(99));
      c.advance(1000);
    }
    expect(pacer.currentRate).toBe(50);
  });

  it('recovers additively, by increaseStep per second, up to the configured rate', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, increaseStep: 20, now: c.now });
    pacer.observe(ok(95));
    expect(pacer.currentRate).toBe(140);
    // Ten observations a second for one second: +20.
    for (let i = 0; i < 10; i++) {
      c.advance(100);
      pacer.observe(ok(50));
    }
    expect(pacer.currentRate).toBeCloseTo(160);
    // The same second observed once: the same +20, not +2.
    c.advance(1000);
    pacer.observe(ok(50));
    expect(pacer.currentRate).toBeCloseTo(180);
    // A long quiet gap counts as one interval at most.
    c.advance(60_000);
    pacer.observe(ok(50));
    expect(pacer.currentRate).toBeCloseTo(200);
    c.advance(1000);
    pacer.observe(ok(50));
    expect(pacer.currentRate).toBe(200);
  });

  it('reports increases only once they amount to 1% of the configured rate, and reaching it', () => {
    const c = clock();
    const events: PaceEvent[] = [];
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, increaseStep: 10, now: c.now });
    pacer.on('pace', (e) => events.push(e));
    pacer.observe(ok(95)); // → 140
    for (let i = 0; i < 100; i++) {
      c.advance(100);
      pacer.observe(ok(10));
    }
    expect(pacer.currentRate).toBe(200);
    const ups = events.filter((e) => e.reason === 'usage-low');
    // 140 → 200 in steps of at least 2 (1% of 200), each event a step up from the last one reported.
    expect(ups.length).toBeGreaterThanOrEqual(20);
    expect(ups.length).toBeLessThanOrEqual(30);
    for (const e of ups) expect(e.rate - e.previousRate).toBeGreaterThanOrEqual(e.rate === 200 ? 0 : 2);
    expect(ups.at(-1)?.rate).toBe(200);
  });

  it('cuts on a speed-limit 429 and leaves its retry to the normal policy', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, now: c.now });
    expect(pacer.observe({ status: 429, batches: 10, exceeded: 'org' })).toMatchObject({
      reason: 'rate-limited',
      rate: 140,
    });
    expect(pacer.retryDelayMs({ exceeded: 'org', weight: 10 })).toBeUndefined();
    expect(pacer.retryDelayMs({ weight: 10 })).toBeUndefined();
  });

  it('recovers on 2xx responses that carry no usage header, but not on failures', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, increaseStep: 20, now: c.now });
    pacer.observe({ status: 429, batches: 10, exceeded: 'org' });
    expect(pacer.currentRate).toBe(140);
    c.advance(1000);
    pacer.observe({ status: 503, batches: 10 });
    expect(pacer.currentRate).toBe(140);
    c.advance(1000);
    expect(pacer.observe(ok(undefined))).toMatchObject({ reason: 'usage-low', rate: 160 });
  });

  it('holds the rate at what got through on an acceleration 429, then recovers slowly', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, increaseStep: 10, holdMs: 2000, now: c.now });
    // 160 batches accepted over the last second...
    for (let i = 0; i < 8; i++) {
      c.advance(120);
      pacer.observe(ok(50, 20));
    }
    expect(pacer.currentRate).toBe(200);
    const event = pacer.observe({ status: 429, batches: 10, exceeded: 'acceleration' });
    expect(event).toMatchObject({ reason: 'acceleration', rate: 160, exceeded: 'acceleration' });
    expect(pacer.holding).toBe(true);
    // No increase while holding, even with low usage; more acceleration 429s in the same interval change nothing.
    for (let i = 0; i < 19; i++) {
      c.advance(100);
      pacer.observe(i === 3 ? { status: 429, batches: 10, exceeded: 'acceleration' } : ok(10));
    }
    expect(pacer.currentRate).toBe(160);
    c.advance(200);
    expect(pacer.holding).toBe(false);
    pacer.observe(ok(10));
    c.advance(1000);
    pacer.observe(ok(10));
    expect(pacer.currentRate).toBeGreaterThan(160);
    expect(pacer.currentRate).toBeLessThanOrEqual(180);
  });

  it('cuts no deeper than decreaseFactor on an acceleration 429, and further on repeated ones', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, minRate: 30, now: c.now });
    c.advance(100);
    pacer.observe(ok(10, 20)); // only 20/s got through: a cold start at full pace
    const accel = { status: 429, batches: 10, exceeded: 'acceleration' } as const;
    expect(pacer.observe(accel)?.rate).toBe(140);
    const rates: number[] = [];
    for (let i = 0; i < 8; i++) {
      c.advance(1000);
      rates.push(Math.round(pacer.observe(accel)?.rate ?? -1));
    }
    expect(rates).toEqual([98, 69, 48, 34, 30, -1, -1, -1]);
  });

  it('scales the rate that got through by the fleet size', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, fleetSize: () => 4, now: c.now });
    c.advance(100);
    pacer.observe(ok(10, 40)); // 40/s here, 160/s over four processes
    expect(pacer.observe({ status: 429, batches: 10, exceeded: 'acceleration' })?.rate).toBe(160);
  });

  it('gives an acceleration 429 one pacing interval for its own batches instead of a backoff', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, now: c.now });
    expect(pacer.retryDelayMs({ exceeded: 'acceleration', weight: 10 })).toBe(50);
    pacer.observe(ok(95)); // → 140/s
    expect(pacer.retryDelayMs({ exceeded: 'acceleration', weight: 14 })).toBe(100);
  });

  it('rejects bad options with a ConfigurationError naming the option', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ threshold: 0 }, 'rateLimit.adaptive.threshold'],
      [{ threshold: 101 }, 'rateLimit.adaptive.threshold'],
      [{ decreaseFactor: 1 }, 'rateLimit.adaptive.decreaseFactor'],
      [{ increaseStep: -1 }, 'rateLimit.adaptive.increaseStep'],
      [{ minRate: 500 }, 'rateLimit.adaptive.minRate'],
      [{ intervalMs: 0 }, 'rateLimit.adaptive.intervalMs'],
      [{ holdMs: Number.NaN }, 'rateLimit.adaptive.holdMs'],
    ];
    for (const [options, option] of bad) {
      expect(() => new AdaptivePacer({ batchesPerSecond: 200, ...options })).toThrow(ConfigurationError);
      try {
        new AdaptivePacer({ batchesPerSecond: 200, ...options });
      } catch (error) {
        expect((error as ConfigurationError).option).toBe(option);
      }
    }
    expect(() => new AdaptivePacer({ batchesPerSecond: 0 })).toThrow(/rateLimit.batchesPerSecond/);
  });

  it('keeps delivering events when a listener throws', () => {
    const c = clock();
    const pacer = new AdaptivePacer({ batchesPerSecond: 100, now: c.now });
    const seen: number[] = [];
    pacer.on('pace', () => {
      throw new Error('listener bug');
    });
    pacer.on('pace', (e) => seen.push(e.rate));
    expect(() => pacer.observe(ok(90))).not.toThrow();
    expect(seen).toEqual([70]);
  });
});
