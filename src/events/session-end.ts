/**
 * `session_end`: a session ended (events-api.md §3.4).
 *
 * @module
 */
import type { z } from 'zod';
import { int64Number, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const sessionEndDataSchema = strictObject({
  ...commonEventFields,
  /**
   * How long the session lasted, in ms. Optional in the prose docs, required by the JSON Schema: the
   * docs win (events-api.md §3.4, §9).
   */
  session_duration_ms: int64Number(0).optional(),
});

/**
 * The `data` of a `session_end` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { SessionEndData } from 'mparticle-events';
 *
 * const seconds = (data: SessionEndData) => (data.session_duration_ms ?? 0) / 1000;
 * ```
 */
export interface SessionEndData extends z.output<typeof sessionEndDataSchema> {}

/**
 * What `BatchBuilder.sessionEnd()` takes.
 *
 * @example
 * ```ts
 * import type { SessionEndInput } from 'mparticle-events';
 *
 * const end: SessionEndInput = { session_uuid: '84e1b361-a282-4adf-8a6d-1d31e6dd5a9e', session_duration_ms: 10_000 };
 * ```
 */
export interface SessionEndInput extends z.input<typeof sessionEndDataSchema> {}
