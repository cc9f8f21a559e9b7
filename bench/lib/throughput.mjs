/**
 * End-to-end throughput: every contender sends the same workload to the same sink, one process per
 * contender run, contenders interleaved (A B C D A B C D …), each figure a median over the runs.
 */
import { runChild, startSink } from './processes.mjs';
import { round, roundSummary, summary } from './stats.mjs';

/**
 * Requests in flight at once in our client when `rateLimit` is false (its `maxConcurrentRequests`
 * default); the raw and official contenders get the same.
 */
export const OUR_DEFAULT_CONCURRENCY = 10;

/** The contenders, in the order they run within a round. */
export const CONTENDERS = ['raw', 'official', 'segment', 'ours'];

/**
 * Runs the throughput benchmark and returns per-run results, per-contender summaries and the ratios
 * between contenders (computed per round, then summarised as min, median and max).
 *
 * Throws if any contender did not deliver every event to the sink: a fast run that lost events is not
 * a result.
 */
export async function runThroughput({
  batches = 10_000,
  eventsPerBatch = 10,
  runs = 3,
  concurrency = OUR_DEFAULT_CONCURRENCY,
  seed = 1,
  sdkPath,
  contenders = CONTENDERS,
  verify = false,
  execArgv = {},
  log = () => {},
} = {}) {
  const expectedEvents = batches * eventsPerBatch;
  const sink = await startSink({ verify });
  const rounds = [];
  try {
    for (let r = 0; r < runs; r++) {
      const results = {};
      for (const contender of contenders) {
        await sink.reset();
        const result = await runChild(
          'children/contender.mjs',
          { contender, sinkUrl: sink.url(), batches, eventsPerBatch, seed, concurrency, sdkPath },
          { execArgv: execArgv[contender] ?? [] },
        );
        const delivered = await sink.stats();
        const complete =
          delivered.events === expectedEvents && (contender === 'segment' || delivered.batches === batches);
        if (!complete) {
          throw new Error(
            `${contender} delivered ${delivered.events} of ${expectedEvents} events ` +
              `(${delivered.batches} batches of ${batches}) in run ${r + 1}`,
          );
        }
        results[contender] = {
          durationMs: round(result.durationMs),
          eventsPerSecond: round(expectedEvents / (result.durationMs / 1000)),
          peakRssBytes: result.peakRssBytes,
          requests: delivered.requests,
          connections: delivered.connections,
          bytes: delivered.bytes,
          maxRequestBytes: delivered.maxRequestBytes,
          maxBatchesPerRequest: delivered.maxBatchesPerRequest,
          retriedRequests: delivered.retriedRequests,
          delivered: { events: delivered.events, batches: delivered.batches, verify: delivered.verify },
        };
        log(
          `  run ${r + 1}/${runs} ${contender.padEnd(8)} ${Math.round(results[contender].eventsPerSecond)} events/s, ` +
            `peak RSS ${(result.peakRssBytes / 1e6).toFixed(0)} MB, ${delivered.requests} requests`,
        );
      }
      rounds.push(results);
    }
  } finally {
    await sink.close();
  }
  return {
    config: { batches, eventsPerBatch, events: expectedEvents, runs, concurrency, seed, contenders },
    rounds,
    contenders: Object.fromEntries(contenders.map((c) => [c, summariseContender(rounds.map((r) => r[c]))])),
    ratios: ratios(rounds, contenders),
  };
}

function summariseContender(results) {
  return {
    eventsPerSecond: roundSummary(summary(results.map((x) => x.eventsPerSecond))),
    durationMs: roundSummary(summary(results.map((x) => x.durationMs))),
    peakRssBytes: summary(results.map((x) => x.peakRssBytes)),
    requests: summary(results.map((x) => x.requests)),
    connections: summary(results.map((x) => x.connections)),
    bytesPerEvent: round(results[0].bytes / results[0].delivered.events, 3),
  };
}

function ratios(rounds, contenders) {
  const has = (c) => contenders.includes(c);
  const ratio = (a, b, field) => roundSummary(summary(rounds.map((r) => r[a][field] / r[b][field])));
  const out = {};
  if (has('ours') && has('raw')) out.oursVsRaw = ratio('ours', 'raw', 'eventsPerSecond');
  if (has('ours') && has('official')) out.oursVsOfficial = ratio('ours', 'official', 'eventsPerSecond');
  if (has('ours') && has('segment')) out.oursVsSegment = ratio('ours', 'segment', 'eventsPerSecond');
  if (has('official') && has('raw')) out.officialVsRaw = ratio('official', 'raw', 'eventsPerSecond');
  if (has('segment') && has('raw')) out.segmentVsRaw = ratio('segment', 'raw', 'eventsPerSecond');
  if (has('ours') && has('official')) out.oursRssVsOfficialRss = ratio('ours', 'official', 'peakRssBytes');
  if (has('ours') && has('segment')) out.oursRssVsSegmentRss = ratio('ours', 'segment', 'peakRssBytes');
  return out;
}
