/**
 * Issue 6 acceptance 4: adaptive pacing over real HTTP. A small delivery loop stands in for the client
 * (which is not wired to the pacer yet): every request goes through a SharedRateLimiter, every response is
 * fed to an AdaptivePacer, and the pacer's 'pace' events set the limiter's rate, as the client will.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdaptivePacer, type PaceEvent, readRateLimitHeaders } from '../../src/ratelimit/pacing.js';
import { SharedRateLimiter } from '../../src/ratelimit/shared.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import { startAccelerationServer } from './helpers/acceleration-server.js';
import { RedisServer, redisAvailable } from './helpers/redis-server.js';

const hasRedis = redisAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const AUTH = `Basic ${btoa('test-key:test-secret')}`;

interface Delivery {
  /** Requests answered 429 and sent again. */
  retries: number;
  durationMs: number;
}

/**
 * Send `count` batches to `url` through `limiter`, as fast as it lets them, retrying 429s: with the pacer's
 * delay when it gives one, else with exponential backoff and full jitter (100 ms base, 2 s cap).
 */
async function deliver(
  limiter: SharedRateLimiter,
  url: string,
  count: number,
  prefix: string,
  pacer?: AdaptivePacer,
): Promise<Delivery> {
  const t0 = Date.now();
  let retries = 0;
  const weight = limiter.maxWeight;
  const send = async (ids: string[], attempt: number): Promise<void> => {
    const response = await limiter.schedule(ids.length, () =>
      fetch(`${url}/bulkevents`, {
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/json' },
        body: JSON.stringify(
          ids.map((id) => ({ environment: 'development', source_request_id: id, events: [] })),
        ),
      }),
    );
    await response.arrayBuffer();
    const signals = readRateLimitHeaders(response.headers);
    pacer?.observe({ status: response.status, batches: ids.length, ...signals });
    if (response.status === 202) return;
    if (response.status !== 429) throw new Error(`unexpected status ${response.status}`);
    retries++;
    const backoff = Math.random() * Math.min(2000, 100 * 2 ** attempt);
    await sleep(pacer?.retryDelayMs({ exceeded: signals.exceeded, weight: ids.length }) ?? backoff);
    return send(ids, attempt + 1);
  };
  const requests: Promise<void>[] = [];
  for (let i = 0; i < count; i += weight) {
    requests.push(
      send(
        Array.from({ length: Math.min(weight, count - i) }, (_, j) => `${prefix}-${i + j}`),
        0,
      ),
    );
  }
  await Promise.all(requests);
  return { retries, durationMs: Date.now() - t0 };
}

describe.skipIf(!hasRedis)('adaptive pacing against a server reporting its limits', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  const limiters: SharedRateLimiter[] = [];

  const limiter = (id: string) => {
    const client = new Redis(redis.port, { lazyConnect: true });
    clients.push(client);
    const l = new SharedRateLimiter({
      apiKey: 'test-key',
      batchesPerSecond: 200,
      redis: { client, id, expectedProcesses: 1 },
    });
    limiters.push(l);
    return l;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await Promise.all(limiters.map((l) => l.stop()));
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  it('acceptance 4a: with usage reported at 95% the rate falls, and it recovers when usage drops', async () => {
    let usage = 95;
    const server = await startFakeEventsApi({
      validate: false,
      recordBodies: false,
      rateLimitPercentageUsed: () => usage,
    });
    try {
      const l = limiter('adaptive-usage');
      const pacer = new AdaptivePacer({ batchesPerSecond: 200, increaseStep: 60, now: Date.now });
      const paces: (PaceEvent & { t: number })[] = [];
      pacer.on('pace', (e) => {
        paces.push({ ...e, t: Date.now() });
        l.updateSettings({ batchesPerSecond: e.rate });
      });
      await l.ready();
      const t0 = Date.now();
      const drop = sleep(3000).then(() => {
        usage = 30;
      });
      await deliver(l, server.url, 1000, 'u', pacer);
      await drop;
      const times = server.batches.map((b) => b.receivedAt - t0);
      const rateIn = (from: number, to: number) =>
        times.filter((t) => t >= from && t < to).length / ((to - from) / 1000);
      const lowest = Math.min(...paces.map((p) => p.rate));
      const lastSecond = rateIn(Math.max(...times) - 1000, Math.max(...times));
      console.log(
        `acceptance 4a: server saw ${rateIn(0, 1000).toFixed(0)}/s in the first second, ` +
          `${rateIn(2000, 3000).toFixed(0)}/s in the third (95% reported), pace down to ${lowest.toFixed(0)}/s, ` +
          `then ${lastSecond.toFixed(0)}/s in the last second; pace events: ` +
          paces.map((p) => `${p.reason}@${p.t - t0}ms→${p.rate.toFixed(0)}`).join(', '),
      );
      expect(server.stats.acceptedBatches).toBe(1000);
      // Falls while usage is high: by the third second the server sees well under the configured 200/s.
      expect(paces.filter((p) => p.t - t0 < 3000).every((p) => p.reason === 'usage-high')).toBe(true);
      expect(rateIn(2000, 3000)).toBeLessThan(200 * 0.6);
      expect(lowest).toBeLessThan(200 * 0.5);
      // Recovers once usage drops: the pace climbs back to the configured rate, the server sees it.
      expect(paces.at(-1)?.rate).toBe(200);
      expect(paces.at(-1)?.reason).toBe('usage-low');
      expect(lastSecond).toBeGreaterThan(rateIn(2000, 3000) * 1.5);
    } finally {
      await server.close();
    }
  });

  it('acceptance 4b: with acceleration 429s, delivery completes with fewer retries than with plain backoff', async () => {
    const model = { base: 40, growth: 1.5 };
    const plainServer = await startAccelerationServer(model);
    const plain = await deliver(limiter('accel-plain'), plainServer.url, 400, 'p');
    await plainServer.close();

    const pacedServer = await startAccelerationServer(model);
    const l = limiter('accel-paced');
    const pacer = new AdaptivePacer({ batchesPerSecond: 200, increaseStep: 40, holdMs: 1000 });
    pacer.on('pace', (e) => l.updateSettings({ batchesPerSecond: e.rate }));
    const paced = await deliver(l, pacedServer.url, 400, 'a', pacer);
    await pacedServer.close();

    console.log(
      `acceptance 4b: 400 batches against an acceleration limit (x${model.growth}/s from ${model.base}/s): ` +
        `plain backoff ${plain.retries} retries in ${plain.durationMs} ms; ` +
        `adaptive pacing ${paced.retries} retries in ${paced.durationMs} ms`,
    );
    for (const server of [plainServer, pacedServer]) {
      expect(server.accepted.size).toBe(400);
      expect([...server.accepted.values()].every((n) => n === 1)).toBe(true);
    }
    expect(plain.retries).toBeGreaterThan(0);
    expect(paced.retries).toBeLessThan(plain.retries * 0.75);
  });
});
