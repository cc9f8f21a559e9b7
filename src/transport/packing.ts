/**
 * Packing pre-serialized batches into requests that respect the Events API's limits, and building the
 * request bodies. Internal.
 *
 * Each batch is serialized once (`serializeBatch`) and encoded once to UTF-8 when the client takes it; a
 * request body is those bytes joined by commas inside brackets, so its size is known exactly before it is
 * built: 2 + Σ bytes + (n − 1).
 */
import { MAX_BATCH_BYTES, MAX_BATCHES_PER_REQUEST, MAX_REQUEST_BYTES } from '../limits.js';

/** A batch ready to pack: its size in UTF-8 bytes. */
export interface Packable {
  readonly bytes: number;
}

/** A batch ready to send: its JSON text as UTF-8 bytes (`bytes` is their length). */
export interface Encoded extends Packable {
  readonly data: Uint8Array<ArrayBuffer>;
}

/** The limits a request must respect. */
export interface PackLimits {
  /** Most batches in one request (events-api.md §1.2: 100). */
  maxBatches: number;
  /** Largest request body in bytes (events-api.md §2.1: 256 KB). */
  maxBytes: number;
}

/** The Events API's own request limits (events-api.md §2.1). */
export const API_PACK_LIMITS: PackLimits = {
  maxBatches: MAX_BATCHES_PER_REQUEST,
  maxBytes: MAX_REQUEST_BYTES,
};

/** Node's `Buffer.byteLength`, when the runtime has it (edge runtimes do not). */
const nativeByteLength: ((text: string, encoding: 'utf8') => number) | undefined = (
  globalThis as { Buffer?: { byteLength?: (text: string, encoding: 'utf8') => number } }
).Buffer?.byteLength;

/**
 * Strings at least this long are measured natively when the runtime can: the JS loop below was about a
 * tenth of the client's time per batch in the throughput benchmark (issue 5).
 */
const NATIVE_MIN_LENGTH = 256;

/**
 * The UTF-8 length of a string in bytes, without encoding it (natively with `Buffer.byteLength` where it
 * exists, else in plain JS for edge runtimes). A lone surrogate counts 3 bytes, as `TextEncoder` writes it
 * as U+FFFD.
 */
export function utf8ByteLength(text: string): number {
  if (nativeByteLength !== undefined && text.length >= NATIVE_MIN_LENGTH) {
    return nativeByteLength(text, 'utf8');
  }
  let bytes = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Why a single batch can never be sent, or `undefined` when it can: over 128 KB (events-api.md §2.1),
 * or so large that even alone it would not fit the request limit.
 */
export function oversizeProblem(bytes: number, limits: PackLimits = API_PACK_LIMITS): string | undefined {
  if (bytes > MAX_BATCH_BYTES) {
    return (
      `batch is ${bytes} bytes serialized, over the Events API's limit of ${MAX_BATCH_BYTES} bytes per ` +
      'batch (MAX_BATCH_BYTES)'
    );
  }
  if (bytes + 2 > limits.maxBytes) {
    return `batch is ${bytes} bytes serialized and cannot fit a request of at most ${limits.maxBytes} bytes`;
  }
  return undefined;
}

/** The size in bytes of a bulk body holding batches of these sizes: `[a,b,c]`. */
export function bulkBodyBytes(totalBatchBytes: number, count: number): number {
  return count === 0 ? 2 : 2 + totalBatchBytes + (count - 1);
}

/**
 * Pack batches into as few requests as fit the limits, first fit: each batch goes into the first request
 * with room for it, so small batches fill the gaps large ones leave, and batches keep their relative order
 * within a request. Every batch must fit a request alone (check with {@link oversizeProblem} first).
 */
export function packRequests<T extends Packable>(
  items: readonly T[],
  limits: PackLimits = API_PACK_LIMITS,
): T[][] {
  const requests: { items: T[]; bytes: number }[] = [];
  // Requests that are full in count or have no room for even the smallest batch are dropped from the
  // search, so packing stays fast for long inputs.
  let open: { items: T[]; bytes: number }[] = [];
  for (const item of items) {
    let target: { items: T[]; bytes: number } | undefined;
    for (const request of open) {
      if (request.items.length < limits.maxBatches && request.bytes + 1 + item.bytes <= limits.maxBytes) {
        target = request;
        break;
      }
    }
    if (target) {
      target.items.push(item);
      target.bytes += 1 + item.bytes;
    } else {
      target = { items: [item], bytes: 2 + item.bytes };
      requests.push(target);
      open.push(target);
    }
    if (target.items.length >= limits.maxBatches || target.bytes + 2 > limits.maxBytes || open.length > 64) {
      open = open.filter((r) => r.items.length < limits.maxBatches && r.bytes + 2 <= limits.maxBytes);
      if (open.length > 64) open = open.slice(-64);
    }
  }
  return requests.map((r) => r.items);
}

/**
 * Take one request's worth of batches from the head of a FIFO queue, in order: as many as fit before the
 * first that does not. Returns how many items to take (at least 1 when the queue is not empty).
 */
export function takeRequest(items: readonly Packable[], limits: PackLimits = API_PACK_LIMITS): number {
  let bytes = 2;
  let count = 0;
  for (const item of items) {
    if (count >= limits.maxBatches) break;
    const next = bytes + (count === 0 ? 0 : 1) + item.bytes;
    if (count > 0 && next > limits.maxBytes) break;
    bytes = next;
    count++;
  }
  return count;
}

const encoder = new TextEncoder();

/**
 * A batch's JSON text as UTF-8 bytes. The client keeps queued batches so: outside the JavaScript heap,
 * where the garbage collector never copies them, measured exactly by the encoding itself, and joined
 * into a request body by copying bytes (docs/BENCHMARKS.md, "Findings that shaped the code").
 */
export function encodeJson(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/**
 * The request body as UTF-8 bytes: one batch's bytes as they are for `/v2/events`, or a JSON array of
 * them for the bulk endpoints, copied into one buffer of the known size.
 */
export function requestBody(items: readonly Encoded[], bulk: boolean): Uint8Array<ArrayBuffer> {
  if (!bulk && items.length === 1) return (items[0] as Encoded).data;
  let size = 2 + Math.max(0, items.length - 1);
  for (let i = 0; i < items.length; i++) size += (items[i] as Encoded).data.length;
  const out = new Uint8Array(size);
  let at = 0;
  out[at++] = 0x5b; // [
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ,
    const { data } = items[i] as Encoded;
    out.set(data, at);
    at += data.length;
  }
  out[at] = 0x5d; // ]
  return out;
}
