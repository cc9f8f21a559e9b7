/**
 * Acceptance 9 of issue 3: the core entry runs in an edge runtime. `src/index.ts` is bundled by esbuild
 * for the browser platform (which refuses `node:` built-ins), evaluated in `@edge-runtime/vm`, and sends
 * to the fake Events API with the VM's own `fetch`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { EdgeVM } from '@edge-runtime/vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';

const root = resolve(import.meta.dirname, '../..');
let server: FakeEventsApi;

beforeAll(async () => {
  server = await startFakeEventsApi();
});

afterAll(async () => {
  await server.close();
});

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}

it('no core source imports a node: built-in (only src/testing and src/cli may)', async () => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(join(root, 'src'))) {
    const path = relative(root, file);
    if (path.startsWith(join('src', 'testing')) || path.startsWith(join('src', 'cli'))) continue;
    const text = await readFile(file, 'utf8');
    if (/from\s+['"]node:|import\(\s*['"]node:|require\(\s*['"]node:/.test(text)) offenders.push(path);
  }
  expect(offenders).toEqual([]);
});

it('sends a batch from inside an edge runtime VM', async () => {
  const result = await build({
    entryPoints: [join(root, 'src/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'MParticleEvents',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text as string;
  expect(code).not.toMatch(/["']node:/);
  // ioredis (the optional peer dependency of rateLimit.redis) is loaded on demand only, never bundled.
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((path) => path.includes('node_modules/bottleneck/'))).toBe(true);
  expect(inputs.filter((path) => path.includes('node_modules/ioredis/'))).toEqual([]);

  // The first attempt fails, so the retry path (timers, backoff) runs inside the VM too.
  server.fault({ status: 503, times: 1 });
  const vm = new EdgeVM();
  vm.evaluate(code);
  const output = await vm.evaluate(`(async () => {
    const client = new MParticleEvents.EventsClient({
      apiKey: 'test-key',
      apiSecret: 'test-secret',
      baseUrl: ${JSON.stringify(server.url)},
      retry: { minDelayMs: 10, maxDelayMs: 20 },
    });
    const batch = {
      environment: 'development',
      user_identities: { customer_id: 'edge-user' },
      source_request_id: 'edge-1',
      events: [{ event_type: 'custom_event', data: { event_name: 'Edge', custom_event_type: 'other' } }],
    };
    const sent = await client.send(batch);
    client.enqueue({ ...batch, source_request_id: 'edge-2' });
    const flushed = await client.close({ timeoutMs: 2000 });
    return JSON.stringify({ sent: sent.accepted, closed: flushed.accepted, retried: sent.retried });
  })()`);
  expect(JSON.parse(output as string)).toEqual({ sent: 1, closed: 1, retried: 1 });
  expect(server.sourceRequestIds()).toEqual(new Set(['edge-1', 'edge-2']));
});
