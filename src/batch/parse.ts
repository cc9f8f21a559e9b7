/**
 * `parseBatch` and `parseBatchJson`: validate a batch that was not built here (from a file, a queue,
 * another system) and get a typed {@link Batch}.
 *
 * @module
 */
import { ValidationError } from '../errors.js';
import { parseJsonLossless } from '../internal/int64.js';
import { issueAt } from '../internal/zod.js';
import type { Batch } from './batch.js';
import { isValidatedBatch, toBatch } from './validate.js';

/**
 * Validate a wire-format batch and return it typed, frozen and ready to send. Checks everything
 * `build()` checks: the schema (unknown keys, enums, limits, NaN and Infinity), that the batch names its
 * user, and the 128 KB size limit. Nothing is filled in, except `custom_event_type` (`other` when
 * absent) and GDPR purposes, which are trimmed and lower-cased. A batch that is already validated is
 * returned as is.
 *
 * @param input - A batch object; 64-bit IDs may be bigints, decimal strings or safe integers.
 * @throws {@link ValidationError} listing every problem, each with its path.
 *
 * @example
 * ```ts
 * import { parseBatch } from 'mparticle-events';
 *
 * const batch = parseBatch({
 *   environment: 'production',
 *   mpid: 6558165446704400378n,
 *   events: [{ event_type: 'screen_view', data: { screen_name: 'Home', timestamp_unixtime_ms: 1700000000000 } }],
 * });
 * batch.mpid; // '6558165446704400378'
 * ```
 */
export function parseBatch(input: unknown): Batch {
  if (isValidatedBatch(input)) return input;
  return toBatch(input);
}

/**
 * Parse a batch's JSON text without losing 64-bit integers (a plain `JSON.parse` would round
 * `-7636538281262557000`), then validate it as {@link parseBatch} does.
 *
 * @param text - One batch's JSON text.
 * @throws {@link ValidationError} when the text is not JSON or the batch is invalid.
 *
 * @example
 * ```ts
 * import { parseBatchJson, serializeBatch } from 'mparticle-events';
 *
 * const text = '{"mpid":-7636538281262557000,"environment":"development","events":[]}';
 * serializeBatch(parseBatchJson(text)) === text; // true
 * ```
 */
export function parseBatchJson(text: string): Batch {
  let value: unknown;
  try {
    value = parseJsonLossless(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(
      [issueAt([], 'invalid_json', `not valid JSON: ${reason}`)],
      'Invalid batch JSON',
    );
  }
  return parseBatch(value);
}
