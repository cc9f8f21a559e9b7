/**
 * The CLI's sending pass: reads the (already validated) input again and delivers it through one
 * `EventsClient` in bounded chunks, at most two in flight, so memory does not grow with the file while the
 * client's packing and rate limiter stay busy. Batches that fail are written, one a line, to
 * `--failed-out`, with the `source_request_id` the client gave them, so a resend is deduplicated.
 *
 * Internal to the CLI: not part of the public API.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { type Batch, serializeBatch } from '../batch/index.js';
import type { EventsClient } from '../client.js';
import { DeliveryError } from '../errors.js';
import type { DeliveryReport } from '../transport/report.js';
import { checkBatchText } from './check.js';
import { BatchReader } from './input.js';
import type { InputSource } from './source.js';

/** Options of {@link sendInput}. */
export interface SendOptions {
  /** Send to `/v2/bulkevents/historical`. */
  historical: boolean;
  /** A file to write undelivered batches to, as NDJSON. */
  failedOut: string | undefined;
  /** Called as batches settle, with how many are done (accepted or failed) and how many failed. */
  onProgress?: (done: number, failed: number) => void;
  /** Most batches in one chunk handed to `client.send()`. */
  chunkBatches?: number;
  /** Most bytes of batch JSON in one chunk. */
  chunkBytes?: number;
}

/** What the sending pass did. */
export interface SendResult {
  /** Batches mParticle accepted. */
  accepted: number;
  /** Batches that could not be delivered. */
  failed: number;
  /** HTTP requests made, retries included. */
  requests: number;
  /** Batches sent more than once (retried, or resent after a bulk request was split). */
  retried: number;
  /** Distinct reasons batches failed, most frequent first, each with how many batches it hit (at most 10). */
  failures: string[];
}

/**
 * A chunk is a few seconds of sending at the default 270 batches/s: enough for the client to pack full
 * 100-batch requests, small enough that two chunks of parsed batches stay well under the CLI's memory
 * budget even for large batches (bounded by bytes too).
 */
const DEFAULT_CHUNK_BATCHES = 1_000;
const DEFAULT_CHUNK_BYTES = 4_000_000;
const CHUNKS_IN_FLIGHT = 2;
const MAX_REASONS = 10;
const MAX_DISTINCT_REASONS = 1_000;

/** Send every batch of `source` through `client`. The caller closes the client. */
export async function sendInput(
  source: InputSource,
  client: EventsClient,
  options: SendOptions,
): Promise<SendResult> {
  const chunkBatches = options.chunkBatches ?? DEFAULT_CHUNK_BATCHES;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const result: SendResult = { accepted: 0, failed: 0, requests: 0, retried: 0, failures: [] };
  const reasons = new Map<string, number>();
  const now = Date.now();
  let out: WriteStream | undefined;

  // Live counts for the progress bar; the totals come from the reports.
  let doneLive = 0;
  let failedLive = 0;
  const stopResponses = client.on('response', (event) => {
    if (event.status >= 200 && event.status < 300) {
      doneLive += event.batches;
      options.onProgress?.(doneLive, failedLive);
    }
  });
  const stopDeadLetters = client.on('deadLetter', () => {
    doneLive++;
    failedLive++;
    options.onProgress?.(doneLive, failedLive);
  });

  const writeFailed = async (text: string): Promise<void> => {
    if (options.failedOut === undefined) return;
    out ??= createWriteStream(options.failedOut);
    if (!out.write(`${text}\n`)) await once(out, 'drain');
  };
  const countReason = (reason: string, count = 1): void => {
    // Bounded: messages can be unique per batch, and a file can hold millions of batches.
    const key = reasons.has(reason) || reasons.size < MAX_DISTINCT_REASONS ? reason : 'other reasons';
    reasons.set(key, (reasons.get(key) ?? 0) + count);
  };

  const deliver = async (batches: Batch[]): Promise<void> => {
    let report: DeliveryReport;
    try {
      report = await client.send(batches, { historical: options.historical });
    } catch (error) {
      if (!(error instanceof DeliveryError)) {
        // Refused before sending (the client closed, or a batch it would not take): none went out.
        result.failed += batches.length;
        countReason(describeError(error), batches.length);
        for (const batch of batches) await writeFailed(serializeBatch(batch));
        return;
      }
      report = error.report;
    }
    result.accepted += report.accepted;
    result.failed += report.failed + report.dropped;
    result.requests += report.requests;
    result.retried += report.retried;
    for (const failure of report.failures) {
      countReason(describeError(failure.error));
      await writeFailed(serializeBatch(failure.batch));
    }
  };

  const running = new Set<Promise<void>>();
  const dispatch = async (batches: Batch[]): Promise<void> => {
    const delivery = deliver(batches).finally(() => running.delete(delivery));
    running.add(delivery);
    if (running.size >= CHUNKS_IN_FLIGHT) await Promise.race(running);
  };

  try {
    let chunk: Batch[] = [];
    let bytes = 0;
    for await (const record of new BatchReader(source.read())) {
      if (record.kind === 'error')
        throw new Error(`the input changed since it was validated: ${record.message}`);
      const checked = checkBatchText(record.text, options.historical, now);
      if (!checked.ok) {
        // The file changed between the two passes: keep the line for another try rather than send it.
        result.failed++;
        countReason('invalid batch: the input changed since it was validated');
        await writeFailed(record.text.replace(/\s*\r?\n\s*/g, ' '));
        continue;
      }
      chunk.push(checked.batch);
      bytes += record.text.length;
      if (chunk.length >= chunkBatches || bytes >= chunkBytes) {
        await dispatch(chunk);
        chunk = [];
        bytes = 0;
      }
    }
    if (chunk.length > 0) await dispatch(chunk);
    await Promise.all(running);
  } finally {
    await Promise.allSettled(running);
    stopResponses();
    stopDeadLetters();
    if (out) {
      out.end();
      await finished(out);
    }
  }
  result.failures = [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_REASONS)
    .map(([reason, count]) => `${reason} (${count} batch${count === 1 ? '' : 'es'})`);
  return result;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
