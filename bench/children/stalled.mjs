/**
 * Memory under a stalled server, in its own process (started by bench/lib/memory.mjs).
 *
 * Enqueues `batches` batches into an `EventsClient` bounded by `queue.maxBytes`, against a sink that
 * reads every request and never answers. Measures the idle RSS baseline first, then the peak, counts
 * every batch's outcome, and closes the client with a short timeout. Options (JSON in argv[2]):
 * `sinkUrl`, `batches`, `eventsPerBatch`, `seed`, `extraAttributes`, `maxBytes`, `closeTimeoutMs`,
 * `onFull` (the queue's overflow policy; the client's default if absent), `sdkPath`, and `withoutClient`:
 * the same loop (build, serialize, yield) with no client at all, the reference the client's share of the
 * peak is measured against.
 */
import { performance } from 'node:perf_hooks';
import { childContext, loadSdk, peakRss, yieldToIo } from '../lib/processes.mjs';
import { buildWithSdk, generateBatchSpec } from '../lib/workload.mjs';

const { options, done, fail } = childContext();
const {
  sinkUrl,
  batches,
  eventsPerBatch = 10,
  seed = 1,
  extraAttributes = 6,
  extraAttributeLength = 32,
  maxBytes,
  closeTimeoutMs = 1000,
  onFull,
  sdkPath,
  withoutClient = false,
} = options;

/** Sorts an outcome into accepted, dropped or failed, whatever exact shape the client gives it. */
function classify(outcome) {
  const status = outcome?.status ?? outcome?.outcome ?? outcome?.type;
  if (status === 'accepted' || status === 'delivered' || outcome?.ok === true) return 'accepted';
  if (status === 'dropped' || outcome?.dropped === true) return 'dropped';
  return 'failed';
}

try {
  const sdk = await loadSdk(sdkPath);
  const specOptions = { eventsPerBatch, seed, extraAttributes, extraAttributeLength };
  const client = withoutClient
    ? undefined
    : new sdk.EventsClient({
        apiKey: 'bench-key',
        apiSecret: 'bench-secret',
        baseUrl: `${sinkUrl}/v2`,
        // Only the byte bound, as issue 5 sets it (maxBatches keeps its default); `onFull` to compare policies.
        queue: onFull ? { maxBytes, onFull } : { maxBytes },
      });
  // Warm up the builder outside the client, then settle: the baseline is an idle, loaded process.
  for (let i = 0; i < 20; i++)
    sdk.serializeBatch(buildWithSdk(sdk, generateBatchSpec(batches + i, specOptions)));
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const baselineRssBytes = process.memoryUsage.rss();
  const baselineHeapBytes = process.memoryUsage().heapUsed;

  const counts = { accepted: 0, dropped: 0, failed: 0 };
  const sizes = new Array(batches);
  const kinds = new Array(batches);
  const outcomes = new Array(batches);
  let totalBytes = 0;
  const start = performance.now();
  for (let b = 0; b < batches; b++) {
    // Generated one at a time, so the workload itself is not what fills memory.
    const batch = buildWithSdk(sdk, generateBatchSpec(b, specOptions));
    sizes[b] = sdk.serializeBatch(batch).length;
    totalBytes += sizes[b];
    if (!client) {
      await yieldToIo();
      continue;
    }
    let outcome;
    try {
      outcome = client.enqueue(batch);
    } catch (error) {
      // onFull: 'reject' throws QueueFullError and keeps nothing: that batch is dropped, by the caller.
      if (error?.name !== 'QueueFullError') throw error;
      outcome = Promise.resolve({ status: 'dropped' });
    }
    outcomes[b] = outcome.then(
      (outcome) => {
        const kind = classify(outcome);
        kinds[b] = kind;
        counts[kind]++;
      },
      () => {
        kinds[b] = 'failed';
        counts.failed++;
      },
    );
    await yieldToIo();
  }
  const enqueueMs = performance.now() - start;
  // Let in-flight requests reach the stalled sink before the peak is read.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const peakRssBytes = peakRss();
  const droppedBeforeClose = counts.dropped;
  // What the client really holds, without the garbage the build loop left (only with --expose-gc).
  let liveHeapOverBaselineBytes;
  if (globalThis.gc) {
    globalThis.gc();
    liveHeapOverBaselineBytes = process.memoryUsage().heapUsed - baselineHeapBytes;
  }
  let retainedBytes = 0;
  for (let b = 0; b < batches; b++) if (kinds[b] !== 'dropped') retainedBytes += sizes[b];

  if (!client) {
    done({
      batches,
      totalBytes,
      baselineRssBytes,
      peakRssBytes,
      peakOverBaselineBytes: peakRssBytes - baselineRssBytes,
    });
  } else {
    const closeStart = performance.now();
    const report = await client.close({ timeoutMs: closeTimeoutMs });
    const closeMs = performance.now() - closeStart;
    await Promise.race([Promise.all(outcomes), new Promise((resolve) => setTimeout(resolve, 5000))]);
    const settled = counts.accepted + counts.dropped + counts.failed;
    done({
      batches,
      maxBytes,
      totalBytes,
      retainedBytes,
      baselineRssBytes,
      peakRssBytes,
      peakOverBaselineBytes: peakRssBytes - baselineRssBytes,
      liveHeapOverBaselineBytes,
      peakAfterCloseRssBytes: peakRss(),
      enqueueMs,
      closeMs,
      droppedBeforeClose,
      outcomes: { ...counts, settled },
      report: report && {
        accepted: report.accepted,
        failed: report.failed,
        dropped: report.dropped,
        requests: report.requests,
      },
    });
  }
} catch (error) {
  fail(error);
}
