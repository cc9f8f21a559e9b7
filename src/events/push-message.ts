/**
 * `push_message`: a push notification was sent, received or acted on (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { opt, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

/** The string form of `push_message_behavior` (JSON Schema, OpenAPI, official SDKs). */
export const PUSH_MESSAGE_BEHAVIORS = [
  'Received',
  'DirectOpen',
  'Read',
  'InfluencedOpen',
  'Displayed',
] as const;

/**
 * `push_message_behavior`: the prose docs say an integer bit mask, the schemas a string enum
 * (events-api.md §3.4, §9). Either may be right, so both are accepted.
 */
const pushMessageBehavior = z.custom<(typeof PUSH_MESSAGE_BEHAVIORS)[number] | number>(
  (v) =>
    (typeof v === 'string' && (PUSH_MESSAGE_BEHAVIORS as readonly string[]).includes(v)) ||
    (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x7fffffff),
  { message: `expected a bit mask (integer) or one of ${PUSH_MESSAGE_BEHAVIORS.join(', ')}` },
);

export const pushMessageDataSchema = strictObject({
  ...commonEventFields,
  /** `sent`, `received` or `action`. Required. */
  push_message_type: z.enum(['sent', 'received', 'action']),
  /**
   * The device's push token. Optional in the prose docs, required by the JSON Schema: the docs win
   * (events-api.md §3.4).
   */
  push_message_token: opt(z.string()),
  /**
   * The notification payload as a JSON string. Optional in the prose docs, required by the JSON Schema:
   * the docs win (events-api.md §3.4).
   */
  push_notification_payload: opt(z.string()),
  message: opt(z.string()),
  /** `apn` or `gcm`. */
  network: opt(z.string()),
  application_state: z.enum(['not_running', 'background', 'foreground']).optional(),
  /** The action the user chose, up to 100 characters (events-api.md §2.1). */
  action_identifier: opt(
    z.string().max(100, "action_identifier must be at most 100 characters (mParticle's limit)"),
  ),
  /** An integer bit mask (prose docs) or a string (schemas). */
  push_message_behavior: pushMessageBehavior.optional(),
});

/**
 * The `data` of a `push_message` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { PushMessageData } from 'mparticle-events';
 *
 * const opened = (data: PushMessageData) => data.push_message_type === 'action';
 * ```
 */
export interface PushMessageData extends z.output<typeof pushMessageDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'push_message', data })` takes.
 *
 * @example
 * ```ts
 * import type { PushMessageInput } from 'mparticle-events';
 *
 * const received: PushMessageInput = { push_message_type: 'received', push_message_token: 'token', network: 'apn' };
 * ```
 */
export interface PushMessageInput extends z.input<typeof pushMessageDataSchema> {}
