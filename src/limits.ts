/**
 * The Events API's documented limits (events-api.md §2.1, §2.2), in one place.
 *
 * The docs say "KB" without saying 1000 or 1024 bytes (events-api.md §9 question 2), so the byte
 * limits here use 1000: a request that fits these fits either reading.
 *
 * @module
 */

/**
 * Largest serialized batch, in bytes: "Each batch should not exceed 128kb" (events-api.md §2.1).
 *
 * @example
 * ```ts
 * import { MAX_BATCH_BYTES, serializeBatch, type Batch } from 'mparticle-events';
 *
 * declare const batch: Batch;
 * const fits = new TextEncoder().encode(serializeBatch(batch)).length <= MAX_BATCH_BYTES;
 * ```
 */
export const MAX_BATCH_BYTES = 128_000;

/**
 * Largest request body, in bytes: "must be under 256kb regardless of how many batches" (§2.1).
 *
 * @example
 * ```ts
 * import { MAX_REQUEST_BYTES } from 'mparticle-events';
 *
 * console.log(`requests stay under ${MAX_REQUEST_BYTES} bytes`);
 * ```
 */
export const MAX_REQUEST_BYTES = 256_000;

/**
 * Most batches in one `/v2/bulkevents` request (§1.2, §2.1).
 *
 * @example
 * ```ts
 * import { MAX_BATCHES_PER_REQUEST } from 'mparticle-events';
 *
 * console.log(`at most ${MAX_BATCHES_PER_REQUEST} batches a request`);
 * ```
 */
export const MAX_BATCHES_PER_REQUEST = 100;

/**
 * mParticle's default throughput per org, counted in batches, not requests (§2.2).
 *
 * @example
 * ```ts
 * import { DEFAULT_BATCHES_PER_SECOND, EventsClient } from 'mparticle-events';
 *
 * // Half the org's default budget for this service.
 * const client = new EventsClient({
 *   apiKey: 'key',
 *   apiSecret: 'secret',
 *   rateLimit: { batchesPerSecond: DEFAULT_BATCHES_PER_SECOND / 2 },
 * });
 * ```
 */
export const DEFAULT_BATCHES_PER_SECOND = 270;

/**
 * Longest event name and attribute name, in characters (§2.1).
 *
 * @example
 * ```ts
 * import { MAX_NAME_LENGTH } from 'mparticle-events';
 *
 * const name = 'Signed Up'.slice(0, MAX_NAME_LENGTH);
 * ```
 */
export const MAX_NAME_LENGTH = 256;

/**
 * Longest event or user attribute value, in characters (§2.1).
 *
 * @example
 * ```ts
 * import { MAX_ATTRIBUTE_VALUE_LENGTH } from 'mparticle-events';
 *
 * const note = 'a long free-text note'.slice(0, MAX_ATTRIBUTE_VALUE_LENGTH);
 * ```
 */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 4096;

/**
 * Most user attributes in one batch (§2.1).
 *
 * @example
 * ```ts
 * import { MAX_USER_ATTRIBUTES } from 'mparticle-events';
 *
 * const attributes: Record<string, string> = { plan: 'pro' };
 * const ok = Object.keys(attributes).length <= MAX_USER_ATTRIBUTES;
 * ```
 */
export const MAX_USER_ATTRIBUTES = 100;

/**
 * Most entries in a user attribute list (§2.1).
 *
 * @example
 * ```ts
 * import { MAX_USER_ATTRIBUTE_LIST_LENGTH } from 'mparticle-events';
 *
 * const tags = ['a', 'b', 'c'].slice(0, MAX_USER_ATTRIBUTE_LIST_LENGTH);
 * ```
 */
export const MAX_USER_ATTRIBUTE_LIST_LENGTH = 1000;

/**
 * Longest entry of a user attribute list, in characters (§2.1).
 *
 * @example
 * ```ts
 * import { MAX_USER_ATTRIBUTE_LIST_ENTRY_LENGTH } from 'mparticle-events';
 *
 * const tag = 'interested-in-widgets'.slice(0, MAX_USER_ATTRIBUTE_LIST_ENTRY_LENGTH);
 * ```
 */
export const MAX_USER_ATTRIBUTE_LIST_ENTRY_LENGTH = 512;

/**
 * Events sent to the historical endpoint must be at least this old, in milliseconds (§2.4).
 *
 * @example
 * ```ts
 * import { HISTORICAL_MIN_AGE_MS } from 'mparticle-events';
 *
 * // Events at least this old go to the historical endpoint: send(batches, { historical: true }).
 * const oldEnough = (timestamp: number) => Date.now() - timestamp >= HISTORICAL_MIN_AGE_MS;
 * ```
 */
export const HISTORICAL_MIN_AGE_MS = 72 * 60 * 60 * 1000;
