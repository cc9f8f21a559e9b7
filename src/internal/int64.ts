/**
 * 64-bit integers without precision loss (events-api.md §3.1, §7 point 8).
 *
 * mParticle's IDs (`mpid`, `session_id`, `event_id`, …) are signed 64-bit integers, which a JavaScript
 * number cannot hold beyond 2^53. Inside a built batch they are kept as canonical decimal strings
 * (so `JSON.stringify(batch)` never throws), and `serializeBatch` writes them back as bare JSON integers.
 *
 * Internal: not part of the public API.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

/**
 * What a user may pass where the API wants a 64-bit integer.
 *
 * @example
 * ```ts
 * import { BatchBuilder } from 'mparticle-events';
 *
 * // All three keep the MPID exact:
 * new BatchBuilder().mpid(-7636538281262557000n);
 * new BatchBuilder().mpid('-7636538281262557000');
 * new BatchBuilder().mpid(42);
 * ```
 */
export type Int64Input = bigint | string | number;

/** Why a value is not a valid 64-bit integer, or `undefined` when it is. */
export function int64Problem(value: unknown, unsigned = false): string | undefined {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      return Number.isInteger(value)
        ? 'number is beyond 2^53 and has lost precision; pass a bigint or a decimal string'
        : 'expected an integer';
    }
    big = BigInt(value);
  } else if (typeof value === 'string') {
    if (!DECIMAL.test(value.trim())) return 'expected a decimal integer string';
    big = BigInt(value.trim());
  } else return `expected bigint, decimal string or safe integer, received ${describe(value)}`;
  const min = unsigned ? 0n : INT64_MIN;
  const max = unsigned ? UINT64_MAX : INT64_MAX;
  if (big < min || big > max) return `out of ${unsigned ? 'unsigned ' : ''}64-bit integer range`;
  return undefined;
}

/** The canonical decimal string of a valid 64-bit integer. Call {@link int64Problem} first. */
export function toInt64String(value: Int64Input): string {
  if (typeof value === 'string') return BigInt(value.trim()).toString();
  return BigInt(value).toString();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * `JSON.parse` that keeps integers beyond 2^53 exact: such number literals come back as decimal
 * strings, everything else as `JSON.parse` gives it. Node 20 has no `JSON.rawJSON` or reviver source
 * access, so the text is scanned once for long integer literals outside strings.
 */
export function parseJsonLossless(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++;
        else break;
      }
      const literal = text.slice(start, i);
      if (DECIMAL.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(last, start)}"${literal}"`;
        last = i;
      }
      continue;
    }
    i++;
  }
  return JSON.parse(out + text.slice(last));
}
