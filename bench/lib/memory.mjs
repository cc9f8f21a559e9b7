/**
 * Memory under a stalled server: does `queue.maxBytes` really bound what a client holds when mParticle
 * stops answering, and is every batch past the bound reported as dropped?
 */
import { runChild, startSink } from './processes.mjs';

/**
 * Runs the stalled-server measurement once and returns the child's figures plus the verdicts:
 * `peakWithinBound` (peak RSS over the idle baseline at most `rssFactor` × maxBytes), `beyondBoundDropped`
 * (batches past the bound were dropped, and what the client kept fits maxBytes plus what was already in
 * flight at the sink), `everyBatchSettled` (each batch has exactly one outcome) and `noneDelivered`.
 */
export async function runStalledMemory({
  batches = 20_000,
  eventsPerBatch = 10,
  seed = 1,
  extraAttributes = 6,
  maxBytes = 50_000_000,
  closeTimeoutMs = 1000,
  rssFactor = 2,
  onFull,
  sdkPath,
  execArgv = ['--expose-gc'],
  log = () => {},
} = {}) {
  const sink = await startSink({ stall: true });
  let result;
  let inFlight;
  try {
    result = await runChild(
      'children/stalled.mjs',
      {
        sinkUrl: sink.url(),
        batches,
        eventsPerBatch,
        seed,
        extraAttributes,
        maxBytes,
        closeTimeoutMs,
        onFull,
        sdkPath,
      },
      { execArgv },
    );
    inFlight = await sink.stats();
  } finally {
    await sink.close();
  }
  const inFlightBytes = inFlight.bytes;
  const verdicts = {
    peakWithinBound: result.peakOverBaselineBytes <= rssFactor * maxBytes,
    everyBatchSettled: result.outcomes.settled === batches,
    // Past the bound, batches are dropped and reported; what the client kept fits the bound (plus what
    // had already left for the sink, which no longer sits in the queue).
    beyondBoundDropped:
      (result.totalBytes <= maxBytes || result.outcomes.dropped > 0) &&
      result.retainedBytes <= maxBytes + inFlightBytes,
    noneDelivered: result.outcomes.accepted === 0,
  };
  log(
    `  stalled: ${batches} batches (${(result.totalBytes / 1e6).toFixed(1)} MB) into maxBytes ` +
      `${(maxBytes / 1e6).toFixed(1)} MB: ${result.outcomes.dropped} dropped, peak RSS +` +
      `${(result.peakOverBaselineBytes / 1e6).toFixed(1)} MB over baseline`,
  );
  return {
    config: { batches, eventsPerBatch, extraAttributes, maxBytes, closeTimeoutMs, rssFactor, onFull },
    ...result,
    sinkReceived: { requests: inFlight.requests, bytes: inFlightBytes, batches: inFlight.batches },
    peakOverBaselineVsMaxBytes: result.peakOverBaselineBytes / maxBytes,
    verdicts,
  };
}

/**
 * The same loop as {@link runStalledMemory} (build, serialize and yield, batch after batch) with no client:
 * the peak RSS the workload itself causes, which the client's share is measured against.
 */
export async function runStalledLoopAlone({
  batches = 20_000,
  eventsPerBatch = 10,
  seed = 1,
  extraAttributes = 6,
  sdkPath,
  execArgv = ['--expose-gc'],
  log = () => {},
} = {}) {
  const result = await runChild(
    'children/stalled.mjs',
    {
      sinkUrl: 'http://127.0.0.1:9',
      batches,
      eventsPerBatch,
      seed,
      extraAttributes,
      sdkPath,
      withoutClient: true,
    },
    { execArgv },
  );
  log(
    `  the same loop without a client: peak RSS +${(result.peakOverBaselineBytes / 1e6).toFixed(1)} MB over baseline`,
  );
  return result;
}
