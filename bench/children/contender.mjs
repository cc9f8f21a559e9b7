/**
 * One contender's end-to-end throughput run, in its own process (started by bench/lib/throughput.mjs).
 *
 * Options (JSON in argv[2]): `contender` ('raw' | 'official' | 'segment' | 'ours'), `sinkUrl`, `batches`,
 * `eventsPerBatch`, `seed`, `concurrency`, `sdkPath`. The workload is generated before the clock starts;
 * everything a user's code would do per event (building, validating, serializing, sending) is timed.
 * Loops that produce batches yield to the event loop after each one, as a server producing them per
 * incoming request would, so sending overlaps building instead of waiting for the loop to end.
 * Reports `{ durationMs, peakRssBytes, ... }` over IPC.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { childContext, loadSdk, peakRss, yieldToIo } from '../lib/processes.mjs';
import {
  buildWithOfficial,
  buildWithSdk,
  generateWorkload,
  packRanges,
  toSegmentTracks,
  toWireBatch,
} from '../lib/workload.mjs';

const { options, done, fail } = childContext();
const { contender, sinkUrl, batches, eventsPerBatch = 10, seed = 1, concurrency = 10, sdkPath } = options;

/** Runs `task(i)` for i in [0, count) with at most `limit` running at once. */
async function pool(count, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** Request boundaries shared by the raw and official contenders: the same packing ours must obey. */
function ranges(specs) {
  const sizes = specs.map((spec) => Buffer.byteLength(JSON.stringify(toWireBatch(spec))));
  return packRanges(sizes);
}

async function runRaw(specs) {
  // The ceiling: bodies prebuilt as JSON strings before the clock starts, then only fetch.
  const bodies = ranges(specs).map(([from, to]) => {
    const parts = [];
    for (let i = from; i < to; i++) parts.push(JSON.stringify(toWireBatch(specs[i])));
    return `[${parts.join(',')}]`;
  });
  const url = `${sinkUrl}/v2/bulkevents`;
  const headers = {
    'content-type': 'application/json',
    authorization: 'Basic YmVuY2gta2V5OmJlbmNoLXNlY3JldA==',
  };
  const start = performance.now();
  await pool(bodies.length, concurrency, async (i) => {
    const response = await fetch(url, { method: 'POST', headers, body: bodies[i] });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`raw: status ${response.status}`);
  });
  return { durationMs: performance.now() - start, requestsSent: bodies.length };
}

async function runOfficial(specs) {
  const require = createRequire(import.meta.url);
  const mp = require('mparticle');
  const apiClient = new mp.ApiClient();
  apiClient.basePath = `${sinkUrl}/v2`;
  const api = new mp.EventsApi(new mp.Configuration('bench-key', 'bench-secret'), apiClient);
  const bounds = ranges(specs);
  const start = performance.now();
  await pool(bounds.length, concurrency, async (r) => {
    const [from, to] = bounds[r];
    const body = [];
    for (let i = from; i < to; i++) body.push(buildWithOfficial(mp, specs[i]));
    await new Promise((resolve, reject) => {
      api.bulkUploadEvents(body, (error, _data, response) => {
        if (error) reject(error);
        else if (response.status !== 202) reject(new Error(`official: status ${response.status}`));
        else resolve();
      });
    });
  });
  return { durationMs: performance.now() - start, requestsSent: bounds.length };
}

async function runSegment(specs) {
  const { Analytics } = await import('@segment/analytics-node');
  // flushAt is Segment's events-per-request knob (maxEventsInBatch is its older name); it also caps a
  // request at 480 KB by itself. 100 batches of 10 events = 1,000 events, as many as ours sends at most.
  const analytics = new Analytics({
    writeKey: 'bench-write-key',
    host: sinkUrl,
    path: '/v1/batch',
    flushAt: 100 * eventsPerBatch,
    flushInterval: 10_000,
  });
  let requests = 0;
  let retries = 0;
  let failures = 0;
  analytics.on('http_request', (request) => {
    requests++;
    if (request.headers['X-Retry-Count'] !== undefined) retries++;
  });
  analytics.on('http_response', (response) => {
    if (response.status >= 300) failures++;
  });
  const tracks = specs.map(toSegmentTracks);
  const start = performance.now();
  for (let b = 0; b < tracks.length; b++) {
    for (const call of tracks[b]) analytics.track(call);
    await yieldToIo();
  }
  await analytics.closeAndFlush({ timeout: 600_000 });
  const durationMs = performance.now() - start;
  if (retries > 0 || failures > 0)
    throw new Error(`segment: ${retries} retries, ${failures} failed responses`);
  return { durationMs, requestsSent: requests, retries };
}

async function runOurs(specs) {
  const sdk = await loadSdk(sdkPath);
  const client = new sdk.EventsClient({
    apiKey: 'bench-key',
    apiSecret: 'bench-secret',
    baseUrl: `${sinkUrl}/v2`,
    rateLimit: false,
    // Room for the whole run: this measures speed, not overflow (the stalled-server run does that).
    queue: { maxBatches: specs.length + 1, maxBytes: 1_000_000_000 },
  });
  const start = performance.now();
  for (let b = 0; b < specs.length; b++) {
    client.enqueue(buildWithSdk(sdk, specs[b]));
    await yieldToIo();
  }
  const report = await client.flush();
  const durationMs = performance.now() - start;
  await client.close({ timeoutMs: 1000 });
  if (report.failed > 0 || report.accepted !== specs.length) {
    throw new Error(`ours: accepted ${report.accepted} of ${specs.length}, failed ${report.failed}`);
  }
  return { durationMs, requestsSent: report.requests, accepted: report.accepted };
}

const runners = { raw: runRaw, official: runOfficial, segment: runSegment, ours: runOurs };

try {
  const run = runners[contender];
  if (!run) throw new Error(`unknown contender ${contender}`);
  const specs = generateWorkload({ batches, eventsPerBatch, seed });
  const result = await run(specs);
  done({ contender, ...result, events: batches * eventsPerBatch, peakRssBytes: peakRss() });
} catch (error) {
  fail(error);
}
