/**
 * `custom_event`: anything a user does that is not commerce or a screen view (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { opt, strictObject } from '../internal/zod.js';
import { commonEventFields, customFlags, eventName } from './common.js';

/**
 * Every `custom_event_type` the prose docs list (events-api.md §3.4). `attribution` is documented but
 * missing from the JSON Schema; the docs win here (recorded in test/batch/docs-vs-schema.test.ts).
 *
 * @example
 * ```ts
 * import { CUSTOM_EVENT_TYPES } from 'mparticle-events';
 *
 * CUSTOM_EVENT_TYPES.includes('navigation'); // true
 * ```
 */
export const CUSTOM_EVENT_TYPES = [
  'attribution',
  'location',
  'media',
  'navigation',
  'other',
  'search',
  'social',
  'transaction',
  'user_content',
  'user_preference',
] as const;

/**
 * The category of a custom event.
 *
 * @example
 * ```ts
 * import type { CustomEventType } from 'mparticle-events';
 *
 * const type: CustomEventType = 'navigation';
 * ```
 */
export type CustomEventType = (typeof CUSTOM_EVENT_TYPES)[number];

export const customEventDataSchema = strictObject({
  ...commonEventFields,
  /** The event's name, 1 to 256 characters. Required. */
  event_name: eventName,
  /** The event's category. Defaults to `other`. */
  custom_event_type: z.enum(CUSTOM_EVENT_TYPES).default('other'),
  /** Values for one specific integration; not usable in audiences. */
  custom_flags: opt(customFlags),
});

/**
 * The `data` of a `custom_event` as it is in a built `Batch`.
 *
 * @example
 * ```ts
 * import type { CustomEventData } from 'mparticle-events';
 *
 * const names = (events: CustomEventData[]) => events.map((e) => e.event_name);
 * ```
 */
export interface CustomEventData extends z.output<typeof customEventDataSchema> {}

/**
 * What `BatchBuilder.customEvent()` takes: `event_name` is required, `custom_event_type` defaults to
 * `other`, and the timestamp and `source_message_id` are filled in when absent.
 *
 * @example
 * ```ts
 * import type { CustomEventInput } from 'mparticle-events';
 *
 * const signup: CustomEventInput = { event_name: 'Signed Up', custom_attributes: { plan: 'pro' } };
 * ```
 */
export interface CustomEventInput extends z.input<typeof customEventDataSchema> {}
