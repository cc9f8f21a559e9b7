/**
 * Measurements behind design choices in the client (docs/BENCHMARKS.md, "Findings that shaped the code"):
 *
 * 1. How fast Bottleneck starts jobs when its concurrency cap would let them all run at once.
 * 2. CPU per request of one 254 kB POST (the size of a full bulk request) to the local sink with `node:http`, `fetch` and ky, 10 at a time.
 *
 * Run: `node bench/findings.mjs` (about 20 s). Not part of `npm run bench`: these are not issue targets.
 */
import { bottleneckStarts, transportCpu } from './lib/findings.mjs';
import { startSink } from './lib/processes.mjs';

const sink = await startSink();
try {
  const starts = await bottleneckStarts();
  console.log(
    `Bottleneck, ${starts.jobs} jobs, maxConcurrent ${starts.maxConcurrent}: one start every ` +
      `${starts.medianGapMs.toFixed(2)} ms (median), the last at ${starts.lastStartMs.toFixed(1)} ms`,
  );
  const transport = await transportCpu(sink);
  console.log(`CPU per ${transport.bodyBytes}-byte POST, 10 at a time (ms; ${transport.rounds} rounds):`);
  for (const [name, values] of Object.entries(transport.cpuMsPerRequest)) {
    console.log(`  ${name.padEnd(9)} ${values.map((v) => v.toFixed(2)).join('  ')}`);
  }
} finally {
  await sink.close();
}
