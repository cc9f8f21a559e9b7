/**
 * `opt_out`: the user opted out of (or back into) tracking (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { opt, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const optOutDataSchema = strictObject({
  ...commonEventFields,
  /**
   * Whether the user is opted out. "Suggested, false by default" in the prose docs, required by the JSON
   * Schema: the docs win (events-api.md §3.4), but send it.
   */
  is_opted_out: opt(z.boolean()),
});

/**
 * The `data` of an `opt_out` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { OptOutData } from 'mparticle-events';
 *
 * const optedOut = (data: OptOutData) => data.is_opted_out === true;
 * ```
 */
export interface OptOutData extends z.output<typeof optOutDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'opt_out', data })` takes.
 *
 * @example
 * ```ts
 * import type { OptOutInput } from 'mparticle-events';
 *
 * const optOut: OptOutInput = { is_opted_out: true };
 * ```
 */
export interface OptOutInput extends z.input<typeof optOutDataSchema> {}
