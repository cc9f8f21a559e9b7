/**
 * `consent_state`: GDPR purposes and CCPA's `data_sale_opt_out` (events-api.md §5).
 *
 * @module
 */
import { z } from 'zod';
import { opt, safeMap, strictObject, type TimestampInput, timestampMs } from '../internal/zod.js';

/**
 * A GDPR purpose as mParticle's own SDKs key it: trimmed and lower-cased (events-api.md §5).
 *
 * @example
 * ```ts
 * import { canonicalPurpose } from 'mparticle-events';
 *
 * canonicalPurpose('  Marketing '); // 'marketing'
 * ```
 */
export function canonicalPurpose(purpose: string): string {
  return purpose.trim().toLowerCase();
}

/**
 * One purpose's consent. `consented` is always written: the server rejects a purpose without it with a
 * 400 (events-api.md §5), and `consented: false` must be sent, not omitted.
 */
export const consentPurposeSchema = strictObject({
  /** Whether the user consented. For CCPA `data_sale_opt_out`, `true` means the user opted out. */
  consented: z.boolean(),
  /** When the user decided, epoch ms. Required by the current schema. */
  timestamp_unixtime_ms: timestampMs,
  /** The document the user agreed to, such as `privacy_policy_v3`. */
  document: opt(z.string()),
  /** Where consent was given, such as a URL or a place. */
  location: opt(z.string()),
  /** The device the user consented on, such as `IDFA:…`. */
  hardware_id: opt(z.string()),
  /** The regulation (implied by where the purpose sits; schema only). */
  regulation: opt(z.string()),
});

/** GDPR purposes → consent; purposes are trimmed and lower-cased, and two that end up equal are rejected. */
const gdprSchema = safeMap<z.input<typeof consentPurposeSchema>, z.output<typeof consentPurposeSchema>>({
  what: 'GDPR purpose',
  canonicalKey: canonicalPurpose,
  value: consentPurposeSchema,
});

export const consentStateSchema = strictObject({
  /** GDPR consent per purpose. Purposes must first be defined in mParticle (Setup > Privacy Settings). */
  gdpr: gdprSchema.optional(),
  /** CCPA: one purpose, `data_sale_opt_out`; `consented: true` means the user opted out of data sale. */
  ccpa: strictObject({ data_sale_opt_out: consentPurposeSchema.optional() }).optional(),
});

/**
 * One purpose's consent as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { ConsentPurpose } from 'mparticle-events';
 *
 * const granted = (purpose: ConsentPurpose) => purpose.consented;
 * ```
 */
export interface ConsentPurpose extends z.output<typeof consentPurposeSchema> {}

/**
 * The consent state as a built batch carries it: GDPR purposes (lower-cased) and CCPA.
 *
 * @example
 * ```ts
 * import type { ConsentState } from 'mparticle-events';
 *
 * const marketing = (state: ConsentState) => state.gdpr?.marketing?.consented === true;
 * ```
 */
export interface ConsentState extends z.output<typeof consentStateSchema> {}

/**
 * One purpose's consent as the builder takes it: `timestamp_unixtime_ms` defaults to now.
 *
 * @example
 * ```ts
 * import type { ConsentPurposeInput } from 'mparticle-events';
 *
 * const marketing: ConsentPurposeInput = { consented: true, document: 'privacy_v3' };
 * ```
 */
export interface ConsentPurposeInput
  extends Omit<z.input<typeof consentPurposeSchema>, 'timestamp_unixtime_ms'> {
  /** When the user decided: epoch ms or a `Date`. Defaults to the time the purpose is recorded. */
  timestamp_unixtime_ms?: TimestampInput | undefined;
}

/**
 * A consent state as `BatchBuilder.consent()` takes it: timestamps default to now.
 *
 * @example
 * ```ts
 * import type { ConsentStateInput } from 'mparticle-events';
 *
 * const state: ConsentStateInput = { ccpa: { data_sale_opt_out: { consented: false } } };
 * ```
 */
export interface ConsentStateInput {
  /** GDPR consent per purpose; purposes are trimmed and lower-cased. */
  gdpr?: Record<string, ConsentPurposeInput> | undefined;
  /** CCPA's one purpose. */
  ccpa?: { data_sale_opt_out?: ConsentPurposeInput | undefined } | undefined;
}
