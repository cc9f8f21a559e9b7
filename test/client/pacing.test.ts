/**
 * Acceptance 4 of issue 3: with `batchesPerSecond: 200` over at least 5 s, the server sees 200 ±10%
 * batches per second and never more than 110% in any one-second window (measured on the server's
 * arrival timestamps).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import { fakeClient, makeBatch } from './support.js';

let server: FakeEventsApi;

beforeAll(async () => {
  server = await startFakeEventsApi({ recordBodies: false });
});

afterAll(async () => {
  await server.close();
});

it('paces 1,200 batches at 200 per second, within 10% in every one-second window', async () => {
  const rate = 200;
  const client = fakeClient(server.url, { rateLimit: { batchesPerSecond: rate } });
  const batches = Array.from({ length: 1_200 }, (_, i) => makeBatch(i));
  const report = await client.send(batches);
  await client.close();
  expect(report.accepted).toBe(1_200);

  // Arrival time of every batch, from the requests that carried them.
  const arrivals = server.requests
    .filter((r) => r.status === 202)
    .flatMap((r) => Array.from({ length: r.batchCount }, () => r.receivedAt))
    .sort((a, b) => a - b);
  expect(arrivals).toHaveLength(1_200);
  const first = arrivals[0] as number;
  const last = arrivals[arrivals.length - 1] as number;
  expect(last - first).toBeGreaterThanOrEqual(5_000);

  // Each whole second from the first arrival: 200 ±10%.
  const fullSeconds = Math.floor((last - first) / 1_000);
  expect(fullSeconds).toBeGreaterThanOrEqual(5);
  for (let k = 0; k < fullSeconds; k++) {
    const from = first + k * 1_000;
    const count = arrivals.filter((t) => t >= from && t < from + 1_000).length;
    expect(count, `second ${k}`).toBeGreaterThanOrEqual(rate * 0.9);
    expect(count, `second ${k}`).toBeLessThanOrEqual(rate * 1.1);
  }

  // Any one-second window, starting at any arrival: never more than 110%.
  let peak = 0;
  let j = 0;
  for (let i = 0; i < arrivals.length; i++) {
    while (j < arrivals.length && (arrivals[j] as number) < (arrivals[i] as number) + 1_000) j++;
    peak = Math.max(peak, j - i);
  }
  expect(peak).toBeLessThanOrEqual(rate * 1.1);

  // Overall: 1,200 batches over the time the pace allows.
  const overall = (arrivals.length - 10) / ((last - first) / 1_000);
  expect(overall).toBeGreaterThanOrEqual(rate * 0.9);
  expect(overall).toBeLessThanOrEqual(rate * 1.1);
});
