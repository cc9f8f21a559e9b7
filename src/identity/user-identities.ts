/**
 * `user_identities`: the user's known IDs, keyed by identity type (events-api.md §4.1).
 *
 * @module
 */
import { z } from 'zod';
import { strictObject } from '../internal/zod.js';

/**
 * Every user identity key the Events API accepts (events-api.md §4.1). Send `customer_id`, not the
 * legacy `customerid` some older SDKs write: the schema rejects the alias.
 *
 * @example
 * ```ts
 * import { USER_IDENTITY_TYPES } from 'mparticle-events';
 *
 * USER_IDENTITY_TYPES.includes('email'); // true
 * ```
 */
export const USER_IDENTITY_TYPES = [
  'customer_id',
  'email',
  'other',
  'other_id_2',
  'other_id_3',
  'other_id_4',
  'other_id_5',
  'other_id_6',
  'other_id_7',
  'other_id_8',
  'other_id_9',
  'other_id_10',
  'mobile_number',
  'phone_number_2',
  'phone_number_3',
  'facebook',
  'twitter',
  'google',
  'microsoft',
  'yahoo',
  'alias',
  'facebook_custom_audience_id',
] as const;

/**
 * A user identity key: `customer_id`, `email`, `other_id_2`…`other_id_10` and the rest of
 * `USER_IDENTITY_TYPES`.
 *
 * @example
 * ```ts
 * import type { IdentityType } from 'mparticle-events';
 *
 * const key: IdentityType = 'customer_id';
 * ```
 */
export type IdentityType = (typeof USER_IDENTITY_TYPES)[number];

/** One identity value: a non-empty string (`null` means "not known", as the schema allows). */
const identityValue = z.string().min(1, 'identity values must not be empty').nullable().optional();

export const identityTypeSchema = z.enum(USER_IDENTITY_TYPES);

export const userIdentitiesSchema = strictObject(
  Object.fromEntries(USER_IDENTITY_TYPES.map((key) => [key, identityValue])) as {
    [K in IdentityType]: typeof identityValue;
  },
);

/**
 * The user's identities, one string per identity type. An unknown key does not compile and is rejected
 * at run time.
 *
 * @example
 * ```ts
 * import type { UserIdentities } from 'mparticle-events';
 *
 * const ids: UserIdentities = { customer_id: '42', email: 'ada@example.com' };
 * ```
 */
export interface UserIdentities extends z.input<typeof userIdentitiesSchema> {}
