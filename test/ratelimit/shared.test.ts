/**
 * The Redis-shared limiter in one process, against a real redis-server: sharing, ids, fallback and
 * restore (Redis killed, frozen, absent at start), stop, options and secrets.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { describeRedisError, sharedRateLimitId } from '../../src/ratelimit/redis.js';
import {
  type RateLimitFallbackEvent,
  type RateLimitRestoredEvent,
  SharedRateLimiter,
  type SharedRateLimiterOptions,
} from '../../src/ratelimit/shared.js';
import { LimiterStoppedError } from '../../src/transport/rate-limiter.js';
import { freePort, RedisServer, redisAvailable } from './helpers/redis-server.js';

const hasRedis = redisAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sharedRateLimitId and describeRedisError', () => {
  it('names the budget by pod and the first 16 hex digits of sha256(apiKey), never the key', async () => {
    const key = 'my-very-secret-api-key';
    const hex = createHash('sha256').update(key).digest('hex').slice(0, 16);
    const id = await sharedRateLimitId('eu1', key);
    expect(id).toBe(`mparticle-events:eu1:${hex}`);
    expect(id).not.toContain(key);
  });

  it('cuts credentials out of URLs in error messages', () => {
    expect(describeRedisError(new Error('cannot reach redis://user:hunter2@10.0.0.1:6379/0'))).toBe(
      'cannot reach redis://***@10.0.0.1:6379/0',
    );
    expect(describeRedisError('rediss://:pw@host')).toBe('rediss://***@host');
  });
});

describe('SharedRateLimiter options', () => {
  const base = { apiKey: 'k', redis: { client: 'redis://127.0.0.1:1' } } satisfies SharedRateLimiterOptions;
  const bad: [unknown, string][] = [
    [{ ...base, apiKey: '' }, 'apiKey'],
    [{ ...base, redis: undefined }, 'rateLimit.redis'],
    [{ ...base, redis: { client: 'http://127.0.0.1:6379' } }, 'rateLimit.redis.client'],
    [{ ...base, redis: { client: {} } }, 'rateLimit.redis.client'],
    [{ ...base, redis: { client: { duplicate() {}, isCluster: true } } }, 'rateLimit.redis.client'],
    [{ ...base, redis: { ...base.redis, id: '' } }, 'rateLimit.redis.id'],
    [{ ...base, redis: { ...base.redis, expectedProcesses: 1.5 } }, 'rateLimit.redis.expectedProcesses'],
    [{ ...base, redis: { ...base.redis, timeoutMs: 0 } }, 'rateLimit.redis.timeoutMs'],
    [{ ...base, batchesPerSecond: -1 }, 'rateLimit.batchesPerSecond'],
    [{ ...base, maxConcurrentRequests: 0 }, 'rateLimit.maxConcurrentRequests'],
    [{ ...base, pod: '' }, 'pod'],
  ];
  it.each(bad)('refuses %j naming the option', (options, option) => {
    let caught: unknown;
    try {
      new SharedRateLimiter(options as SharedRateLimiterOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).option).toBe(option);
  });

  it('sizes requests to a twentieth of one process’s share of a second', async () => {
    const make = (batchesPerSecond: number, expectedProcesses?: number) =>
      new SharedRateLimiter({
        apiKey: 'k',
        batchesPerSecond,
        redis: { client: 'redis://127.0.0.1:1', ...(expectedProcesses ? { expectedProcesses } : {}) },
      });
    const limiters = [make(200), make(270, 1), make(10), make(100_000, 2)];
    expect(limiters.map((l) => l.maxWeight)).toEqual([2, 13, 1, 100]);
    await Promise.all(limiters.map((l) => l.stop()));
  });
});

describe.skipIf(!hasRedis)('SharedRateLimiter against a real Redis', () => {
  let redis: RedisServer;
  let admin: Redis;
  const open: { stop(): Promise<void> }[] = [];
  const clients: Redis[] = [];

  const client = () => {
    const c = new Redis(redis.port, { lazyConnect: true, maxRetriesPerRequest: 1 });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  const limiter = (
    options: Omit<Partial<SharedRateLimiterOptions>, 'redis'> & {
      redis?: Partial<SharedRateLimiterOptions['redis']>;
    },
  ) => {
    const l = new SharedRateLimiter({
      apiKey: 'test-key',
      batchesPerSecond: 200,
      ...options,
      redis: { client: client(), timeoutMs: 500, retryIntervalMs: 200, ...options.redis },
    });
    open.push(l);
    return l;
  };
  /** Push `batches` through the limiter in requests of `weight`; resolves with the task start times. */
  const push = async (l: SharedRateLimiter, batches: number, weight = l.maxWeight) => {
    const starts: number[] = [];
    const requests: Promise<void>[] = [];
    for (let i = 0; i < batches; i += weight) {
      requests.push(
        l.schedule(Math.min(weight, batches - i), async () => {
          starts.push(Date.now());
        }),
      );
    }
    await Promise.all(requests);
    return starts;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.port, { maxRetriesPerRequest: 1 });
    admin.on('error', () => {});
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.stop()));
    for (const c of clients.splice(0)) c.disconnect();
    if (!redis.running) await redis.start();
    redis.thaw();
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('paces one process at the shared rate and keeps only the key hash in Redis', async () => {
    const l = limiter({ apiKey: 'secret-api-key-123' });
    expect(await l.ready()).toBe('shared');
    const t0 = Date.now();
    const starts = await push(l, 200);
    const elapsed = Math.max(...starts) - t0;
    // 200 batches at 200/s: the last request starts about a second in.
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2500);
    const keys = await admin.keys('*');
    expect(keys.filter((k) => k.startsWith(`b_${l.id}_`)).length).toBeGreaterThan(0);
    expect(JSON.stringify(keys)).not.toContain('secret-api-key-123');
  });

  it('shares one budget between limiters with the same pod and key, not with another key', async () => {
    const a = limiter({});
    const b = limiter({});
    const other = limiter({ apiKey: 'another-key' });
    await Promise.all([a.ready(), b.ready(), other.ready()]);
    expect(a.id).toBe(b.id);
    expect(other.id).not.toBe(a.id);
    const t0 = Date.now();
    const [sa, sb, so] = await Promise.all([push(a, 150), push(b, 150), push(other, 150)]);
    const shared = Math.max(...sa, ...sb) - t0;
    const alone = Math.max(...so) - t0;
    // 300 batches on one budget take about 1.5 s; 150 on their own budget about 0.75 s.
    expect(shared).toBeGreaterThanOrEqual(1350);
    expect(alone).toBeLessThan(shared - 300);
    await sleep(1100);
    expect(a.activeProcesses).toBe(2);
    expect(other.activeProcesses).toBe(1);
  });

  it('applies a new rate to every limiter on the budget (adaptive pacing writes it once)', async () => {
    const a = limiter({ redis: { id: 'rate-change' } });
    const b = limiter({ redis: { id: 'rate-change' } });
    await Promise.all([a.ready(), b.ready()]);
    a.updateSettings({ batchesPerSecond: 100 });
    expect(a.currentRate).toBe(100);
    await sleep(100);
    const t0 = Date.now();
    const starts = await push(b, 100, 2);
    // b still believes in 200/s, but the shared schedule paces it at 100/s.
    expect(Math.max(...starts) - t0).toBeGreaterThanOrEqual(850);
  });

  it('falls back to the local limit when Redis dies, runs every request once, and restores when it returns', async () => {
    const l = limiter({ redis: { expectedProcesses: 2 } });
    const fallbacks: RateLimitFallbackEvent[] = [];
    const restores: RateLimitRestoredEvent[] = [];
    l.on('rateLimitFallback', (e) => fallbacks.push(e));
    l.on('rateLimitRestored', (e) => restores.push(e));
    expect(await l.ready()).toBe('shared');
    let ran = 0;
    const all = Promise.all(
      Array.from({ length: 150 }, () =>
        l.schedule(2, async () => {
          ran += 2;
        }),
      ),
    );
    await sleep(300);
    await redis.stop();
    await sleep(100);
    expect(l.mode).toBe('local');
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]?.localRate).toBe(100);
    const before = ran;
    await sleep(1000);
    // Local pace: 200 / 2 = 100 batches per second.
    expect(ran - before).toBeGreaterThanOrEqual(70);
    expect(ran - before).toBeLessThanOrEqual(130);
    await redis.start();
    await all;
    expect(ran).toBe(300);
    await sleep(1500);
    expect(restores).toHaveLength(1);
    expect(l.mode).toBe('shared');
  });

  it('keeps the slots Redis granted before a blip: every request still runs once Redis is back', async () => {
    // 20/s with one process: each request is one batch and 16 slots are granted up to 0.8 s ahead.
    const l = limiter({ batchesPerSecond: 20, redis: { expectedProcesses: 1, retryIntervalMs: 100 } });
    const restored = new Promise<void>((resolve) => l.on('rateLimitRestored', () => resolve()));
    expect(await l.ready()).toBe('shared');
    let ran = 0;
    const all = Promise.all(
      Array.from({ length: 30 }, () =>
        l.schedule(1, async () => {
          ran++;
        }),
      ),
    );
    await sleep(200);
    await redis.stop();
    await redis.start();
    await restored;
    const timeout = sleep(8000).then(() => 'timed out');
    expect(await Promise.race([all.then(() => 'done'), timeout])).toBe('done');
    expect(ran).toBe(30);
  });

  it('falls back when a frozen Redis does not grant slots within timeoutMs, and comes back when it thaws', async () => {
    const l = limiter({ redis: { timeoutMs: 300 } });
    const fallbacks: RateLimitFallbackEvent[] = [];
    l.on('rateLimitFallback', (e) => fallbacks.push(e));
    const restored = new Promise<RateLimitRestoredEvent>((resolve) => l.on('rateLimitRestored', resolve));
    expect(await l.ready()).toBe('shared');
    redis.freeze();
    let ran = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        l.schedule(2, async () => {
          ran++;
        }),
      ),
    );
    expect(ran).toBe(10);
    expect(fallbacks[0]?.reason).toMatch(/within 300 ms/);
    redis.thaw();
    const event = await restored;
    expect(event.downMs).toBeGreaterThan(0);
    expect(l.mode).toBe('shared');
  });

  it('starts in the local mode when Redis is down, and switches to the shared budget once it is up', async () => {
    await redis.stop();
    const l = limiter({});
    const fallback = new Promise<RateLimitFallbackEvent>((resolve) => l.on('rateLimitFallback', resolve));
    const restored = new Promise<RateLimitRestoredEvent>((resolve) => l.on('rateLimitRestored', resolve));
    expect(await l.ready()).toBe('local');
    expect((await fallback).reason).not.toBe('');
    await expect(l.schedule(1, async () => 'sent')).resolves.toBe('sent');
    await redis.start();
    await restored;
    expect(l.mode).toBe('shared');
  });

  it('connects from a URL, loading ioredis on demand', async () => {
    const l = new SharedRateLimiter({ apiKey: 'k', redis: { client: redis.url } });
    open.push(l);
    expect(await l.ready()).toBe('shared');
    await expect(l.schedule(1, async () => 42)).resolves.toBe(42);
  });

  it('keeps the password of a Redis URL out of its events and inspection', async () => {
    const port = await freePort();
    const l = new SharedRateLimiter({
      apiKey: 'the-api-key',
      redis: { client: `redis://user:hunter2@127.0.0.1:${port}`, timeoutMs: 300 },
    });
    open.push(l);
    const events: unknown[] = [];
    l.on('rateLimitFallback', (e) => events.push(e));
    expect(await l.ready()).toBe('local');
    const shown = [JSON.stringify(events), inspect(l), JSON.stringify(l), String(l.id)].join('\n');
    expect(events).toHaveLength(1);
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('the-api-key');
  });

  it('never reconfigures, closes or extends the client it is given', async () => {
    const given = client();
    const l = new SharedRateLimiter({ apiKey: 'k', redis: { client: given } });
    open.push(l);
    expect(await l.ready()).toBe('shared');
    const connected = async () =>
      String(await admin.client('LIST'))
        .trim()
        .split('\n').length;
    const withLimiter = await connected();
    await l.stop();
    await sleep(100);
    // The limiter's two connections are gone; the given client is as it was (lazy: never connected).
    expect(await connected()).toBe(withLimiter - 2);
    expect(given.status).toBe('wait');
    expect((given as unknown as Record<string, unknown>).register).toBeUndefined();
  });

  it('rejects waiting work with LimiterStoppedError on stop; the task never runs', async () => {
    const l = limiter({ batchesPerSecond: 10 });
    await l.ready();
    let ran = 0;
    const first = l.schedule(1, async () => ran++);
    const later = l.schedule(1, async () => ran++);
    await first;
    await l.stop();
    await expect(later).rejects.toBeInstanceOf(LimiterStoppedError);
    await expect(l.schedule(1, async () => ran++)).rejects.toBeInstanceOf(LimiterStoppedError);
    expect(ran).toBe(1);
    expect(l.mode).toBe('stopped');
  });

  it('honours an abort signal before the task starts', async () => {
    const l = limiter({ batchesPerSecond: 10 });
    await l.ready();
    const controller = new AbortController();
    let ran = false;
    const pending = l.schedule(
      20,
      async () => {
        ran = true;
      },
      controller.signal,
    );
    await sleep(50);
    controller.abort(new Error('closing'));
    await expect(pending).rejects.toThrow('closing');
    expect(ran).toBe(false);
  });

  it('holds this process’s requests during a Retry-After pause', async () => {
    const l = limiter({});
    await l.ready();
    const t0 = Date.now();
    l.pause(400);
    expect(l.pausedUntil).toBeGreaterThanOrEqual(t0 + 400);
    let startedAt = 0;
    await l.schedule(1, async () => {
      startedAt = Date.now();
    });
    expect(startedAt - t0).toBeGreaterThanOrEqual(390);
  });
});
