/**
 * The Events API's documented limits (events-api.md §2.1, §2.2), in one place.
 *
 * The docs say "KB" without saying 1000 or 1024 bytes (events-api.md §9 question 2), so the byte
 * limits here use 1000: a request that fits these fits either reading.
 *
 * @module
 */

/** Largest serialized batch, in bytes: "Each batch should not exceed 128kb" (events-api.md §2.1). */
export const MAX_BATCH_BYTES = 128_000;

/** Largest request body, in bytes: "must be under 256kb regardless of how many batches" (§2.1). */
export const MAX_REQUEST_BYTES = 256_000;

/** Most batches in one `/v2/bulkevents` request (§1.2, §2.1). */
export const MAX_BATCHES_PER_REQUEST = 100;

/** mParticle's default throughput per org, counted in batches, not requests (§2.2). */
export const DEFAULT_BATCHES_PER_SECOND = 270;

/** Longest event name and attribute name, in characters (§2.1). */
export const MAX_NAME_LENGTH = 256;

/** Longest event or user attribute value, in characters (§2.1). */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 4096;

/** Most user attributes in one batch (§2.1). */
export const MAX_USER_ATTRIBUTES = 100;

/** Most entries in a user attribute list (§2.1). */
export const MAX_USER_ATTRIBUTE_LIST_LENGTH = 1000;

/** Longest entry of a user attribute list, in characters (§2.1). */
export const MAX_USER_ATTRIBUTE_LIST_ENTRY_LENGTH = 512;

/** Events sent to the historical endpoint must be at least this old, in milliseconds (§2.4). */
export const HISTORICAL_MIN_AGE_MS = 72 * 60 * 60 * 1000;
