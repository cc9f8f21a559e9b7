/**
 * `breadcrumb`: a step the user took, kept to explain a later crash (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { int64Number, opt, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

export const breadcrumbDataSchema = strictObject({
  ...commonEventFields,
  /** What happened. Required. */
  label: z.string(),
  /** Which session of the user's this is. */
  session_number: opt(int64Number()),
});

/**
 * The `data` of a `breadcrumb` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { BreadcrumbData } from 'mparticle-events';
 *
 * const label = (data: BreadcrumbData) => data.label;
 * ```
 */
export interface BreadcrumbData extends z.output<typeof breadcrumbDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'breadcrumb', data })` takes.
 *
 * @example
 * ```ts
 * import type { BreadcrumbInput } from 'mparticle-events';
 *
 * const step: BreadcrumbInput = { label: 'Opened settings' };
 * ```
 */
export interface BreadcrumbInput extends z.input<typeof breadcrumbDataSchema> {}
