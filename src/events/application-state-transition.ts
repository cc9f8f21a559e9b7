/**
 * `application_state_transition`: the app started, exited, or moved to the background or foreground
 * (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { opt, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const applicationStateTransitionDataSchema = strictObject({
  ...commonEventFields,
  /** What happened. Required. */
  application_transition_type: z.enum([
    'application_initialized',
    'application_exit',
    'application_background',
    'application_foreground',
  ]),
  /** With `application_initialized`: an install when true and `is_upgrade` is false. */
  is_first_run: opt(z.boolean()),
  /** With `application_initialized`: an upgrade when true and `is_first_run` is false. */
  is_upgrade: opt(z.boolean()),
  successfully_closed: opt(z.boolean()),
  push_notification_payload: opt(z.string()),
  launch_referral: opt(z.string()),
});

/**
 * The `data` of an `application_state_transition` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { ApplicationStateTransitionData } from 'mparticle-events';
 *
 * const isInstall = (d: ApplicationStateTransitionData) =>
 *   d.application_transition_type === 'application_initialized' && d.is_first_run === true;
 * ```
 */
export interface ApplicationStateTransitionData
  extends z.output<typeof applicationStateTransitionDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'application_state_transition', data })` takes.
 *
 * @example
 * ```ts
 * import type { ApplicationStateTransitionInput } from 'mparticle-events';
 *
 * const install: ApplicationStateTransitionInput = {
 *   application_transition_type: 'application_initialized',
 *   is_first_run: true,
 *   is_upgrade: false,
 * };
 * ```
 */
export interface ApplicationStateTransitionInput
  extends z.input<typeof applicationStateTransitionDataSchema> {}
