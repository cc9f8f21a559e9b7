/**
 * The EventsClient with `rateLimit.redis`, in one process against a real redis-server: which budget it
 * draws from, how it sizes requests, that the switch to and from the local limit reaches its events and
 * logger without losing a batch, and that `close()` closes its Redis connections. The fleet-wide figures
 * are in fleet.test.ts.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventsClient } from '../../src/client.js';
import { ConfigurationError } from '../../src/errors.js';
import { sharedRateLimitId } from '../../src/ratelimit/redis.js';
import type { RateLimitFallbackEvent, RateLimitRestoredEvent } from '../../src/ratelimit/shared.js';
import { type FakeEventsApi, startFakeEventsApi } from '../../src/testing/index.js';
import { API_KEY, fakeClient, makeBatch } from '../client/support.js';
import { RedisServer, redisAvailable } from './helpers/redis-server.js';

const hasRedis = redisAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const batches = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => makeBatch(i, { id: `${prefix}-${i}` }));

describe('EventsClient rateLimit.redis options', () => {
  it.each([
    [{ client: 'http://127.0.0.1:6379' }, 'rateLimit.redis.client'],
    [{ client: {} }, 'rateLimit.redis.client'],
    [{ client: 'redis://127.0.0.1:1', expectedProcesses: 0 }, 'rateLimit.redis.expectedProcesses'],
    [{ client: 'redis://127.0.0.1:1', id: '' }, 'rateLimit.redis.id'],
  ])('refuses %j at construction, naming the option', (redis, option) => {
    let caught: unknown;
    try {
      fakeClient('http://127.0.0.1:1/v2', { rateLimit: { redis: redis as never } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as ConfigurationError).option).toBe(option);
  });
});

describe.skipIf(!hasRedis)('EventsClient with rateLimit.redis', () => {
  let redis: RedisServer;
  let admin: Redis;
  let server: FakeEventsApi;
  const clients: EventsClient[] = [];

  const connections = async () =>
    String(await admin.client('LIST'))
      .trim()
      .split('\n').length;

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.port, { maxRetriesPerRequest: 1 });
    admin.on('error', () => {});
    server = await startFakeEventsApi({ recordBodies: false });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 1000 })));
    if (!redis.running) await redis.start();
    server.reset();
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.close();
    await redis?.stop();
  });

  it('draws from the budget of its pod and key hash, in requests of maxWeight, and close() closes its connections', async () => {
    const before = await connections();
    const userRedis = new Redis(redis.port);
    const c = fakeClient(server.url, {
      pod: 'eu1',
      rateLimit: { batchesPerSecond: 200, redis: { client: userRedis, expectedProcesses: 4 } },
    });
    clients.push(c);
    const report = await c.send(batches(40, 'budget'));
    expect(report).toMatchObject({ accepted: 40, failed: 0 });
    // 200/s over 4 expected processes: requests of at most 200 / 4 / 20 = 2 batches.
    expect(Math.max(...server.requests.map((r) => r.batchCount))).toBe(2);
    const id = await sharedRateLimitId('eu1', API_KEY);
    const keys = await admin.keys('*');
    expect(keys.some((k) => k.startsWith(`b_${id}_`))).toBe(true);
    expect(JSON.stringify(keys)).not.toContain(API_KEY);
    // The client's own connections (a duplicate and bottleneck's subscriber) are open until close().
    expect(await connections()).toBeGreaterThanOrEqual(before + 2);
    await c.close();
    await sleep(100);
    expect(await connections()).toBe(before + 1); // the user's connection, untouched
    expect(userRedis.status).toBe('ready');
    userRedis.disconnect();
  });

  it('names the budget after the baseUrl host when no pod is given', async () => {
    const c = fakeClient(server.url, { rateLimit: { batchesPerSecond: 500, redis: { client: redis.url } } });
    clients.push(c);
    await c.send(makeBatch(1));
    const id = await sharedRateLimitId(new URL(server.url).host, API_KEY);
    expect((await admin.keys(`b_${id}_*`)).length).toBeGreaterThan(0);
  });

  it('reports the switch to the local limit and back through its events and logger, losing no batch', async () => {
    const logged: string[] = [];
    const log = (level: string) => (message: string) => logged.push(`${level} ${message}`);
    const c = fakeClient(server.url, {
      rateLimit: {
        batchesPerSecond: 100,
        redis: { client: redis.url, expectedProcesses: 1, timeoutMs: 500, retryIntervalMs: 200 },
      },
      logger: { warn: log('warn'), info: log('info') },
    });
    clients.push(c);
    const fallbacks: RateLimitFallbackEvent[] = [];
    const restores: RateLimitRestoredEvent[] = [];
    c.on('rateLimitFallback', (e) => fallbacks.push(e));
    c.on('rateLimitRestored', (e) => restores.push(e));
    for (const batch of batches(250, 'switch')) void c.enqueue(batch);
    const flushed = c.flush();
    await sleep(300);
    await redis.stop();
    await sleep(700);
    await redis.start();
    const report = await flushed;
    expect(report).toMatchObject({ accepted: 250, failed: 0, dropped: 0 });
    expect(server.sourceRequestIds().size).toBe(250);
    expect(server.stats.duplicateBatches).toBe(0);
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]).toMatchObject({ localRate: 100 });
    expect(restores).toHaveLength(1);
    expect(restores[0]?.downMs).toBeGreaterThan(0);
    expect(logged.some((line) => /^warn .*Redis unreachable/.test(line))).toBe(true);
    expect(logged.some((line) => /^info .*shared rate limit restored/.test(line))).toBe(true);
  });
});
