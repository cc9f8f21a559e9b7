/**
 * `push_registration`: a device registered or unregistered for push (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const pushRegistrationDataSchema = strictObject({
  ...commonEventFields,
  /** `true` to register, `false` to unregister. Required. */
  register: z.boolean(),
  /** The push token. Required. */
  registration_token: z.string(),
});

/**
 * The `data` of a `push_registration` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { PushRegistrationData } from 'mparticle-events';
 *
 * const token = (data: PushRegistrationData) => data.registration_token;
 * ```
 */
export interface PushRegistrationData extends z.output<typeof pushRegistrationDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'push_registration', data })` takes.
 *
 * @example
 * ```ts
 * import type { PushRegistrationInput } from 'mparticle-events';
 *
 * const registration: PushRegistrationInput = { register: true, registration_token: 'fcm-token' };
 * ```
 */
export interface PushRegistrationInput extends z.input<typeof pushRegistrationDataSchema> {}
