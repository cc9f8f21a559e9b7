/**
 * Validation of whole batches, shared by `BatchBuilder` and `parseBatch`: the zod schema, the rule that a
 * batch must identify its user, the 128 KB size limit, and the registry of batches already validated.
 *
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import { DEVICE_IDENTITY_FIELDS } from '../identity/device-info.js';
import { issueAt, toValidationIssues } from '../internal/zod.js';
import { MAX_BATCH_BYTES } from '../limits.js';
import { utf8ByteLength } from '../transport/packing.js';
import { type Batch, type BatchData, batchSchema } from './batch.js';
import { writeBatch } from './writer.js';

/**
 * A validated batch: the batch's fields as own properties, and its JSON text in a private field. The
 * private field is the mark of validation: it cannot be forged, and copies (spread, `structuredClone`,
 * JSON) do not carry it, so they are validated again. No module-level registry is needed: a WeakMap of
 * batches to texts made garbage collection a third of the cost of building a batch in the throughput
 * benchmark, and adding a symbol property with `Object.defineProperty` cost about as much.
 */
class ValidatedBatch {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  static textOf(value: object): string | undefined {
    return #text in value ? (value as ValidatedBatch).#text : undefined;
  }
}

/**
 * Whether a batch came out of `BatchBuilder.build()`/`buildAll()` or `parseBatch()`, so a sender need
 * not validate it again. Internal: not exported from the package.
 */
export function isValidatedBatch(batch: unknown): batch is Batch {
  return typeof batch === 'object' && batch !== null && ValidatedBatch.textOf(batch) !== undefined;
}

/** The JSON text of a validated batch, or `undefined` for anything else. */
export function validatedText(batch: object): string | undefined {
  return ValidatedBatch.textOf(batch);
}

/** An all-zero advertising ID is what a device sends when ad tracking is limited: it identifies no one. */
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Whether a batch names its user somehow: a user identity, a device identity or an mpid other than 0
 * (events-api.md §4.1: "include either user or device identities"; §3.1 `mpid`, `mp_deviceid`).
 */
function identifiesUser(batch: BatchData): boolean {
  if (typeof batch.mpid === 'string' && batch.mpid !== '0') return true;
  if (typeof batch.mp_deviceid === 'string') return true;
  const ids = batch.user_identities;
  if (ids) {
    for (const value of Object.values(ids)) if (typeof value === 'string' && value !== '') return true;
  }
  const device = batch.device_info;
  if (device) {
    for (const field of DEVICE_IDENTITY_FIELDS) {
      const value = device[field];
      if (typeof value === 'string' && value !== '' && value !== ZERO_UUID) return true;
    }
  }
  return false;
}

/** The issue reported for a batch that identifies no one. */
export const NO_IDENTITY_MESSAGE =
  'a batch needs a user identity (user_identities), a device identity (device_info: ios_advertising_id, ' +
  'android_advertising_id, push_token, …) or an mpid: mParticle cannot attach it to anyone otherwise';

/**
 * Validate a batch object: the schema and the identity rule, not the size. Returns fresh, unfrozen data;
 * throws {@link ValidationError} with every issue found. Never throws anything else: an input whose
 * getters throw is reported as an issue too.
 */
export function validateBatchData(input: unknown): BatchData {
  let result: ReturnType<typeof batchSchema.safeParse>;
  try {
    result = batchSchema.safeParse(input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError([issueAt([], 'custom', `the input could not be read: ${reason}`)]);
  }
  if (!result.success) throw new ValidationError(toValidationIssues(result.error.issues));
  const data = result.data as BatchData;
  if (!identifiesUser(data)) {
    throw new ValidationError([issueAt(['user_identities'], 'custom', NO_IDENTITY_MESSAGE)]);
  }
  return data;
}

/**
 * The UTF-8 size of a batch's text when it may be over `limit`, else `undefined`. A string of n UTF-16
 * units is at most 3n UTF-8 bytes, so short texts are not measured at all.
 */
export function bytesIfOver(text: string, limit = MAX_BATCH_BYTES): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = utf8ByteLength(text);
  return bytes > limit ? bytes : undefined;
}

/** The issue for a batch over 128 KB (events-api.md §2.1). */
export function oversizeIssue(bytes: number, hint: string): ValidationIssue {
  return issueAt(
    [],
    'too_big',
    `batch is ${bytes} bytes serialized, over the Events API's limit of ${MAX_BATCH_BYTES} bytes (MAX_BATCH_BYTES)${hint}`,
  );
}

/**
 * A validated batch with its text, ready to hand out. The batch and its events list are frozen, and its
 * type is deeply read-only; nested objects are not frozen, as `Object.freeze` on them cost more than
 * validating them. What `serializeBatch` writes for the batch is fixed here either way.
 */
export function seal(data: BatchData, text: string): Batch {
  const batch = Object.assign(new ValidatedBatch(text), data);
  if (Array.isArray(batch.events)) Object.freeze(batch.events);
  return Object.freeze(batch) as Batch;
}

/** Validate, size-check and seal: what `parseBatch` does, and `build()` for a batch that fits. */
export function toBatch(input: unknown, hint = ''): Batch {
  return toSealed(input, hint).batch;
}

/** {@link toBatch}, with the batch's JSON text. */
export function toSealed(input: unknown, hint = ''): { batch: Batch; text: string } {
  const data = validateBatchData(input);
  const text = writeBatch(data);
  const bytes = bytesIfOver(text);
  if (bytes !== undefined) throw new ValidationError([oversizeIssue(bytes, hint)]);
  return { batch: seal(data, text), text };
}
