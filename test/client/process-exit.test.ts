/**
 * Acceptance 7 of issue 3: a child process that sends, flushes and returns exits on its own, promptly;
 * an idle client never holds a process open. The child runs our sources bundled by esbuild (no build step).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';

const root = resolve(import.meta.dirname, '../..');
let dir: string;
let server: FakeEventsApi;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mpe-exit-'));
  server = await startFakeEventsApi();
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function bundle(name: string, source: string): Promise<string> {
  const outfile = join(dir, `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts', sourcefile: `${name}.ts` },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}

/** Run a script; resolve with its output, exit code, and how long it took to exit after printing DONE. */
function run(
  file: string,
): Promise<{ code: number | null; stdout: string; stderr: string; exitAfterDoneMs: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, BASE_URL: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let doneAt: number | undefined;
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (doneAt === undefined && stdout.includes('DONE')) doneAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolvePromise({
        code,
        stdout,
        stderr,
        exitAfterDoneMs: doneAt === undefined ? -1 : Date.now() - doneAt,
      });
    });
  });
}

const batchSource = `
const batch = (i: number) => ({
  environment: 'development',
  user_identities: { customer_id: 'child-' + i },
  events: [{ event_type: 'custom_event', data: { event_name: 'Child', custom_event_type: 'other' } }],
});
`;

it('a process that sends, retries, flushes and returns exits promptly on its own', async () => {
  // The first request fails, so the child also sleeps through a retry backoff before its flush resolves.
  server.fault({ status: 503, times: 1 });
  const file = await bundle(
    'send-flush',
    `
import { EventsClient } from './src/index.ts';
${batchSource}
const client = new EventsClient({
  apiKey: 'test-key',
  apiSecret: 'test-secret',
  baseUrl: process.env.BASE_URL!,
  retry: { minDelayMs: 200, maxDelayMs: 300 },
  queue: { flushIntervalMs: 60_000 },
});
const sent = await client.send(batch(1));
for (let i = 2; i <= 20; i++) client.enqueue(batch(i));
const flushed = await client.flush();
console.log(JSON.stringify({ sent: sent.accepted, flushed: flushed.accepted, retried: sent.retried }));
console.log('DONE');
`,
  );
  const result = await run(file);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout.split('\n')[0] as string)).toEqual({ sent: 1, flushed: 19, retried: 1 });
  expect(result.exitAfterDoneMs).toBeGreaterThanOrEqual(0);
  expect(result.exitAfterDoneMs).toBeLessThan(1_000);
  expect(server.sourceRequestIds().size).toBe(20);
});

it('an idle client, even with a batch queued, does not keep the process alive', async () => {
  const file = await bundle(
    'idle',
    `
import { EventsClient } from './src/index.ts';
${batchSource}
const client = new EventsClient({
  apiKey: 'test-key',
  apiSecret: 'test-secret',
  baseUrl: process.env.BASE_URL!,
  queue: { flushIntervalMs: 60_000 },
});
client.enqueue(batch(1));
console.log('DONE');
`,
  );
  const result = await run(file);
  expect(result.code).toBe(0);
  expect(result.exitAfterDoneMs).toBeGreaterThanOrEqual(0);
  expect(result.exitAfterDoneMs).toBeLessThan(1_000);
});
