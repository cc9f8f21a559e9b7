/**
 * `session_start`: a session began (events-api.md §3.4).
 *
 * @module
 */
import type { z } from 'zod';
import { strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

/** "No additional fields are allowed in the data node" beyond the common ones (events-api.md §3.4). */
export const sessionStartDataSchema = strictObject({ ...commonEventFields });

/**
 * The `data` of a `session_start` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { SessionStartData } from 'mparticle-events';
 *
 * const uuidOf = (data: SessionStartData) => data.session_uuid;
 * ```
 */
export interface SessionStartData extends z.output<typeof sessionStartDataSchema> {}

/**
 * What `BatchBuilder.sessionStart()` takes: the common fields only. Give `session_uuid` (or
 * `session_id`) and reuse it on the matching session_end.
 *
 * @example
 * ```ts
 * import type { SessionStartInput } from 'mparticle-events';
 *
 * const start: SessionStartInput = { session_uuid: crypto.randomUUID() };
 * ```
 */
export interface SessionStartInput extends z.input<typeof sessionStartDataSchema> {}
