/**
 * The batch: one user's identities, attributes, consent and events, as the Events API takes it
 * (events-api.md §3.1). The schema here is the one `build()` and `parseBatch()` validate with.
 *
 * @module
 */
import { z } from 'zod';
import { consentStateSchema } from '../consent/consent-state.js';
import { geoLocation } from '../events/common.js';
import { type BatchEvent, type EventInput, eventSchema } from '../events/index.js';
import { deviceInfoSchema } from '../identity/device-info.js';
import { deletedUserAttributesSchema, userAttributesSchema } from '../identity/user-attributes.js';
import { userIdentitiesSchema } from '../identity/user-identities.js';
import {
  type AttributeValue,
  checkScalar,
  int64Id,
  int64Number,
  ipAddress,
  list,
  opt,
  safeMap,
  strictObject,
  timestampMs,
  uuid,
} from '../internal/zod.js';
import { applicationInfoSchema } from './application-info.js';

/**
 * The environments a batch can be sent to (events-api.md §6.4). `unknown`, in the OpenAPI file only, is
 * not accepted: the prose docs say the value "must be either".
 *
 * @example
 * ```ts
 * import { ENVIRONMENTS } from 'mparticle-events';
 *
 * ENVIRONMENTS.includes('development'); // true
 * ```
 */
export const ENVIRONMENTS = ['production', 'development'] as const;

/**
 * Where a batch's data lands: `production` or `development`, kept apart by mParticle.
 *
 * @example
 * ```ts
 * import type { Environment } from 'mparticle-events';
 *
 * const environment: Environment = process.env.NODE_ENV === 'production' ? 'production' : 'development';
 * ```
 */
export type Environment = (typeof ENVIRONMENTS)[number];

const scalarMap = (what: string) =>
  safeMap<AttributeValue, AttributeValue>({ what, value: (value, reject) => checkScalar(value, reject) });

/** `context.data_plan` (events-api.md §3.1). */
const dataPlanSchema = strictObject({
  /** The data plan's ID. Required. */
  plan_id: z.string().min(1, 'plan_id must not be empty'),
  /** The plan's version; the latest active version when absent. */
  plan_version: opt(int64Number(1)),
});

/** Where the output fields `source_info.channel` may point (events-api.md §3.1: the docs' and schema's). */
const SOURCE_CHANNELS = [
  'native',
  'javascript',
  'pixel',
  'desktop',
  'partner',
  'server_to_server',
  'unknown',
] as const;

export const batchSchema = strictObject({
  /** The batch's deduplication key: a UUID, reused on retries (events-api.md §1.7). */
  source_request_id: opt(z.string().min(1, 'source_request_id must not be empty')),
  /** `production` or `development`. */
  environment: z.enum(ENVIRONMENTS).optional(),
  /** The user's mParticle ID, kept exact: a decimal string in a built batch, a bare integer on the wire. */
  mpid: opt(int64Id()),
  /** The user's identities by type. */
  user_identities: opt(userIdentitiesSchema),
  /** The user's attributes: at most 100, scalar or list values. */
  user_attributes: opt(userAttributesSchema),
  /** Names of user attributes to remove. */
  deleted_user_attributes: opt(deletedUserAttributesSchema),
  /** The device, including device identities. */
  device_info: opt(deviceInfoSchema),
  /** The app. */
  application_info: opt(applicationInfoSchema),
  /** GDPR and CCPA consent. */
  consent_state: opt(consentStateSchema),
  /** Data plan and location context. */
  context: strictObject({
    data_plan: dataPlanSchema.optional(),
    location: geoLocation.optional(),
  }).optional(),
  /** The user's IP address (input only). */
  ip: ipAddress.optional(),
  /** mParticle's device ID, a UUID. */
  mp_deviceid: opt(uuid),
  /** Per-integration values, keyed by module ID: `{ "123": { "key": "value" } }`. */
  integration_attributes: opt(
    safeMap<Record<string, AttributeValue>, Record<string, AttributeValue>>({
      what: 'integration',
      value: scalarMap('integration attribute'),
    }),
  ),
  /** Partner identities such as `mParticle_mpid`; the partner must be registered. */
  partner_identities: opt(scalarMap('partner identity')),
  partner_identity: opt(z.string()),
  /** Output only; accepted so received batches parse. */
  source_info: opt(
    strictObject({
      channel: z.enum(SOURCE_CHANNELS),
      partner: opt(z.string()),
      replay_request_id: opt(z.string()),
      replay_job_id: opt(z.string()),
      is_historical: opt(z.boolean()),
    }),
  ),
  attribution_info: opt(
    strictObject({
      service_provider: z.string().nullable(),
      publisher: z.string().nullable(),
      campaign: z.string().nullable(),
    }),
  ),
  api_key: opt(z.string()),
  api_keys: opt(list(z.string())),
  sdk_version: opt(z.string()),
  job_id: opt(z.string()),
  /** Set by mParticle on receipt; the builder never sets it (events-api.md §2.3). */
  timestamp_unixtime_ms: opt(timestampMs),
  /** Output only: mParticle's batch ID. */
  batch_id: opt(int64Id()),
  /** Output only. */
  origin_mpid: opt(int64Id()),
  /** The user's events, in order. */
  events: opt(list(eventSchema)),
});

type BatchOutput = z.output<typeof batchSchema>;
type BatchSchemaInput = z.input<typeof batchSchema>;

/**
 * A batch's fields as plain, mutable data. A built {@link Batch} is this, deeply read-only.
 *
 * @example
 * ```ts
 * import type { BatchData } from 'mparticle-events';
 *
 * const draft: Partial<BatchData> = { environment: 'development' };
 * ```
 */
export interface BatchData extends Omit<BatchOutput, 'events'> {
  /** The user's events, in order. */
  events?: BatchEvent[] | null | undefined;
}

/**
 * A value and everything in it, read-only: how a built batch is typed.
 *
 * @example
 * ```ts
 * import type { DeepReadonly } from 'mparticle-events';
 *
 * const frozen: DeepReadonly<{ tags: string[] }> = Object.freeze({ tags: Object.freeze(['a']) });
 * ```
 */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * A validated batch in the Events API's wire format, as `BatchBuilder.build()` and `parseBatch()` return
 * it. It is read-only: its type says so all the way down, the batch and its events list are frozen, and
 * the JSON that `serializeBatch()` writes for it is fixed when it is built. 64-bit IDs (`mpid`,
 * `session_id`, `event_id`, …) are canonical decimal strings, which `serializeBatch()` writes as exact
 * JSON integers; `JSON.stringify` works on it too, writing those IDs as strings.
 *
 * @example
 * ```ts
 * import { BatchBuilder, serializeBatch, type Batch } from 'mparticle-events';
 *
 * const batch: Batch = new BatchBuilder({ environment: 'development' }).mpid(42n).build();
 * serializeBatch(batch); // '{"mpid":42,"source_request_id":"…","environment":"development","events":[]}'
 * ```
 */
export type Batch = DeepReadonly<BatchData>;

/**
 * A wire-format batch as `parseBatch()` accepts it, typed: 64-bit IDs may be bigints, decimal strings or
 * safe integers, and timestamps may be `Date`s.
 *
 * @example
 * ```ts
 * import { parseBatch, type BatchInput } from 'mparticle-events';
 *
 * const raw: BatchInput = {
 *   environment: 'production',
 *   user_identities: { customer_id: '42' },
 *   events: [{ event_type: 'custom_event', data: { event_name: 'Signed Up', custom_event_type: 'other' } }],
 * };
 * const batch = parseBatch(raw);
 * ```
 */
export interface BatchInput extends Omit<BatchSchemaInput, 'events'> {
  /** The user's events, in order. */
  events?: EventInput[] | null | undefined;
}
