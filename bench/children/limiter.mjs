/**
 * Limiter precision, in its own process (started by bench/lib/limiter.mjs): enqueue `batches` batches
 * into an `EventsClient` limited to `batchesPerSecond`, flush, and report. The sink records when each
 * request arrived and how many batches it held; the parent computes the observed rate from that.
 * Options (JSON in argv[2]): `sinkUrl`, `batches`, `eventsPerBatch`, `seed`, `batchesPerSecond`, `sdkPath`.
 */
import { performance } from 'node:perf_hooks';
import { childContext, loadSdk } from '../lib/processes.mjs';
import { buildWithSdk, generateWorkload } from '../lib/workload.mjs';

const { options, done, fail } = childContext();
const { sinkUrl, batches, eventsPerBatch = 10, seed = 1, batchesPerSecond, sdkPath } = options;

try {
  const sdk = await loadSdk(sdkPath);
  const built = generateWorkload({ batches, eventsPerBatch, seed }).map((spec) => buildWithSdk(sdk, spec));
  const client = new sdk.EventsClient({
    apiKey: 'bench-key',
    apiSecret: 'bench-secret',
    baseUrl: `${sinkUrl}/v2`,
    rateLimit: { batchesPerSecond },
    queue: { maxBatches: batches + 1, maxBytes: 1_000_000_000 },
  });
  const start = performance.now();
  for (const batch of built) client.enqueue(batch);
  const report = await client.flush();
  const durationMs = performance.now() - start;
  await client.close({ timeoutMs: 1000 });
  done({ durationMs, accepted: report.accepted, failed: report.failed, requests: report.requests });
} catch (error) {
  fail(error);
}
