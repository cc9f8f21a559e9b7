/**
 * `user_attribute_change`: a user attribute was set, changed or removed (events-api.md §3.4). Not needed
 * for server-to-server data, where top-level `user_attributes` update the profile directly.
 *
 * @module
 */
import { z } from 'zod';
import { userAttributeName, userAttributeValue } from '../identity/user-attributes.js';
import { opt, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const userAttributeChangeDataSchema = strictObject({
  ...commonEventFields,
  /** The attribute's name, 1 to 256 characters. Required. */
  user_attribute_name: userAttributeName,
  /** The new value. */
  new: opt(userAttributeValue),
  /** The previous value. */
  old: opt(userAttributeValue),
  /** Whether the attribute was removed. */
  deleted: opt(z.boolean()),
  /** Whether the attribute did not exist before. */
  is_new_attribute: opt(z.boolean()),
});

/**
 * The `data` of a `user_attribute_change` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { UserAttributeChangeData } from 'mparticle-events';
 *
 * const changed = (data: UserAttributeChangeData) => data.user_attribute_name;
 * ```
 */
export interface UserAttributeChangeData extends z.output<typeof userAttributeChangeDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'user_attribute_change', data })` takes.
 *
 * @example
 * ```ts
 * import type { UserAttributeChangeInput } from 'mparticle-events';
 *
 * const change: UserAttributeChangeInput = { user_attribute_name: 'plan', new: 'pro', old: 'free' };
 * ```
 */
export interface UserAttributeChangeInput extends z.input<typeof userAttributeChangeDataSchema> {}
