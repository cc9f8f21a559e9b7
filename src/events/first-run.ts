/**
 * `first_run`: the app ran for the first time (events-api.md §3.4; schema only, no extra fields).
 *
 * @module
 */
import type { z } from 'zod';
import { strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const firstRunDataSchema = strictObject({ ...commonEventFields });

/**
 * The `data` of a `first_run` as it is in a built batch: the common fields only.
 *
 * @example
 * ```ts
 * import type { FirstRunData } from 'mparticle-events';
 *
 * const when = (data: FirstRunData) => data.timestamp_unixtime_ms;
 * ```
 */
export interface FirstRunData extends z.output<typeof firstRunDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'first_run', data })` takes.
 *
 * @example
 * ```ts
 * import type { FirstRunInput } from 'mparticle-events';
 *
 * const firstRun: FirstRunInput = {};
 * ```
 */
export interface FirstRunInput extends z.input<typeof firstRunDataSchema> {}
