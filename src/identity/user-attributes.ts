/**
 * `user_attributes` and `deleted_user_attributes` (events-api.md §4.2), with the limits of §2.1.
 *
 * @module
 */

import {
  type AttributeValue,
  checked,
  checkScalar,
  checkWith,
  describe,
  INVALID,
  limitedString,
  list,
  type Reject,
  safeMap,
} from '../internal/zod.js';
import {
  MAX_ATTRIBUTE_VALUE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_USER_ATTRIBUTE_LIST_ENTRY_LENGTH,
  MAX_USER_ATTRIBUTE_LIST_LENGTH,
  MAX_USER_ATTRIBUTES,
} from '../limits.js';

/**
 * A user attribute's value: a scalar, or a list of scalars (events-api.md §4.2). `null` marks a user tag,
 * not a deletion; delete with `deleteUserAttributes()`.
 *
 * @example
 * ```ts
 * import type { UserAttributeValue } from 'mparticle-events';
 *
 * const tags: UserAttributeValue = ['a', 'b'];
 * ```
 */
export type UserAttributeValue = string | number | boolean | null | readonly AttributeValue[];

/**
 * Check one user attribute value against §2.1: strings up to 4096 characters, lists up to 1000 entries of
 * up to 512 characters each. Lists are copied.
 */
export function checkUserAttributeValue(value: unknown, reject: Reject): unknown {
  if (!Array.isArray(value)) {
    return checkScalar(value, reject, MAX_ATTRIBUTE_VALUE_LENGTH, 'user attribute');
  }
  if (value.length > MAX_USER_ATTRIBUTE_LIST_LENGTH) {
    return reject(
      `user attribute lists may hold at most ${MAX_USER_ATTRIBUTE_LIST_LENGTH} entries, got ${value.length} (mParticle's limit)`,
    );
  }
  const out: AttributeValue[] = [];
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    if (typeof entry === 'object' && entry !== null) {
      reject(`user attribute list entries must be scalars, received ${describe(entry)}`, [i]);
      ok = false;
      continue;
    }
    const checked = checkScalar(
      entry,
      reject,
      MAX_USER_ATTRIBUTE_LIST_ENTRY_LENGTH,
      'user attribute list',
      i,
    );
    if (checked === INVALID) ok = false;
    else out.push(checked as AttributeValue);
  }
  return ok ? out : INVALID;
}

/** A user attribute value on its own, as `user_attribute_change` carries it. */
export const userAttributeValue = checked<AttributeValue | readonly AttributeValue[], UserAttributeValue>(
  checkWith(checkUserAttributeValue),
);

/** A user attribute name: 1 to 256 characters (events-api.md §2.1). */
export const userAttributeName = limitedString(MAX_NAME_LENGTH, 'user attribute names', 1);

/** `user_attributes`: at most 100 entries (events-api.md §2.1). */
export const userAttributesSchema = safeMap<UserAttributeValue, AttributeValue | AttributeValue[]>({
  what: 'user attribute',
  maxKeyLength: MAX_NAME_LENGTH,
  maxEntries: MAX_USER_ATTRIBUTES,
  value: checkUserAttributeValue,
});

/** `deleted_user_attributes`: names of attributes to remove from the profile (events-api.md §4.2). */
export const deletedUserAttributesSchema = list(userAttributeName);

/**
 * The user's attributes: names up to 256 characters, at most 100 of them, scalar or list values.
 * Reserved names such as `$FirstName` drive integration mappings (events-api.md §4.2).
 *
 * @example
 * ```ts
 * import type { UserAttributes } from 'mparticle-events';
 *
 * const attributes: UserAttributes = { $FirstName: 'Ada', plan: 'pro', tags: ['a', 'b'] };
 * ```
 */
export type UserAttributes = Record<string, UserAttributeValue>;
