/**
 * Issue 6 acceptance 1–3 end to end: separate Node processes, each with an `EventsClient` whose
 * `rateLimit.redis` points at one real redis-server, push batches with `send()` to one fake Events API as
 * fast as the shared budget lets them. The server's arrival timestamps are the measure; it runs in a process
 * of its own so the test runner's work does not delay them.
 *
 * Scaled down from the 4 × 2,000 batches to 4 × 400–600 so the file runs in about 33 s;
 * scripts/ratelimit-acceptance.mjs runs the full figures through the same child.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  averageRate,
  bundleFixture,
  busiestWindowStart,
  countBetween,
  type FleetChild,
  firstFullWindow,
  maxInWindow,
  RemoteFakeServer,
  startChild,
} from './helpers/fleet.js';
import { RedisServer, redisAvailable } from './helpers/redis-server.js';

const RATE = 200;
const hasRedis = redisAvailable();

describe.skipIf(!hasRedis)('a fleet of EventsClient processes sharing one budget over Redis', () => {
  let redis: RedisServer;
  let server: RemoteFakeServer;
  let script: string;
  const cleanups: (() => void)[] = [];
  const children: FleetChild[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    const fake = await bundleFixture('fake-server-child.ts');
    cleanups.push(fake.cleanup);
    server = await RemoteFakeServer.start(fake.script);
    const child = await bundleFixture('fleet-child.ts');
    cleanups.push(child.cleanup);
    script = child.script;
  });

  afterAll(async () => {
    for (const child of children) child.process.kill('SIGKILL');
    await server?.close();
    await redis?.stop();
    for (const cleanup of cleanups) cleanup();
  });

  const fleet = (count: number, env: Record<string, string> = {}, n = 4): FleetChild[] => {
    // All start pushing at the same moment, once Node has started everywhere.
    const startAt = String(Date.now() + 2500);
    const started = Array.from({ length: n }, (_, i) =>
      startChild(script, `p${i}`, {
        REDIS_URL: redis.url,
        SERVER_URL: server.url,
        RATE: String(RATE),
        COUNT: String(count),
        START_AT: startAt,
        ...env,
      }),
    );
    children.push(...started);
    return started;
  };

  const received = async () => {
    const dump = await server.dump();
    const times = dump.batches.map(([, t]) => t).sort((a, b) => a - b);
    const ids = new Set(dump.batches.map(([id]) => id));
    return { dump, times, ids };
  };

  const doneOf = (p: FleetChild) => p.messages.find((m) => m.type === 'done');

  it('acceptance 1: four processes together keep to 200 ±10% batches/s, no window over 110%, nothing lost', async () => {
    await server.reset();
    const procs = fleet(400);
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes, JSON.stringify(procs.map((p) => p.messages))).toEqual([0, 0, 0, 0]);
    for (const p of procs) {
      expect(p.messages.some((m) => m.type === 'fallback')).toBe(false);
      expect(doneOf(p)).toMatchObject({ accepted: 400, failed: 0, retried: 0 });
      // Requests of maxWeight batches: 200 / 4 processes / 20 = 2 (SharedRateLimiter.maxWeight).
      expect(doneOf(p)?.requests).toBe(200);
      // close() closed the client's Redis connections: the process exits on its own, promptly.
      const exit = p.messages.find((m) => m.type === 'exit');
      expect((exit?.t ?? Number.POSITIVE_INFINITY) - (doneOf(p)?.t ?? 0)).toBeLessThan(2000);
    }
    const { dump, times, ids } = await received();
    expect(ids.size).toBe(1600);
    expect(dump.stats.acceptedBatches).toBe(1600);
    const rate = averageRate(times);
    const busiest = maxInWindow(times);
    console.log(
      `acceptance 1: ${times.length} batches, average ${rate.toFixed(1)}/s, busiest 1 s window ${busiest}`,
    );
    expect(rate).toBeGreaterThanOrEqual(RATE * 0.9);
    expect(rate).toBeLessThanOrEqual(RATE * 1.1);
    expect(busiest).toBeLessThanOrEqual(RATE * 1.1);
  });

  it('acceptance 2: when one of four dies mid-run, the other three use the whole budget within 5 s', async () => {
    await server.reset();
    const procs = fleet(500);
    await server.waitForAccepted(2 * RATE);
    const killedAt = Date.now();
    procs[0]?.process.kill('SIGKILL');
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes.slice(1)).toEqual([0, 0, 0]);
    const { times, ids } = await received();
    const recoveredAt = firstFullWindow(times, killedAt, RATE * 0.9);
    const after = countBetween(times, killedAt + 1000, killedAt + 5000) / 4;
    console.log(
      `acceptance 2: killed at +${killedAt - (times[0] as number)} ms; 90% of budget again after ` +
        `${recoveredAt === undefined ? 'never' : recoveredAt - killedAt} ms; ${after.toFixed(1)}/s over the 4 s after; ` +
        `busiest window ${maxInWindow(times)} at +${(busiestWindowStart(times) ?? 0) - killedAt} ms from the kill`,
    );
    expect(recoveredAt).toBeDefined();
    expect((recoveredAt as number) - killedAt).toBeLessThanOrEqual(5000);
    expect(after).toBeGreaterThanOrEqual(RATE * 0.9);
    expect(maxInWindow(times)).toBeLessThanOrEqual(RATE * 1.1);
    // The three survivors delivered everything they had.
    for (const name of ['p1', 'p2', 'p3']) {
      expect([...ids].filter((id) => id.startsWith(`${name}-`)).length).toBe(500);
    }
  });

  it('acceptance 3: with Redis stopped mid-run sending goes on under the local limit, nothing is lost, and the shared budget comes back', async () => {
    await server.reset();
    // expectedProcesses 2 with 4 processes: the local limit (200 / 2 each) is plainly different from the
    // shared budget, so the server's rates show which one is in force.
    const procs = fleet(600, { EXPECTED: '2' });
    await server.waitForAccepted(2 * RATE);
    const stoppedAt = Date.now();
    await redis.stop();
    await new Promise((r) => setTimeout(r, 2500));
    const restartedAt = Date.now();
    await redis.start();
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes, JSON.stringify(procs.map((p) => p.messages))).toEqual([0, 0, 0, 0]);
    const { dump, times, ids } = await received();
    expect(ids.size).toBe(2400);
    expect(dump.stats.duplicateBatches).toBe(0);
    for (const p of procs) {
      // The switch is reported through the client's own events.
      const fallback = p.messages.find((m) => m.type === 'fallback');
      const restored = p.messages.find((m) => m.type === 'restored');
      expect(fallback, p.name).toBeDefined();
      expect(fallback?.localRate).toBe(RATE / 2);
      expect(fallback?.t).toBeLessThan(restartedAt);
      expect(restored, p.name).toBeDefined();
      expect(restored?.t).toBeGreaterThanOrEqual(restartedAt);
      expect(doneOf(p)).toMatchObject({ accepted: 600, failed: 0 });
    }
    const restoredAt = Math.max(...procs.map((p) => p.messages.find((m) => m.type === 'restored')?.t ?? 0));
    const during =
      countBetween(times, stoppedAt + 500, restartedAt) / ((restartedAt - stoppedAt - 500) / 1000);
    const end = times.at(-1) as number;
    const afterSpan = end - (restoredAt + 500);
    const after = countBetween(times, restoredAt + 500, end) / (afterSpan / 1000);
    console.log(
      `acceptance 3: shared ${averageRate(times.filter((t) => t < stoppedAt)).toFixed(1)}/s before; ` +
        `local ${during.toFixed(1)}/s while Redis was down (4 × 200/2 expected); ` +
        `shared ${after.toFixed(1)}/s over ${afterSpan} ms after every process restored ` +
        `(restored ${restoredAt - restartedAt} ms after the restart)`,
    );
    expect(during).toBeGreaterThanOrEqual(4 * (RATE / 2) * 0.85);
    expect(during).toBeLessThanOrEqual(4 * (RATE / 2) * 1.1);
    expect(afterSpan).toBeGreaterThan(1500);
    expect(after).toBeGreaterThanOrEqual(RATE * 0.9);
    expect(after).toBeLessThanOrEqual(RATE * 1.1);
  });
});
