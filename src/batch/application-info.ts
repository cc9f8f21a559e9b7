/**
 * `application_info`: the app that produced the data (events-api.md §6.2).
 *
 * @module
 */
import { z } from 'zod';
import { type AttributeValue, checkScalar, opt, safeMap, strictObject } from '../internal/zod.js';

/**
 * Operating systems for `application_info.os`, in the schema's PascalCase (unlike `device_info.platform`).
 * `Unknown` appears in the OpenAPI file but not the schema's enum; leave `os` out instead.
 *
 * @example
 * ```ts
 * import { APPLICATION_OSES } from 'mparticle-events';
 *
 * APPLICATION_OSES.includes('MobileWeb'); // true
 * ```
 */
export const APPLICATION_OSES = [
  'IOS',
  'Android',
  'WindowsPhone',
  'MobileWeb',
  'UnityIOS',
  'UnityAndroid',
  'Desktop',
  'TVOS',
  'Roku',
  'OutOfBand',
  'Alexa',
  'SmartTV',
  'FireTV',
  'Xbox',
] as const;

const searchAdsAttributes = safeMap<Record<string, AttributeValue>, Record<string, AttributeValue>>({
  what: 'Apple Search Ads version',
  value: safeMap<AttributeValue, AttributeValue>({
    what: 'Apple Search Ads attribute',
    value: (value, reject) => checkScalar(value, reject),
  }),
});

export const applicationInfoSchema = strictObject({
  /** The app's name, such as `checkout-api`. */
  application_name: opt(z.string()),
  application_version: opt(z.string()),
  application_build_number: opt(z.string()),
  /** The Android Play install referrer. */
  install_referrer: opt(z.string()),
  /** The app's package name. */
  package: opt(z.string()),
  /** The app's operating system (PascalCase). */
  os: z.enum(APPLICATION_OSES).optional(),
  /** Apple Search Ads attribution, keyed by version. */
  apple_search_ads_attributes: opt(searchAdsAttributes),
});

/**
 * The app as a built batch carries it.
 *
 * @example
 * ```ts
 * import type { ApplicationInfo } from 'mparticle-events';
 *
 * const app: ApplicationInfo = { application_name: 'checkout-api', application_version: '1.4.0' };
 * ```
 */
export interface ApplicationInfo extends z.output<typeof applicationInfoSchema> {}
