/**
 * Backfill: send a file of past batches (NDJSON, one batch a line) to the historical endpoint,
 * `/v2/bulkevents/historical`, meant for data older than 30 days (events-api.md §1.2, §2.3).
 *
 * The file is read line by line and sent in chunks with `send(batches, { historical: true })`, so memory
 * stays flat however long the file is. Every line that is not delivered is reported with its number and
 * the reason: bad JSON, a batch that breaks the Events API's rules or the historical endpoint's (every
 * event needs a timestamp at least 72 hours old, §2.4), or a delivery failure.
 *
 * A batch without a `source_request_id` gets one derived from its content, so running the script again
 * over the same file (after fixing the failed lines, say) is deduplicated by mParticle (§1.7) instead of
 * counting the same events twice.
 *
 * The CLI does the same job with a progress bar: `mparticle-events send --historical file.ndjson`.
 *
 * Run it (after `npm run build`, on Node 22.6 or later):
 *
 *   MPARTICLE_API_KEY=… MPARTICLE_API_SECRET=… node --experimental-strip-types examples/backfill-historical.ts past.ndjson
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import {
  type Batch,
  DeliveryError,
  EventsClient,
  type Pod,
  parseBatch,
  parseBatchJson,
  ValidationError,
} from 'mparticle-events';

/** Options of {@link backfill}. */
export interface BackfillOptions {
  /** The client to send with. */
  client: EventsClient;
  /** The NDJSON file. */
  file: string;
  /** Batches per `send()` call. Default 500. */
  chunkSize?: number;
  /** Called after each chunk with the lines read and the batches accepted so far. */
  onProgress?: (progress: { lines: number; accepted: number }) => void;
}

/** A line that was not delivered. */
export interface BackfillFailure {
  /** Line number in the file, from 1. */
  line: number;
  /** The batch's `source_request_id`, when the line held a batch. */
  sourceRequestId?: string;
  /** Why. */
  reason: string;
}

/** What a backfill did. */
export interface BackfillResult {
  /** Non-blank lines read. */
  lines: number;
  /** Batches mParticle accepted. */
  accepted: number;
  /** Every line not delivered, in file order. */
  failures: BackfillFailure[];
}

/** One batch of the file, with the line it came from. */
interface Line {
  line: number;
  batch: Batch;
}

/** Send every batch of `file` to the historical endpoint and report what was not delivered. */
export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const chunkSize = options.chunkSize ?? 500;
  const result: BackfillResult = { lines: 0, accepted: 0, failures: [] };
  const input = createInterface({
    input: createReadStream(options.file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let chunk: Line[] = [];
  let lineNumber = 0;
  for await (const text of input) {
    lineNumber++;
    if (text.trim() === '') continue;
    result.lines++;
    try {
      chunk.push({ line: lineNumber, batch: withStableId(parseBatchJson(text), text) });
    } catch (error) {
      result.failures.push({ line: lineNumber, reason: describe(error) });
    }
    if (chunk.length >= chunkSize) {
      await sendChunk(options.client, chunk, result);
      chunk = [];
      options.onProgress?.({ lines: result.lines, accepted: result.accepted });
    }
  }
  if (chunk.length > 0) {
    await sendChunk(options.client, chunk, result);
    options.onProgress?.({ lines: result.lines, accepted: result.accepted });
  }
  result.failures.sort((a, b) => a.line - b.line);
  return result;
}

async function sendChunk(client: EventsClient, chunk: Line[], result: BackfillResult): Promise<void> {
  try {
    result.accepted += (
      await client.send(
        chunk.map((l) => l.batch),
        { historical: true },
      )
    ).accepted;
  } catch (error) {
    if (error instanceof DeliveryError) {
      // Some batches were not delivered; the report says which, by source_request_id.
      result.accepted += error.report.accepted;
      const lines = new Map(chunk.map((l) => [l.batch.source_request_id, l.line]));
      for (const failure of error.report.failures) {
        result.failures.push({
          line: lines.get(failure.sourceRequestId) ?? 0,
          sourceRequestId: failure.sourceRequestId,
          reason: describe(failure.error),
        });
      }
    } else if (error instanceof ValidationError && chunk.length > 1) {
      // send() checks the historical endpoint's rules before sending anything and refuses the whole chunk
      // if one batch breaks them. Send the chunk's batches one at a time, so each bad line is named and
      // the good ones still go.
      for (const line of chunk) await sendChunk(client, [line], result);
    } else if (error instanceof ValidationError) {
      const only = chunk[0] as Line;
      result.failures.push({
        line: only.line,
        sourceRequestId: only.batch.source_request_id as string,
        reason: describe(error),
      });
    } else throw error;
  }
}

/** The batch with a `source_request_id`: its own, or one derived from the line's text. */
function withStableId(batch: Batch, text: string): Batch {
  if (typeof batch.source_request_id === 'string') return batch;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 32);
  return parseBatch({ ...batch, source_request_id: `backfill-${digest}` });
}

function describe(error: unknown): string {
  if (error instanceof ValidationError) {
    return error.issues.map((issue) => `${issue.path || '(batch)'}: ${issue.message}`).join('; ');
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// Run as a program: `backfill-historical.ts <file.ndjson>`, credentials from the environment.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: backfill-historical.ts <file.ndjson>');
    process.exit(64);
  }
  const client = new EventsClient({
    apiKey: process.env.MPARTICLE_API_KEY ?? '',
    apiSecret: process.env.MPARTICLE_API_SECRET ?? '',
    pod: (process.env.MPARTICLE_POD ?? 'us1') as Pod,
  });
  const result = await backfill({
    client,
    file,
    onProgress: ({ lines, accepted }) => console.log(`${lines} lines read, ${accepted} batches accepted`),
  });
  await client.close();
  for (const failure of result.failures) console.error(`line ${failure.line}: ${failure.reason}`);
  console.log(`${result.accepted} of ${result.lines} batches accepted, ${result.failures.length} failed`);
  process.exitCode = result.failures.length > 0 ? 1 : 0;
}
