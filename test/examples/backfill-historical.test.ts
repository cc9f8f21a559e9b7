/**
 * examples/backfill-historical.ts against the fake Events API: a file of past batches goes to
 * /v2/bulkevents/historical in chunks; every line not delivered is reported with its number and reason;
 * a second run over the same file is deduplicated by source_request_id.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill } from '../../examples/backfill-historical.js';
import { EventsClient } from '../../src/index.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';

const DAY = 24 * 60 * 60 * 1000;
let api: FakeEventsApi;
let dir: string;

beforeAll(async () => {
  api = await startFakeEventsApi({
    // A batch the server itself refuses, to show delivery failures are reported by line too.
    validateBatch: (batch) => {
      const id = (batch as { user_identities?: { customer_id?: string } }).user_identities?.customer_id;
      if (id === 'refused-by-server') throw new Error('refused');
    },
  });
  dir = await mkdtemp(join(tmpdir(), 'mparticle-events-backfill-'));
});
afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function pastBatch(n: number, options: { ageMs?: number; customerId?: string; id?: boolean } = {}): string {
  return JSON.stringify({
    environment: 'development',
    ...(options.id !== false && { source_request_id: `past-${n}` }),
    user_identities: { customer_id: options.customerId ?? `cust-${n}` },
    events: [
      {
        event_type: 'custom_event',
        data: {
          event_name: 'Legacy Import',
          custom_event_type: 'other',
          timestamp_unixtime_ms: Date.now() - (options.ageMs ?? 40 * DAY),
        },
      },
    ],
  });
}

function client(): EventsClient {
  return new EventsClient({
    apiKey: 'test-key',
    apiSecret: 'test-secret',
    baseUrl: api.url,
    rateLimit: false,
  });
}

describe('historical backfill example', () => {
  it('sends a file in chunks to the historical endpoint and reports each failed line', async () => {
    api.reset();
    const lines: string[] = [];
    for (let n = 1; n <= 250; n++) lines.push(pastBatch(n));
    lines[9] = '{"environment": "development", "events": ['; // line 10: not JSON
    lines[99] = pastBatch(100, { ageMs: DAY }); // line 100: a day old, under the historical endpoint's 72 hours
    lines[199] = pastBatch(200, { customerId: 'refused-by-server' }); // line 200: the server answers 400
    lines.splice(150, 0, ''); // a blank line (line 151) is skipped, and shifts the lines after it by one
    const file = join(dir, 'past.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);

    const progress: number[] = [];
    const sender = client();
    const result = await backfill({
      client: sender,
      file,
      chunkSize: 100,
      onProgress: ({ lines: read }) => progress.push(read),
    });
    await sender.close();

    expect(result.lines).toBe(250);
    expect(result.accepted).toBe(247);
    expect(result.failures.map((f) => f.line)).toEqual([10, 100, 201]);
    expect(result.failures[1]).toMatchObject({
      sourceRequestId: 'past-100',
      reason: expect.stringContaining('events[0].data.timestamp_unixtime_ms: must be at least 72 hours old'),
    });
    expect(result.failures[2]).toMatchObject({
      sourceRequestId: 'past-200',
      reason: expect.stringContaining('400'),
    });
    // A chunk is 100 batches: line 10 holds none, so the first chunk fills at the 101st line read.
    expect(progress).toEqual([101, 201, 250]);

    expect(api.stats.acceptedBatches).toBe(247);
    expect(new Set(api.batches.map((b) => b.path))).toEqual(new Set(['/v2/bulkevents/historical']));
    expect(api.sourceRequestIds().has('past-100')).toBe(false);
    expect(api.sourceRequestIds().has('past-1')).toBe(true);
  });

  it('gives batches without a source_request_id one derived from the line, so a rerun is deduplicated', async () => {
    api.reset();
    const file = join(dir, 'no-ids.ndjson');
    await writeFile(file, `${[1, 2, 3].map((n) => pastBatch(n, { id: false })).join('\n')}\n`);
    const sender = client();
    const first = await backfill({ client: sender, file });
    const ids = api.sourceRequestIds();
    const second = await backfill({ client: sender, file });
    await sender.close();

    expect(first).toMatchObject({ lines: 3, accepted: 3, failures: [] });
    expect(second).toMatchObject({ lines: 3, accepted: 3, failures: [] });
    expect(ids.size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^backfill-[0-9a-f]{32}$/);
    // The second run sent the same ids: mParticle would drop them as duplicates (events-api.md §1.7).
    expect(api.stats.duplicateBatches).toBe(3);
    expect(api.sourceRequestIds()).toEqual(ids);
  });
});
