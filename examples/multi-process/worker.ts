/**
 * One process of a fleet that shares mParticle's rate limit over Redis (issue 6).
 *
 * mParticle's limit (270 batches per second by default) belongs to the whole org. Every process built
 * like this one, talking to the same Redis with the same pod and API key, draws from one budget: with
 * twenty replicas each gets what it needs of the 270, not a fixed 270 / 20. If Redis goes away, each
 * process goes on at `batchesPerSecond / expectedProcesses` and says so; when Redis is back, the shared
 * budget resumes. Adaptive pacing (on by default) slows the whole fleet when mParticle reports usage above
 * 80% of the limit.
 *
 * Run a fleet with `main.ts` in this folder, or start this file yourself in each container:
 *
 *   REDIS_URL=redis://redis:6379 MPARTICLE_API_KEY=… MPARTICLE_API_SECRET=… node --experimental-strip-types examples/multi-process/worker.ts
 */
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { BatchBuilder, type DeliveryReport, EventsClient, type EventsClientOptions } from 'mparticle-events';

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** This process's name, used in its batches' `source_request_id`s and log lines. */
  name: string;
  /** Where the shared budget lives. */
  redisUrl: string;
  /** Credentials and pod (or `baseUrl`, for the fake Events API). */
  client: Pick<EventsClientOptions, 'apiKey' | 'apiSecret' | 'pod' | 'baseUrl'>;
  /** The budget of the whole fleet, in batches per second. */
  batchesPerSecond: number;
  /** How many processes normally share it: each one's rate while Redis is unreachable is the budget ÷ this. */
  expectedProcesses: number;
  /** How many batches this process sends (one custom event each). */
  batches: number;
  /** Where progress goes. */
  log?: (line: string) => void;
}

/** Send `batches` batches through a client that shares the fleet's budget, and report. */
export async function runWorker(options: WorkerOptions): Promise<DeliveryReport> {
  const log = options.log ?? ((line: string) => console.log(`[${options.name}] ${line}`));
  // The limiter opens its own connections from this client's settings (duplicate()); this one stays yours.
  const redis = new Redis(options.redisUrl, { lazyConnect: true });
  const client = new EventsClient({
    ...options.client,
    rateLimit: {
      batchesPerSecond: options.batchesPerSecond,
      redis: { client: redis, expectedProcesses: options.expectedProcesses },
    },
  });
  client.on('rateLimitFallback', (e) =>
    log(`Redis unreachable (${e.reason}): pacing locally at ${e.localRate}/s`),
  );
  client.on('rateLimitRestored', (e) => log(`Redis is back after ${e.downMs} ms: shared budget in force`));
  client.on('pace', (e) => log(`pace ${e.rate.toFixed(0)}/s (${e.reason})`));
  try {
    for (let i = 0; i < options.batches; i++) {
      const batch = new BatchBuilder({ environment: 'development', sourceRequestId: `${options.name}-${i}` })
        .userIdentities({ customer_id: `${options.name}-user-${i % 50}` })
        .customEvent({
          event_name: 'Job Processed',
          custom_event_type: 'other',
          custom_attributes: { worker: options.name },
        })
        .build();
      // enqueue() never waits for the network: the client packs, paces (on the shared budget) and retries.
      void client.enqueue(batch);
    }
    return await client.flush();
  } finally {
    await client.close({ timeoutMs: 5000 });
    redis.disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = (name: string, fallback?: string): string => {
    const value = process.env[name] ?? fallback;
    if (value === undefined) throw new Error(`set ${name}`);
    return value;
  };
  const report = await runWorker({
    name: env('WORKER_NAME', `worker-${process.pid}`),
    redisUrl: env('REDIS_URL', 'redis://127.0.0.1:6379'),
    client: {
      apiKey: env('MPARTICLE_API_KEY'),
      apiSecret: env('MPARTICLE_API_SECRET'),
      ...(process.env.MPARTICLE_BASE_URL ? { baseUrl: process.env.MPARTICLE_BASE_URL } : {}),
    },
    batchesPerSecond: Number(env('BATCHES_PER_SECOND', '270')),
    expectedProcesses: Number(env('EXPECTED_PROCESSES', '4')),
    batches: Number(env('BATCHES', '1000')),
  });
  console.log(
    JSON.stringify({ accepted: report.accepted, failed: report.failed, durationMs: report.durationMs }),
  );
}
