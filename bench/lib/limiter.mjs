/**
 * Limiter precision: with `rateLimit.batchesPerSecond` set, how close is the rate the server sees?
 * mParticle counts batches, not requests, against its 270/s default (events-api.md §2.2), so the rate
 * is measured in batches from the sink's arrival times.
 */
import { runChild, startSink } from './processes.mjs';
import { round } from './stats.mjs';

/**
 * The observed rate from a sink timeline of `[arrivalMs, batches]`: every batch after the first request,
 * over the time from the first arrival to the last. With evenly paced requests this is exactly the
 * configured rate; a burst at the start shows up as a higher figure, as it should.
 */
export function observedRate(timeline) {
  if (timeline.length < 2) return Number.NaN;
  const sorted = [...timeline].sort((a, b) => a[0] - b[0]);
  const spanMs = sorted[sorted.length - 1][0] - sorted[0][0];
  let batches = 0;
  for (let i = 1; i < sorted.length; i++) batches += sorted[i][1];
  return batches / (spanMs / 1000);
}

/** The most batches that arrived within any window of `windowMs` (windows start at an arrival). */
export function maxInWindow(timeline, windowMs = 1000) {
  const sorted = [...timeline].sort((a, b) => a[0] - b[0]);
  let best = 0;
  let sum = 0;
  let from = 0;
  // Windows [t_i - windowMs, t_i]: a two-pointer sweep over arrivals.
  for (let to = 0; to < sorted.length; to++) {
    sum += sorted[to][1];
    while (sorted[to][0] - sorted[from][0] >= windowMs) sum -= sorted[from++][1];
    if (sum > best) best = sum;
  }
  return best;
}

/** Runs the limiter for about `seconds` at `batchesPerSecond` and returns the observed rate and verdict. */
export async function runLimiter({
  batchesPerSecond = 270,
  seconds = 10,
  eventsPerBatch = 10,
  seed = 1,
  tolerance = 0.05,
  sdkPath,
  log = () => {},
} = {}) {
  const batches = Math.round(batchesPerSecond * seconds);
  const sink = await startSink({ timeline: true });
  let result;
  let received;
  try {
    result = await runChild('children/limiter.mjs', {
      sinkUrl: sink.url(),
      batches,
      eventsPerBatch,
      seed,
      batchesPerSecond,
      sdkPath,
    });
    received = await sink.stats();
  } finally {
    await sink.close();
  }
  const rate = observedRate(received.timeline);
  const spanMs = received.timeline.length > 1 ? received.timeline.at(-1)[0] - received.timeline[0][0] : 0;
  const out = {
    config: { batchesPerSecond, seconds, batches, eventsPerBatch, tolerance },
    delivered: received.batches,
    requests: received.requests,
    spanMs: round(spanMs),
    observedBatchesPerSecond: round(rate),
    ratio: round(rate / batchesPerSecond),
    maxInAnySecond: maxInWindow(received.timeline, 1000),
    withinTolerance: Math.abs(rate / batchesPerSecond - 1) <= tolerance,
    client: result,
  };
  log(
    `  limiter: ${out.delivered} batches in ${received.requests} requests over ${(spanMs / 1000).toFixed(2)} s, ` +
      `${out.observedBatchesPerSecond} batches/s (target ${batchesPerSecond})`,
  );
  return out;
}
