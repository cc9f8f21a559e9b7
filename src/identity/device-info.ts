/**
 * `device_info`: the device, and the device identities (advertising IDs, push token) that let mParticle
 * attach a batch to a user when no user identity is known (events-api.md §6.1).
 *
 * @module
 */
import { z } from 'zod';
import { int64Number, opt, strictObject, timestampMs, uuid } from '../internal/zod.js';

/**
 * Device platforms: the prose docs' and schema's list (`fire_tv`), plus `FireTV`, which the current
 * official Java SDK sends (events-api.md §6.1). Either may be right, so both are accepted.
 *
 * @example
 * ```ts
 * import { PLATFORMS } from 'mparticle-events';
 *
 * PLATFORMS.includes('web'); // true
 * ```
 */
export const PLATFORMS = [
  'iOS',
  'Android',
  'web',
  'tvOS',
  'roku',
  'out_of_band',
  'alexa',
  'smart_tv',
  'fire_tv',
  'FireTV',
  'xbox',
] as const;

/**
 * A device platform. Note the mixed casing: `iOS`, `Android`, then lower case.
 *
 * @example
 * ```ts
 * import type { Platform } from 'mparticle-events';
 *
 * const platform: Platform = 'web';
 * ```
 */
export type Platform = (typeof PLATFORMS)[number];

/**
 * The `device_info` fields that identify a device (events-api.md §6.1). A batch needs one of these, a user
 * identity or an mpid.
 */
export const DEVICE_IDENTITY_FIELDS = [
  'ios_advertising_id',
  'ios_idfv',
  'android_advertising_id',
  'android_uuid',
  'roku_advertising_id',
  'roku_publisher_id',
  'fire_advertising_id',
  'microsoft_advertising_id',
  'microsoft_publisher_id',
  'amp_id',
  'push_token',
] as const;

export const deviceInfoSchema = strictObject({
  /** The platform. */
  platform: z.enum(PLATFORMS).optional(),
  /** IDFA. A device identity. */
  ios_advertising_id: opt(uuid),
  /** IDFV. A device identity. */
  ios_idfv: opt(uuid),
  /** Google advertising ID. A device identity. */
  android_advertising_id: opt(uuid),
  /** Legacy Android ID. A device identity. */
  android_uuid: opt(z.string()),
  /** A device identity. */
  roku_advertising_id: opt(uuid),
  /** A device identity. */
  roku_publisher_id: opt(uuid),
  /** Fire TV advertising ID. A device identity. */
  fire_advertising_id: opt(uuid),
  /** A device identity. */
  microsoft_advertising_id: opt(z.string()),
  /** A device identity. */
  microsoft_publisher_id: opt(z.string()),
  /** AMP client ID. A device identity. */
  amp_id: opt(z.string()),
  /** Push registration token. A device identity. */
  push_token: opt(z.string()),
  /** App Tracking Transparency status. */
  att_authorization_status: z.enum(['authorized', 'denied', 'not_determined', 'restricted']).optional(),
  /** When the ATT status was set, epoch ms. */
  att_timestamp_unixtime_ms: opt(timestampMs),
  limit_ad_tracking: opt(z.boolean()),
  brand: opt(z.string()),
  product: opt(z.string()),
  device: opt(z.string()),
  device_manufacturer: opt(z.string()),
  os_version: opt(z.string()),
  device_model: opt(z.string()),
  device_country: opt(z.string()),
  locale_language: opt(z.string()),
  locale_country: opt(z.string()),
  network_country: opt(z.string()),
  network_carrier: opt(z.string()),
  network_code: opt(z.string()),
  network_mobile_country_code: opt(z.string()),
  build_identifier: opt(z.string()),
  /** The User-Agent header of the user's browser or app. */
  http_header_user_agent: opt(z.string()),
  cpu_architecture: opt(z.string()),
  radio_access_technology: opt(z.string()),
  bluetooth_version: opt(z.string()),
  build_version_release: opt(z.string()),
  screen_height: opt(int64Number()),
  screen_width: opt(int64Number()),
  screen_dpi: opt(int64Number()),
  /** Hours from UTC. */
  timezone_offset: opt(int64Number()),
  is_tablet: opt(z.boolean()),
  push_notification_sound_enabled: opt(z.boolean()),
  push_notification_vibrate_enabled: opt(z.boolean()),
  supports_telephony: opt(z.boolean()),
  has_nfc: opt(z.boolean()),
  bluetooth_enabled: opt(z.boolean()),
  is_dst: opt(z.boolean()),
});

/**
 * The device as a built batch carries it.
 *
 * @example
 * ```ts
 * import type { DeviceInfo } from 'mparticle-events';
 *
 * const device: DeviceInfo = { platform: 'web', http_header_user_agent: 'Mozilla/5.0' };
 * ```
 */
export interface DeviceInfo extends z.output<typeof deviceInfoSchema> {}

/**
 * What `BatchBuilder.deviceInfo()` takes: `att_timestamp_unixtime_ms` may also be a `Date`.
 *
 * @example
 * ```ts
 * import type { DeviceInfoInput } from 'mparticle-events';
 *
 * const device: DeviceInfoInput = { platform: 'iOS', ios_idfv: '0f129dcb-d5b9-450b-9003-a38a7b7e946d' };
 * ```
 */
export interface DeviceInfoInput extends z.input<typeof deviceInfoSchema> {}
