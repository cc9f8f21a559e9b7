/**
 * `network_performance`: one HTTP request the app made, with its timing and size (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { int64Number, opt, strictObject } from '../internal/zod.js';
import { commonEventFields } from './common.js';

/**
 * `response_code`: the prose docs say string, the schemas integer (events-api.md §3.4, §9). Either may be
 * right, so both are accepted; an integer passes both the docs' reading and the schema's.
 */
const responseCode = z.custom<number | string>(
  (v) => (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && v.length > 0),
  { message: 'expected an integer (or a string) HTTP status' },
);

export const networkPerformanceDataSchema = strictObject({
  ...commonEventFields,
  /** The request's URL. Required. */
  url: z.string(),
  /** The HTTP status. Required by the schema; an integer is best (see above). */
  response_code: responseCode,
  /** The HTTP method. */
  http_verb: z.string().optional(),
  /** How long the request took, in ms. */
  time_elapsed: opt(int64Number(0)),
  bytes_in: opt(int64Number(0)),
  bytes_out: opt(int64Number(0)),
  /** The body, base64-encoded. */
  data: opt(z.string()),
});

/**
 * The `data` of a `network_performance` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { NetworkPerformanceData } from 'mparticle-events';
 *
 * const slow = (data: NetworkPerformanceData) => (data.time_elapsed ?? 0) > 1000;
 * ```
 */
export interface NetworkPerformanceData extends z.output<typeof networkPerformanceDataSchema> {}

/**
 * What `BatchBuilder.event({ event_type: 'network_performance', data })` takes.
 *
 * @example
 * ```ts
 * import type { NetworkPerformanceInput } from 'mparticle-events';
 *
 * const call: NetworkPerformanceInput = { url: 'https://api.example.com/pay', http_verb: 'POST', response_code: 200 };
 * ```
 */
export interface NetworkPerformanceInput extends z.input<typeof networkPerformanceDataSchema> {}
