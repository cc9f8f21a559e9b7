/**
 * `uninstall`: the app was removed (events-api.md §3.4; no extra fields).
 *
 * @module
 */
import type { z } from 'zod';
import { strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const uninstallDataSchema = strictObject({ ...commonEventFields });

/**
 * The `data` of an `uninstall` as it is in a built batch: the common fields only.
 *
 * @example
 * ```ts
 * import type { UninstallData } from 'mparticle-events';
 *
 * const when = (data: UninstallData) => data.timestamp_unixtime_ms;
 * ```
 */
export interface UninstallData extends z.output<typeof uninstallDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'uninstall', data })` takes.
 *
 * @example
 * ```ts
 * import type { UninstallInput } from 'mparticle-events';
 *
 * const uninstall: UninstallInput = { timestamp_unixtime_ms: new Date('2024-05-01T12:00:00Z') };
 * ```
 */
export interface UninstallInput extends z.input<typeof uninstallDataSchema> {}
