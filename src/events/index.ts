/**
 * The union of every event type, assembled in one place (events-api.md §3.2, §3.4).
 *
 * @module
 */
import { eventUnion } from '../internal/zod.js';
import {
  type ApplicationStateTransitionData,
  type ApplicationStateTransitionInput,
  applicationStateTransitionDataSchema,
} from './application-state-transition.js';
import { type BreadcrumbData, type BreadcrumbInput, breadcrumbDataSchema } from './breadcrumb.js';
import {
  type CommerceEventData,
  type CommerceEventInput,
  commerceEventDataSchema,
} from './commerce-event.js';
import { type CrashReportData, type CrashReportInput, crashReportDataSchema } from './crash-report.js';
import { type CustomEventData, type CustomEventInput, customEventDataSchema } from './custom-event.js';
import { type FirstRunData, type FirstRunInput, firstRunDataSchema } from './first-run.js';
import {
  type NetworkPerformanceData,
  type NetworkPerformanceInput,
  networkPerformanceDataSchema,
} from './network-performance.js';
import { type OptOutData, type OptOutInput, optOutDataSchema } from './opt-out.js';
import { type ProfileData, type ProfileInput, profileDataSchema } from './profile.js';
import { type PushMessageData, type PushMessageInput, pushMessageDataSchema } from './push-message.js';
import {
  type PushRegistrationData,
  type PushRegistrationInput,
  pushRegistrationDataSchema,
} from './push-registration.js';
import { type ScreenViewData, type ScreenViewInput, screenViewDataSchema } from './screen-view.js';
import { type SessionEndData, type SessionEndInput, sessionEndDataSchema } from './session-end.js';
import { type SessionStartData, type SessionStartInput, sessionStartDataSchema } from './session-start.js';
import { type UninstallData, type UninstallInput, uninstallDataSchema } from './uninstall.js';
import {
  type UserAttributeChangeData,
  type UserAttributeChangeInput,
  userAttributeChangeDataSchema,
} from './user-attribute-change.js';
import {
  type UserIdentityChangeData,
  type UserIdentityChangeInput,
  userIdentityChangeDataSchema,
} from './user-identity-change.js';

/** One event, its `data` validated by the schema its `event_type` picks. */
export const eventSchema = eventUnion({
  custom_event: customEventDataSchema,
  screen_view: screenViewDataSchema,
  commerce_event: commerceEventDataSchema,
  session_start: sessionStartDataSchema,
  session_end: sessionEndDataSchema,
  user_attribute_change: userAttributeChangeDataSchema,
  user_identity_change: userIdentityChangeDataSchema,
  application_state_transition: applicationStateTransitionDataSchema,
  crash_report: crashReportDataSchema,
  opt_out: optOutDataSchema,
  push_registration: pushRegistrationDataSchema,
  push_message: pushMessageDataSchema,
  network_performance: networkPerformanceDataSchema,
  breadcrumb: breadcrumbDataSchema,
  first_run: firstRunDataSchema,
  uninstall: uninstallDataSchema,
  profile: profileDataSchema,
});

/**
 * Every event type this SDK can send (events-api.md §3.2). `pre_attribution` and `push_reaction` are in
 * the schema's enum but have no definition there, so no batch holding them can validate.
 *
 * @example
 * ```ts
 * import { EVENT_TYPES } from 'mparticle-events';
 *
 * EVENT_TYPES.length; // 17
 * ```
 */
export const EVENT_TYPES = [
  'custom_event',
  'screen_view',
  'commerce_event',
  'session_start',
  'session_end',
  'user_attribute_change',
  'user_identity_change',
  'application_state_transition',
  'crash_report',
  'opt_out',
  'push_registration',
  'push_message',
  'network_performance',
  'breadcrumb',
  'first_run',
  'uninstall',
  'profile',
] as const;

/**
 * An event type: `custom_event`, `screen_view`, `commerce_event` and the rest of `EVENT_TYPES`.
 *
 * @example
 * ```ts
 * import type { EventType } from 'mparticle-events';
 *
 * const type: EventType = 'session_start';
 * ```
 */
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Each event type's `data` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { EventDataMap } from 'mparticle-events';
 *
 * type Purchase = EventDataMap['commerce_event'];
 * ```
 */
export interface EventDataMap {
  custom_event: CustomEventData;
  screen_view: ScreenViewData;
  commerce_event: CommerceEventData;
  session_start: SessionStartData;
  session_end: SessionEndData;
  user_attribute_change: UserAttributeChangeData;
  user_identity_change: UserIdentityChangeData;
  application_state_transition: ApplicationStateTransitionData;
  crash_report: CrashReportData;
  opt_out: OptOutData;
  push_registration: PushRegistrationData;
  push_message: PushMessageData;
  network_performance: NetworkPerformanceData;
  breadcrumb: BreadcrumbData;
  first_run: FirstRunData;
  uninstall: UninstallData;
  profile: ProfileData;
}

/**
 * Each event type's `data` as the builder takes it.
 *
 * @example
 * ```ts
 * import type { EventInputMap } from 'mparticle-events';
 *
 * const data: EventInputMap['breadcrumb'] = { label: 'Opened settings' };
 * ```
 */
export interface EventInputMap {
  custom_event: CustomEventInput;
  screen_view: ScreenViewInput;
  commerce_event: CommerceEventInput;
  session_start: SessionStartInput;
  session_end: SessionEndInput;
  user_attribute_change: UserAttributeChangeInput;
  user_identity_change: UserIdentityChangeInput;
  application_state_transition: ApplicationStateTransitionInput;
  crash_report: CrashReportInput;
  opt_out: OptOutInput;
  push_registration: PushRegistrationInput;
  push_message: PushMessageInput;
  network_performance: NetworkPerformanceInput;
  breadcrumb: BreadcrumbInput;
  first_run: FirstRunInput;
  uninstall: UninstallInput;
  profile: ProfileInput;
}

/**
 * One event in a built batch: `{ event_type, data }`, where `data` matches the type.
 *
 * @example
 * ```ts
 * import type { BatchEvent } from 'mparticle-events';
 *
 * const names = (events: readonly BatchEvent[]) =>
 *   events.flatMap((e) => (e.event_type === 'custom_event' ? [e.data.event_name] : []));
 * ```
 */
export type BatchEvent = { [K in EventType]: { event_type: K; data: EventDataMap[K] } }[EventType];

/**
 * One event as `BatchBuilder.event()` takes it: `{ event_type, data }`, where `data` matches the type.
 *
 * @example
 * ```ts
 * import type { EventInput } from 'mparticle-events';
 *
 * const event: EventInput = { event_type: 'breadcrumb', data: { label: 'Opened settings' } };
 * ```
 */
export type EventInput = { [K in EventType]: { event_type: K; data: EventInputMap[K] } }[EventType];
