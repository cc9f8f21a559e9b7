import { describe, expect, it } from 'vitest';
import {
  LimiterStoppedError,
  maxBatchesPerPacedRequest,
  PacedRateLimiter,
} from '../../src/transport/rate-limiter.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('maxBatchesPerPacedRequest', () => {
  it('is a twentieth of the rate, between 1 and 100 batches', () => {
    expect(maxBatchesPerPacedRequest(270)).toBe(13);
    expect(maxBatchesPerPacedRequest(200)).toBe(10);
    expect(maxBatchesPerPacedRequest(5)).toBe(1);
    expect(maxBatchesPerPacedRequest(100_000)).toBe(100);
    expect(maxBatchesPerPacedRequest(Number.POSITIVE_INFINITY)).toBe(100);
  });
});

describe('PacedRateLimiter', () => {
  it('spaces request starts by weight ÷ rate', async () => {
    // 1,000 batches per second, 10 batches a request: one start every 10 ms at the most.
    const limiter = new PacedRateLimiter({ batchesPerSecond: 1_000, maxConcurrentRequests: 50 });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.schedule(10, async () => {
          starts.push(Date.now());
        }),
      ),
    );
    for (let i = 1; i < starts.length; i++) {
      // Never earlier than the pace allows (1 ms for clock granularity).
      expect((starts[i] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(i * 10 - 1);
    }
    await limiter.stop();
  });

  it('a stalled event loop delays the pace but never releases a burst of overdue requests', async () => {
    // 100 batches per second, 1 batch a request: one start every 10 ms.
    const limiter = new PacedRateLimiter({ batchesPerSecond: 100, maxConcurrentRequests: 50 });
    const starts: number[] = [];
    setTimeout(() => {
      const until = Date.now() + 150;
      while (Date.now() < until) {
        // Busy: the event loop is stalled, as under heavy load.
      }
    }, 40);
    await Promise.all(
      Array.from({ length: 30 }, () =>
        limiter.schedule(1, async () => {
          starts.push(Date.now());
        }),
      ),
    );
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(100); // the stall happened mid-run
    // At most the 4 ms of timer jitter credited back, and 1 ms of clock granularity.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10 - 4 - 1);
    await limiter.stop();
  });

  it('weights by batches: heavy requests wait longer than light ones', async () => {
    const limiter = new PacedRateLimiter({ batchesPerSecond: 1_000, maxConcurrentRequests: 50 });
    const starts: number[] = [];
    const run = (weight: number) => limiter.schedule(weight, async () => void starts.push(Date.now()));
    await Promise.all([run(100), run(1), run(1)]);
    // The request after a 100-batch one waits 100 ms; the one after a 1-batch request only 1 ms more.
    expect((starts[1] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(99);
    expect((starts[2] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(100);
    await limiter.stop();
  });

  it('does not pace when the rate is infinite, and caps concurrency', async () => {
    const limiter = new PacedRateLimiter({
      batchesPerSecond: Number.POSITIVE_INFINITY,
      maxConcurrentRequests: 3,
    });
    let running = 0;
    let peak = 0;
    // The first jobs hold until three run at once (or a generous second passes), so a slow machine that
    // starts them late cannot hide the cap; the peak must reach 3 and never pass it.
    let release!: () => void;
    const three = new Promise<void>((resolve) => {
      release = resolve;
    });
    await Promise.all(
      Array.from({ length: 12 }, () =>
        limiter.schedule(100, async () => {
          running++;
          peak = Math.max(peak, running);
          if (running === 3) release();
          await Promise.race([three, tick(1000)]);
          await tick(1);
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
    await limiter.stop();
  });

  it('holds every request while paused (Retry-After)', async () => {
    const limiter = new PacedRateLimiter({
      batchesPerSecond: Number.POSITIVE_INFINITY,
      maxConcurrentRequests: 5,
    });
    const pausedAt = Date.now();
    limiter.pause(150);
    expect(limiter.pausedUntil).toBeGreaterThanOrEqual(pausedAt + 150);
    const starts: number[] = [];
    await Promise.all([1, 2, 3].map(() => limiter.schedule(1, async () => void starts.push(Date.now()))));
    for (const start of starts) expect(start - pausedAt).toBeGreaterThanOrEqual(149);
    // A shorter pause never shortens one in force.
    limiter.pause(500);
    const until = limiter.pausedUntil;
    limiter.pause(10);
    expect(limiter.pausedUntil).toBe(until);
    await limiter.stop();
  });

  it('a pause that arrives while a request waits for its slot holds it too', async () => {
    const limiter = new PacedRateLimiter({ batchesPerSecond: 100, maxConcurrentRequests: 5 });
    const starts: number[] = [];
    const first = limiter.schedule(10, async () => void starts.push(Date.now()));
    const second = limiter.schedule(10, async () => void starts.push(Date.now())); // slot 100 ms later
    await first;
    const pausedAt = Date.now();
    limiter.pause(250);
    await second;
    expect((starts[1] as number) - pausedAt).toBeGreaterThanOrEqual(249);
    await limiter.stop();
  });

  it('rejects with the signal reason when aborted while waiting; the task never runs', async () => {
    const limiter = new PacedRateLimiter({ batchesPerSecond: 10, maxConcurrentRequests: 1 });
    await limiter.schedule(10, async () => {}); // the next slot is a second away
    const controller = new AbortController();
    let ran = false;
    const waiting = limiter.schedule(
      1,
      async () => {
        ran = true;
      },
      controller.signal,
    );
    const reason = new Error('closing');
    setTimeout(() => controller.abort(reason), 20);
    await expect(waiting).rejects.toBe(reason);
    await tick(20);
    expect(ran).toBe(false);
    await limiter.stop();
  });

  it('after stop, refuses new work and drops what waits', async () => {
    const limiter = new PacedRateLimiter({
      batchesPerSecond: Number.POSITIVE_INFINITY,
      maxConcurrentRequests: 1,
    });
    let release!: () => void;
    const running = limiter.schedule(1, () => new Promise<void>((r) => (release = r)));
    const queued = limiter.schedule(1, async () => 'never');
    await tick(10);
    const stopping = limiter.stop();
    await expect(queued).rejects.toBeInstanceOf(LimiterStoppedError);
    release();
    await running;
    await stopping;
    await expect(limiter.schedule(1, async () => 1)).rejects.toBeInstanceOf(LimiterStoppedError);
    await limiter.stop(); // twice is fine
  });

  it('applies new settings to requests not yet started', async () => {
    const limiter = new PacedRateLimiter({ batchesPerSecond: 1, maxConcurrentRequests: 1 });
    limiter.updateSettings({ batchesPerSecond: 10_000, maxConcurrentRequests: 4 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => limiter.schedule(1, async () => {})));
    // At 1 batch/s this would take 9 s; at the new rate it is immediate.
    expect(Date.now() - started).toBeLessThan(5_000);
    await limiter.stop();
  });
});
