/**
 * `user_identity_change`: an identity was added or changed (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { identityTypeSchema } from '../identity/user-identities.js';
import { opt, strictObject, timestampMs } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const userIdentitySchema = strictObject({
  /** Which identity. */
  identity_type: identityTypeSchema,
  /** Its value. */
  identity: z.string().nullable(),
  /** When it was set, epoch ms. Required by the schema. */
  timestamp_unixtime_ms: timestampMs,
  /** Whether the identity was first seen in this batch. */
  created_this_batch: opt(z.boolean()),
});

export const userIdentityChangeDataSchema = strictObject({
  ...commonEventFields,
  /** The identity now. Required; `null` when it was removed. */
  new: userIdentitySchema.nullable(),
  /** The identity before. Required; `null` when it is new. */
  old: userIdentitySchema.nullable(),
});

/**
 * One identity in a `user_identity_change`, as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { UserIdentity } from 'mparticle-events';
 *
 * const id: UserIdentity = { identity_type: 'email', identity: 'ada@example.com', timestamp_unixtime_ms: 1700000000000 };
 * ```
 */
export interface UserIdentity extends z.output<typeof userIdentitySchema> {}

/**
 * The `data` of a `user_identity_change` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { UserIdentityChangeData } from 'mparticle-events';
 *
 * const added = (data: UserIdentityChangeData) => data.old === null;
 * ```
 */
export interface UserIdentityChangeData extends z.output<typeof userIdentityChangeDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'user_identity_change', data })` takes.
 *
 * @example
 * ```ts
 * import type { UserIdentityChangeInput } from 'mparticle-events';
 *
 * const change: UserIdentityChangeInput = {
 *   new: { identity_type: 'email', identity: 'ada@example.com', timestamp_unixtime_ms: new Date() },
 *   old: null,
 * };
 * ```
 */
export interface UserIdentityChangeInput extends z.input<typeof userIdentityChangeDataSchema> {}
