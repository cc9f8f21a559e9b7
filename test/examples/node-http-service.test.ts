/**
 * examples/node-http-service.ts against the fake Events API: requests become batches, the client's own
 * queue delivers them on its interval, bad input is answered 400, and close() drains what is queued.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../examples/node-http-service.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';

let api: FakeEventsApi;

beforeAll(async () => {
  api = await startFakeEventsApi();
});
afterAll(async () => {
  await api.close();
});

async function start(flushIntervalMs: number): Promise<{ service: Service; url: string }> {
  const service = createService({
    client: { apiKey: 'test-key', apiSecret: 'test-secret', baseUrl: api.url },
    environment: 'development',
    flushIntervalMs,
  });
  await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
  const { port } = service.server.address() as AddressInfo;
  return { service, url: `http://127.0.0.1:${port}` };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

type Received = {
  environment: string;
  user_identities: { customer_id: string };
  consent_state?: { ccpa?: { data_sale_opt_out: { consented: boolean } } };
  events: { event_type: string; data: Record<string, unknown> }[];
};

describe('node:http service example', () => {
  it('answers 202 at once and the queue delivers each request as a batch on its interval', async () => {
    api.reset();
    const { service, url } = await start(100);
    try {
      const track = await post(`${url}/track`, {
        userId: 'u-1',
        event: 'Signed Up',
        attributes: { plan: 'pro' },
      });
      expect(track.status).toBe(202);
      const { queued } = (await track.json()) as { queued: string };
      const order = await post(
        `${url}/orders`,
        {
          userId: 'u-2',
          orderId: 'T-1001',
          currency: 'EUR',
          items: [{ sku: 'sku-1', name: 'Beans', price: 12.5, quantity: 2 }],
        },
        { 'Sec-GPC': '1' },
      );
      expect(order.status).toBe(202);

      // No flush() is called: the client's queue sends on its own interval.
      await api.waitFor((s) => s.stats.acceptedBatches === 2, { timeoutMs: 5_000 });
      const batches = api.batches.map((b) => b.batch as Received);
      const byUser = new Map(batches.map((b) => [b.user_identities.customer_id, b]));
      expect(api.sourceRequestIds().has(queued)).toBe(true);

      const tracked = byUser.get('u-1');
      expect(tracked?.environment).toBe('development');
      expect(tracked?.events[0]).toMatchObject({
        event_type: 'custom_event',
        data: { event_name: 'Signed Up', custom_attributes: { plan: 'pro' } },
      });
      expect(tracked?.consent_state).toBeUndefined();

      const ordered = byUser.get('u-2');
      expect(ordered?.events[0]).toMatchObject({
        event_type: 'commerce_event',
        data: {
          currency_code: 'EUR',
          product_action: { action: 'purchase', transaction_id: 'T-1001', total_amount: 25 },
        },
      });
      // Sec-GPC: 1 became a CCPA data-sale opt-out.
      expect(ordered?.consent_state?.ccpa?.data_sale_opt_out.consented).toBe(true);
    } finally {
      await service.close();
    }
  });

  it('answers 400 with the path of each problem, and enqueues nothing', async () => {
    api.reset();
    const { service, url } = await start(50);
    try {
      const missingEvent = await post(`${url}/track`, { userId: 'u-1' });
      expect(missingEvent.status).toBe(400);
      const { issues } = (await missingEvent.json()) as { issues: string[] };
      expect(issues.join('\n')).toContain('events[0].data.event_name');
      const badPrice = await post(`${url}/orders`, {
        userId: 'u-1',
        orderId: 'T-1',
        currency: 'USD',
        items: [{ sku: 's', name: 'n', price: 'free', quantity: 1 }],
      });
      expect(badPrice.status).toBe(400);
      expect(JSON.stringify(await badPrice.json())).toContain('product_action.products[0].price');
      expect((await post(`${url}/track`, { event: 'x' })).status).toBe(400);
      expect((await fetch(`${url}/nowhere`)).status).toBe(404);
      const report = await service.close();
      expect(report.accepted + report.failed).toBe(0);
      expect(api.stats.requests).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('close() (what SIGTERM runs) stops taking requests and delivers what is still queued', async () => {
    api.reset();
    // An interval far beyond the test: only close() can send these.
    const { service, url } = await start(60_000);
    for (let i = 0; i < 3; i++) {
      expect((await post(`${url}/track`, { userId: `u-${i}`, event: 'Opened' })).status).toBe(202);
    }
    expect(api.stats.acceptedBatches).toBe(0);
    const report = await service.close();
    expect(report).toMatchObject({ accepted: 3, failed: 0 });
    expect(api.stats.acceptedBatches).toBe(3);
    expect(service.client.closed).toBe(true);
    expect(service.server.listening).toBe(false);
    await expect(post(`${url}/track`, { userId: 'late', event: 'Opened' })).rejects.toThrow();
  });
});
