/**
 * The benchmark code, as functions: bench/run.mjs calls them at full size, test/bench/smoke.test.ts at
 * tiny sizes so they cannot rot.
 */
export { measureBuilderCost, profileBuilder } from './builder-cost.mjs';
export { bottleneckStarts, transportCpu } from './findings.mjs';
export { maxInWindow, observedRate, runLimiter } from './limiter.mjs';
export { runStalledLoopAlone, runStalledMemory } from './memory.mjs';
export { runChild, startSink } from './processes.mjs';
export { summariseProfile } from './profile.mjs';
export { DIST_ENTRY, measureBundle, runStartup, timeImport } from './startup.mjs';
export { median, summary } from './stats.mjs';
export { CONTENDERS, runThroughput } from './throughput.mjs';
export { buildWithSdk, generateWorkload, packRanges, toWireBatch } from './workload.mjs';
