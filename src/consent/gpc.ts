/**
 * Global Privacy Control: the `Sec-GPC: 1` request header a browser sends when its user asked not to have
 * their data sold or shared, mapped to mParticle consent.
 *
 * @module
 */
import type { ConsentPurposeInput, ConsentStateInput } from './consent-state.js';
import { canonicalPurpose } from './consent-state.js';

/**
 * Where a GPC signal can come from: a boolean you already computed, a fetch `Headers` object, or a
 * headers record such as Node's `req.headers` (names matched case-insensitively).
 *
 * @example
 * ```ts
 * import type { GpcSource } from 'mparticle-events';
 *
 * const fromNode: GpcSource = { 'sec-gpc': '1' };
 * const fromFetch: GpcSource = new Headers({ 'Sec-GPC': '1' });
 * ```
 */
export type GpcSource =
  | boolean
  | {
      /** Reads a header, as fetch's `Headers.get` does. */
      get(name: string): string | null;
    }
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | null
  | undefined;

/**
 * Whether a request carries a Global Privacy Control signal: `Sec-GPC: 1` (any other value, or no
 * header, is no signal), or `true`.
 *
 * @example
 * ```ts
 * import { hasGpcSignal } from 'mparticle-events';
 *
 * hasGpcSignal({ 'sec-gpc': '1' }); // true
 * hasGpcSignal(new Headers()); // false
 * ```
 */
export function hasGpcSignal(source: GpcSource): boolean {
  if (typeof source === 'boolean') return source;
  if (source === null || source === undefined || typeof source !== 'object') return false;
  if (typeof (source as { get?: unknown }).get === 'function') {
    const value = (source as { get(name: string): string | null }).get('sec-gpc');
    return typeof value === 'string' && isOn(value);
  }
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (name.toLowerCase() !== 'sec-gpc') continue;
    if (typeof value === 'string' && isOn(value)) return true;
    if (Array.isArray(value) && value.some((v) => typeof v === 'string' && isOn(v))) return true;
  }
  return false;
}

function isOn(value: string): boolean {
  // The GPC spec's only defined value is "1"; fetch joins repeated headers with ", ".
  return value.split(',').some((part) => part.trim() === '1');
}

/**
 * Where a GPC signal is recorded: CCPA's `data_sale_opt_out` (the default), or a GDPR purpose you choose.
 *
 * @example
 * ```ts
 * import type { GpcOptions } from 'mparticle-events';
 *
 * const toGdpr: GpcOptions = { regulation: 'gdpr', purpose: 'marketing' };
 * ```
 */
export type GpcOptions =
  | (Omit<ConsentPurposeInput, 'consented'> & { regulation?: 'ccpa' | undefined; purpose?: undefined })
  | (Omit<ConsentPurposeInput, 'consented'> & { regulation: 'gdpr'; purpose: string });

/**
 * The consent a GPC signal means, or an empty state when there is no signal (no signal is not consent).
 *
 * With a signal: CCPA `data_sale_opt_out` with `consented: true` (the user opted out of data sale), or,
 * with `{ regulation: 'gdpr', purpose }`, that purpose with `consented: false`. The timestamp defaults to
 * `now()`.
 *
 * @example
 * ```ts
 * import { BatchBuilder, consentFromGpc } from 'mparticle-events';
 *
 * const state = consentFromGpc({ 'sec-gpc': '1' });
 * // { ccpa: { data_sale_opt_out: { consented: true, timestamp_unixtime_ms: … } } }
 * new BatchBuilder().mpid(42n).consent(state);
 * ```
 */
export function consentFromGpc(
  source: GpcSource,
  options: GpcOptions = {},
  now: () => number = Date.now,
): ConsentStateInput {
  if (!hasGpcSignal(source)) return {};
  const { regulation, purpose, ...details } = options;
  const timestamp = details.timestamp_unixtime_ms ?? now();
  if (regulation === 'gdpr') {
    return {
      gdpr: {
        [canonicalPurpose(purpose)]: { ...details, consented: false, timestamp_unixtime_ms: timestamp },
      },
    };
  }
  return { ccpa: { data_sale_opt_out: { ...details, consented: true, timestamp_unixtime_ms: timestamp } } };
}
