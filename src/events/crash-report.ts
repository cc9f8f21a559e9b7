/**
 * `crash_report`: the app crashed or caught an exception worth reporting (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { eventUnion, int64Id, int64Number, list, opt, strictObject } from '../internal/zod.js';
import { breadcrumbDataSchema } from './breadcrumb.js';
import { commonEventFields } from './common.js';

export const crashReportDataSchema = strictObject({
  ...commonEventFields,
  /** How bad it was, such as `error`. Required by the current schema. */
  severity: z.string().nullable(),
  /** The error message. Required by the current schema. */
  message: z.string().nullable(),
  class_name: opt(z.string()),
  stack_trace: opt(z.string()),
  exception_handled: opt(z.boolean()),
  topmost_context: opt(z.string()),
  pl_crash_report_file_base64: opt(z.string()),
  /** Unsigned 64-bit; kept exact. */
  ios_image_base_address: opt(int64Id(true)),
  /** Unsigned 64-bit; kept exact. */
  ios_image_size: opt(int64Id(true)),
  session_number: opt(int64Number()),
  /** The breadcrumb events that led here, as full events (the schema's form). */
  breadcrumbs: opt(list(eventUnion({ breadcrumb: breadcrumbDataSchema }))),
});

/**
 * The `data` of a `crash_report` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { CrashReportData } from 'mparticle-events';
 *
 * const summary = (data: CrashReportData) => `${data.severity}: ${data.message}`;
 * ```
 */
export interface CrashReportData extends z.output<typeof crashReportDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'crash_report', data })` takes: `severity` and `message` are
 * required.
 *
 * @example
 * ```ts
 * import type { CrashReportInput } from 'mparticle-events';
 *
 * const crash: CrashReportInput = { severity: 'error', message: 'Payment provider timed out' };
 * ```
 */
export interface CrashReportInput extends z.input<typeof crashReportDataSchema> {}
