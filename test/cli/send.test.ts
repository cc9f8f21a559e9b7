/**
 * The sending pass on its own: chunking, progress, and what happens to batches that cannot go.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendInput } from '../../src/cli/send.js';
import type { InputSource } from '../../src/cli/source.js';
import { EventsClient } from '../../src/client.js';
import { type FakeEventsApi, startFakeEventsApi } from '../../src/testing/index.js';
import { batch, FAKE_ENV, ndjson, tempDir } from './helpers.js';

/** An input held in memory; here it stands for the second pass over a file edited after the first. */
function memorySource(text: string): InputSource {
  return {
    name: 'memory',
    read: () =>
      (async function* () {
        yield text;
      })(),
    dispose: async () => {},
  };
}

let server: FakeEventsApi;
let files: Awaited<ReturnType<typeof tempDir>>;
const client = (): EventsClient =>
  new EventsClient({
    apiKey: FAKE_ENV.MPARTICLE_API_KEY,
    apiSecret: FAKE_ENV.MPARTICLE_API_SECRET,
    baseUrl: server.url,
    rateLimit: false,
  });

beforeAll(async () => {
  server = await startFakeEventsApi();
  files = await tempDir();
});
afterAll(async () => {
  await server.close();
  await files.remove();
});

describe('sendInput', () => {
  it('sends in chunks and reports progress up to the total', async () => {
    server.reset();
    const batches = Array.from({ length: 45 }, (_, i) => batch(i));
    const progress: [number, number][] = [];
    const c = client();
    const result = await sendInput(memorySource(ndjson(batches)), c, {
      historical: false,
      failedOut: undefined,
      chunkBatches: 10,
      onProgress: (done, failed) => progress.push([done, failed]),
    });
    await c.close();
    expect(result).toMatchObject({ accepted: 45, failed: 0, retried: 0, failures: [] });
    expect(result.requests).toBeGreaterThanOrEqual(5);
    expect(server.stats.acceptedBatches).toBe(45);
    expect(progress.at(-1)).toEqual([45, 0]);
    expect(progress.every(([done], i) => i === 0 || done >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
  });

  it('keeps a batch that became invalid since the validation pass, and sends the rest', async () => {
    server.reset();
    const failedOut = `${files.dir}/changed.ndjson`;
    const changed = '{"environment": "staging",\n "events": []}';
    const c = client();
    const result = await sendInput(
      memorySource(`${JSON.stringify(batch(1))}\n${changed.replace('\n', '')}\n`),
      c,
      {
        historical: false,
        failedOut,
      },
    );
    await c.close();
    expect(result).toMatchObject({ accepted: 1, failed: 1 });
    expect(result.failures).toEqual(['invalid batch: the input changed since it was validated (1 batch)']);
    expect(await readFile(failedOut, 'utf8')).toBe(`${changed.replace('\n', '')}\n`);
  });

  it('fails every batch a closed client refuses, and writes them all to --failed-out', async () => {
    server.reset();
    const failedOut = `${files.dir}/refused.ndjson`;
    const c = client();
    await c.close();
    const result = await sendInput(memorySource(ndjson([batch(1), batch(2), batch(3)])), c, {
      historical: false,
      failedOut,
      chunkBatches: 2,
    });
    expect(result).toMatchObject({ accepted: 0, failed: 3, requests: 0 });
    expect(result.failures[0]).toMatch(/^ClientClosedError: .* \(3 batches\)$/);
    const lines = (await readFile(failedOut, 'utf8')).trimEnd().split('\n');
    expect(
      lines.map(
        (l) => (JSON.parse(l) as { user_identities: { customer_id: string } }).user_identities.customer_id,
      ),
    ).toEqual(['customer-1', 'customer-2', 'customer-3']);
    expect(server.requests).toHaveLength(0);
  });

  it('stops when the input is no longer well-formed on the second pass', async () => {
    const c = client();
    await expect(
      sendInput(memorySource('[{"a": 1} x'), c, { historical: false, failedOut: undefined }),
    ).rejects.toThrow(/the input changed since it was validated/);
    await c.close();
  });
});
