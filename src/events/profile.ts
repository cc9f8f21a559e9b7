/**
 * `profile`: a user signed up, logged in or out, or their profile was updated or deleted
 * (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { int64Id, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const profileDataSchema = strictObject({
  ...commonEventFields,
  /** What happened. Required. */
  profile_event_type: z.enum(['signup', 'login', 'logout', 'update', 'delete']),
  /** The mpid before, kept exact. Required; `null` when there was none. */
  previous_mpid: int64Id().nullable(),
  /** The mpid after, kept exact. Required; `null` when there is none. */
  current_mpid: int64Id().nullable(),
});

/**
 * The `data` of a `profile` event as it is in a built batch; the mpids are decimal strings.
 *
 * @example
 * ```ts
 * import type { ProfileData } from 'mparticle-events';
 *
 * const switched = (data: ProfileData) => data.previous_mpid !== data.current_mpid;
 * ```
 */
export interface ProfileData extends z.output<typeof profileDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'profile', data })` takes: mpids as bigint, decimal string or
 * safe integer.
 *
 * @example
 * ```ts
 * import type { ProfileInput } from 'mparticle-events';
 *
 * const login: ProfileInput = { profile_event_type: 'login', previous_mpid: null, current_mpid: -7636538281262557000n };
 * ```
 */
export interface ProfileInput extends z.input<typeof profileDataSchema> {}
