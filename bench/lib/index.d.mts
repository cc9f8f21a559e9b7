/**
 * Types for the benchmark functions in bench/lib (plain .mjs, so `npm run bench` needs no TypeScript
 * loader), for the smoke test in test/bench.
 */

export interface Summary {
  min: number;
  median: number;
  max: number;
}

export interface SinkStats {
  requests: number;
  bytes: number;
  batches: number;
  events: number;
  connections: number;
  maxRequestBytes: number;
  maxBatchesPerRequest: number;
  paths: Record<string, number>;
  retriedRequests: number;
  timeline?: [arrivalMs: number, batches: number][];
  verify?: {
    parseErrors: number;
    batches: number;
    events: number;
    distinctBatchIds: number;
    distinctEventIds: number;
  };
}

export interface Sink {
  port: number;
  url(path?: string): string;
  stats(): Promise<SinkStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export function startSink(options?: { stall?: boolean; verify?: boolean; timeline?: boolean }): Promise<Sink>;
export function runChild(
  script: string,
  options: Record<string, unknown>,
  settings?: { execArgv?: string[]; timeoutMs?: number },
): Promise<Record<string, unknown>>;

export type Contender = 'raw' | 'official' | 'segment' | 'ours';
export const CONTENDERS: Contender[];

export interface ContenderRun {
  durationMs: number;
  eventsPerSecond: number;
  peakRssBytes: number;
  requests: number;
  connections: number;
  bytes: number;
  maxRequestBytes: number;
  maxBatchesPerRequest: number;
  retriedRequests: number;
  delivered: { events: number; batches: number; verify?: SinkStats['verify'] };
}

export interface ThroughputResult {
  config: {
    batches: number;
    eventsPerBatch: number;
    events: number;
    runs: number;
    concurrency: number;
    seed: number;
    contenders: Contender[];
  };
  rounds: Partial<Record<Contender, ContenderRun>>[];
  contenders: Partial<
    Record<
      Contender,
      {
        eventsPerSecond: Summary;
        durationMs: Summary;
        peakRssBytes: Summary;
        requests: Summary;
        connections: Summary;
        bytesPerEvent: number;
      }
    >
  >;
  ratios: Record<string, Summary>;
}

export function runThroughput(options?: {
  batches?: number;
  eventsPerBatch?: number;
  runs?: number;
  concurrency?: number;
  seed?: number;
  sdkPath?: string;
  contenders?: Contender[];
  verify?: boolean;
  execArgv?: Partial<Record<Contender, string[]>>;
  log?: (line: string) => void;
}): Promise<ThroughputResult>;

export interface BuilderCostResult {
  config: { iterations: number; warmup: number; samples: number; pool: number; eventsPerBatch: number };
  bytesPerBatch: number;
  sameText: boolean;
  microsecondsPerBatch: Record<'total' | 'stringify' | 'build' | 'serialize' | 'parseBatch', Summary>;
  ratio: Summary;
  checksum: number;
}

export function measureBuilderCost(
  sdk: unknown,
  options?: {
    iterations?: number;
    warmup?: number;
    samples?: number;
    pool?: number;
    eventsPerBatch?: number;
    seed?: number;
  },
): BuilderCostResult;
export function profileBuilder(
  sdk: unknown,
  options?: { iterations?: number; eventsPerBatch?: number; seed?: number; pool?: number },
): number;

export interface StalledMemoryResult {
  config: {
    batches: number;
    eventsPerBatch: number;
    extraAttributes: number;
    maxBytes: number;
    closeTimeoutMs: number;
    rssFactor: number;
    onFull?: 'drop-newest' | 'drop-oldest' | 'reject';
  };
  batches: number;
  maxBytes: number;
  totalBytes: number;
  retainedBytes: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  peakOverBaselineBytes: number;
  peakAfterCloseRssBytes: number;
  enqueueMs: number;
  closeMs: number;
  droppedBeforeClose: number;
  outcomes: { accepted: number; dropped: number; failed: number; settled: number };
  report?: { accepted?: number; failed?: number; dropped?: number; requests?: number };
  sinkReceived: { requests: number; bytes: number; batches: number };
  peakOverBaselineVsMaxBytes: number;
  verdicts: {
    peakWithinBound: boolean;
    everyBatchSettled: boolean;
    beyondBoundDropped: boolean;
    noneDelivered: boolean;
  };
}

export function runStalledMemory(options?: {
  batches?: number;
  eventsPerBatch?: number;
  seed?: number;
  extraAttributes?: number;
  maxBytes?: number;
  closeTimeoutMs?: number;
  rssFactor?: number;
  onFull?: 'drop-newest' | 'drop-oldest' | 'reject';
  sdkPath?: string;
  execArgv?: string[];
  log?: (line: string) => void;
}): Promise<StalledMemoryResult>;

export function runStalledLoopAlone(options?: {
  batches?: number;
  eventsPerBatch?: number;
  seed?: number;
  extraAttributes?: number;
  sdkPath?: string;
  execArgv?: string[];
  log?: (line: string) => void;
}): Promise<{
  batches: number;
  totalBytes: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  peakOverBaselineBytes: number;
}>;

export function bottleneckStarts(jobs?: number): Promise<{
  jobs: number;
  maxConcurrent: number;
  medianGapMs: number;
  lastStartMs: number;
}>;

export function transportCpu(
  sink: Sink,
  requests?: number,
  rounds?: number,
): Promise<{
  bodyBytes: number;
  requests: number;
  rounds: number;
  cpuMsPerRequest: Record<'node:http' | 'fetch' | 'ky', number[]>;
}>;

export interface LimiterResult {
  config: {
    batchesPerSecond: number;
    seconds: number;
    batches: number;
    eventsPerBatch: number;
    tolerance: number;
  };
  delivered: number;
  requests: number;
  spanMs: number;
  observedBatchesPerSecond: number;
  ratio: number;
  maxInAnySecond: number;
  withinTolerance: boolean;
  client: Record<string, unknown>;
}

export function runLimiter(options?: {
  batchesPerSecond?: number;
  seconds?: number;
  eventsPerBatch?: number;
  seed?: number;
  tolerance?: number;
  sdkPath?: string;
  log?: (line: string) => void;
}): Promise<LimiterResult>;
export function observedRate(timeline: [number, number][]): number;
export function maxInWindow(timeline: [number, number][], windowMs?: number): number;

export const DIST_ENTRY: string;
export function timeImport(specifier: string): Promise<{ importMs: number; processMs: number }>;
export function runStartup(options?: {
  sdkPath?: string;
  runs?: number;
  log?: (line: string) => void;
}): Promise<{
  runs: number;
  ours: { importMs: Summary; processMs: Summary };
  segment: { importMs: Summary; processMs: Summary };
  oursVsSegment: Summary;
}>;
export function measureBundle(options?: {
  entry?: string;
  platform?: 'neutral' | 'node' | 'browser';
  external?: string[];
}): Promise<{
  minifiedBytes: number;
  gzippedBytes: number;
  packages: { name: string; minifiedBytes: number; share: number }[];
  dominant: string | undefined;
}>;

export function summariseProfile(
  path: string,
  options?: { top?: number },
): Promise<{
  totalMs: number;
  functions: { function: string; location: string; owner: string; ms: number; share: number }[];
  packages: { name: string; ms: number; share: number }[];
}>;

export function median(values: number[]): number;
export function summary(values: number[]): Summary;

export interface BatchSpec {
  customerId: string;
  email: string;
  events: (
    | {
        kind: 'custom';
        timestamp: number;
        name: string;
        type: string;
        attributes: Record<string, string | number | boolean>;
      }
    | {
        kind: 'commerce';
        timestamp: number;
        action: string;
        transactionId: string | undefined;
        total: number;
        products: { id: string; name: string; price: number; quantity: number }[];
      }
  )[];
}
export function generateWorkload(options: {
  batches: number;
  eventsPerBatch?: number;
  seed?: number;
  commerceShare?: number;
  extraAttributes?: number;
  extraAttributeLength?: number;
}): BatchSpec[];
export function buildWithSdk(sdk: unknown, spec: BatchSpec): unknown;
export function toWireBatch(spec: BatchSpec): Record<string, unknown>;
export function packRanges(
  byteSizes: number[],
  limits?: { maxBatches?: number; maxBytes?: number },
): [number, number][];
