/**
 * The CLI streams its input: a 100,000-line NDJSON file is validated and sent with memory that does not
 * grow with the file. Runs the CLI in a child process (bundled here with esbuild, never with the package
 * build) against the fake Events API, and reads the peak RSS it reports in its `--json` summary.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeEventsApi, startFakeEventsApi } from '../../src/testing/index.js';
import { FAKE_ENV } from './helpers.js';

const LINES = 100_000;
const PEAK_RSS_LIMIT = 150_000_000; // bytes: "150 MB" read the strict way

let dir: string;
let cli: string;
let input: string;
let server: FakeEventsApi;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mparticle-events-cli-memory-'));
  cli = join(dir, 'cli.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: cli,
    logLevel: 'warning',
    // Bundled CommonJS dependencies (bottleneck) call require().
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  // About 600 bytes a line: three events and a few user attributes, like real exports.
  input = join(dir, 'batches.ndjson');
  const out = createWriteStream(input);
  for (let i = 0; i < LINES; i++) {
    const line = JSON.stringify({
      environment: 'development',
      user_identities: { customer_id: `customer-${i}`, email: `user${i}@example.com` },
      user_attributes: { plan: 'pro', seats: i % 50, $city: 'Lisbon' },
      events: ['Open', 'Search', 'Close'].map((name, j) => ({
        event_type: 'custom_event',
        data: {
          event_name: name,
          custom_event_type: 'navigation',
          timestamp_unixtime_ms: 1_700_000_000_000 + i * 1000 + j,
          custom_attributes: { query: `q${i}`, position: String(j) },
        },
      })),
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  // The CLI validated every batch already; the fake need not check them again nor keep them.
  server = await startFakeEventsApi({ recordBodies: false, validate: false });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it(`sends a ${LINES.toLocaleString('en')}-line NDJSON file with peak memory under 150 MB`, async () => {
  const fileBytes = (await stat(input)).size;
  const child = spawn(
    process.execPath,
    [cli, 'send', '--base-url', server.url, '--rate', 'off', '--json', '--quiet', input],
    { env: { ...FAKE_ENV, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code] = (await once(child, 'exit')) as [number];
  // No warnings either (a MaxListenersExceededWarning here means the client leaks abort listeners).
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const summary = JSON.parse(stdout) as Record<string, number>;
  expect(summary).toMatchObject({ ok: true, batches: LINES, accepted: LINES, failed: 0 });
  expect(server.stats.acceptedBatches).toBe(LINES);
  const peak = summary.peakRssBytes as number;
  console.log(
    `CLI send of ${LINES} lines (${(fileBytes / 1e6).toFixed(1)} MB): peak RSS ${(peak / 1e6).toFixed(1)} MB, ` +
      `${summary.requests} requests, ${(Number(summary.durationMs) / 1000).toFixed(1)} s`,
  );
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(PEAK_RSS_LIMIT);
  // The file is far bigger than the memory used: nothing holds it whole.
  expect(fileBytes).toBeGreaterThan(PEAK_RSS_LIMIT / 3);
}, 300_000);
