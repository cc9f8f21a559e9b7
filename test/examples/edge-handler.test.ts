/**
 * examples/edge-handler.ts against the fake Events API: the handler answers before the batch is delivered,
 * hands the flush to `waitUntil`, and records `Sec-GPC: 1` as a CCPA opt-out. Run in Node, and bundled
 * into an edge runtime VM (`@edge-runtime/vm`) to show it runs there.
 */
import { resolve } from 'node:path';
import { EdgeVM } from '@edge-runtime/vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeHandler, type EdgeContext } from '../../examples/edge-handler.js';
import { EventsClient } from '../../src/index.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';

const root = resolve(import.meta.dirname, '../..');
let api: FakeEventsApi;

beforeAll(async () => {
  api = await startFakeEventsApi();
});
afterAll(async () => {
  await api.close();
});

/** A runtime context that keeps what was handed to `waitUntil`. */
function runtime(): EdgeContext & { pending: Promise<unknown>[] } {
  const pending: Promise<unknown>[] = [];
  return { pending, waitUntil: (promise) => pending.push(promise) };
}

function track(body: unknown, headers: Record<string, string> = {}): Request {
  return new Request('https://shop.example/api/track', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (test)', ...headers },
    body: JSON.stringify(body),
  });
}

type Received = {
  user_identities: { customer_id: string };
  consent_state?: { ccpa?: { data_sale_opt_out: { consented: boolean } } };
  device_info?: { http_header_user_agent?: string };
  events: { event_type: string; data: { event_name: string } }[];
};

describe('edge handler example, in Node', () => {
  it('answers 202 before delivery, and the flush handed to waitUntil delivers the batch', async () => {
    api.reset();
    const handle = createEdgeHandler(
      new EventsClient({ apiKey: 'test-key', apiSecret: 'test-secret', baseUrl: api.url }),
    );
    // mParticle is slow: the response must not wait for it.
    api.fault({ delayMs: 500, times: 1 });
    const ctx = runtime();
    const response = await handle(track({ userId: 'u-1', event: 'Viewed Pricing' }, { 'Sec-GPC': '1' }), ctx);
    expect(response.status).toBe(202);
    const { queued } = (await response.json()) as { queued: string };
    expect(ctx.pending).toHaveLength(1);
    expect(api.stats.acceptedBatches).toBe(0);

    await Promise.all(ctx.pending);
    expect(api.sourceRequestIds()).toEqual(new Set([queued]));
    const batch = api.batches[0]?.batch as Received;
    expect(batch.user_identities.customer_id).toBe('u-1');
    expect(batch.events[0]).toMatchObject({
      event_type: 'custom_event',
      data: { event_name: 'Viewed Pricing' },
    });
    expect(batch.consent_state?.ccpa?.data_sale_opt_out.consented).toBe(true);
    expect(batch.device_info?.http_header_user_agent).toBe('Mozilla/5.0 (test)');
  });

  it('records no consent without Sec-GPC, and refuses bad input with 4xx and nothing queued', async () => {
    api.reset();
    const handle = createEdgeHandler(
      new EventsClient({ apiKey: 'test-key', apiSecret: 'test-secret', baseUrl: api.url }),
    );
    const ctx = runtime();
    expect((await handle(track({ userId: 'u-2', event: 'Opened' }, { 'Sec-GPC': '0' }), ctx)).status).toBe(
      202,
    );
    await Promise.all(ctx.pending);
    expect(api.batches).toHaveLength(1);
    expect((api.batches[0] as { batch: Received }).batch.consent_state).toBeUndefined();

    const bad = runtime();
    const noEvent = await handle(track({ userId: 'u-3' }), bad);
    expect(noEvent.status).toBe(400);
    expect(JSON.stringify(await noEvent.json())).toContain('events[0].data.event_name');
    expect((await handle(track({ event: 'x' }), bad)).status).toBe(400);
    expect((await handle(new Request('https://shop.example/', { method: 'GET' }), bad)).status).toBe(405);
    expect(
      (await handle(new Request('https://shop.example/', { method: 'POST', body: '{oops' }), bad)).status,
    ).toBe(400);
    expect(bad.pending).toEqual([]);
    expect(api.stats.acceptedBatches).toBe(1);
  });
});

describe('edge handler example, in an edge runtime VM', () => {
  it('runs unchanged where only web APIs exist, and delivers through waitUntil', async () => {
    api.reset();
    const result = await build({
      bundle: true,
      // The browser platform refuses node: built-ins, as edge runtimes do.
      platform: 'browser',
      format: 'iife',
      globalName: 'EdgeExample',
      target: 'es2022',
      alias: { 'mparticle-events': resolve(root, 'src/index.ts') },
      // The example imports only the package; the VM script below also needs the client class.
      stdin: {
        contents:
          "export { createEdgeHandler } from './examples/edge-handler.ts';\n" +
          "export { EventsClient } from './src/index.ts';\n",
        resolveDir: root,
        loader: 'ts',
      },
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text as string;
    expect(code).not.toMatch(/["']node:/);

    const vm = new EdgeVM();
    vm.evaluate(code);
    const output = await vm.evaluate(`(async () => {
      const client = new EdgeExample.EventsClient({
        apiKey: 'test-key',
        apiSecret: 'test-secret',
        baseUrl: ${JSON.stringify(api.url)},
      });
      const handle = EdgeExample.createEdgeHandler(client);
      const pending = [];
      const request = new Request('https://shop.example/api/track', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sec-gpc': '1' },
        body: JSON.stringify({ userId: 'edge-user', event: 'Edge Event' }),
      });
      const response = await handle(request, { waitUntil: (p) => pending.push(p) });
      const reports = await Promise.all(pending);
      return JSON.stringify({ status: response.status, body: await response.json(), accepted: reports[0].accepted });
    })()`);
    const { status, body, accepted } = JSON.parse(output as string) as {
      status: number;
      body: { queued: string };
      accepted: number;
    };
    expect({ status, accepted }).toEqual({ status: 202, accepted: 1 });
    expect(api.sourceRequestIds()).toEqual(new Set([body.queued]));
    const batch = api.batches[0]?.batch as Received;
    expect(batch.user_identities.customer_id).toBe('edge-user');
    expect(batch.consent_state?.ccpa?.data_sale_opt_out.consented).toBe(true);
  });
});
