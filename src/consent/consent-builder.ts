/**
 * A small builder for `consent_state`, used through `BatchBuilder.consent(c => …)`.
 *
 * @module
 */
import { assignOwn } from '../internal/copy.js';
import type { ConsentPurposeInput, ConsentStateInput } from './consent-state.js';
import { canonicalPurpose } from './consent-state.js';
import { consentFromGpc, type GpcOptions, type GpcSource } from './gpc.js';

/**
 * Options of a {@link ConsentBuilder}.
 *
 * @example
 * ```ts
 * import { ConsentBuilder } from 'mparticle-events';
 *
 * const consent = new ConsentBuilder({ now: () => Date.parse('2024-05-01T12:00:00Z') });
 * ```
 */
export interface ConsentBuilderOptions {
  /**
   * The clock for default timestamps, in epoch ms.
   * @default Date.now
   */
  now?: (() => number) | undefined;
}

/**
 * Records GDPR and CCPA consent for a batch. Every purpose gets `consented` (always written, as the
 * server requires) and a timestamp that defaults to now. GDPR purposes are trimmed and lower-cased, as
 * mParticle's own SDKs do; recording a purpose twice keeps the last.
 *
 * @example
 * ```ts
 * import { BatchBuilder } from 'mparticle-events';
 *
 * const batch = new BatchBuilder({ environment: 'production' })
 *   .mpid('-7636538281262557000')
 *   .consent((c) => c.gdpr('Marketing', { consented: true, document: 'privacy_v3' }).ccpa({ consented: false }))
 *   .build();
 * ```
 */
export class ConsentBuilder {
  readonly #now: () => number;
  readonly #gdpr = new Map<string, ConsentPurposeInput>();
  #ccpa: ConsentPurposeInput | undefined;

  constructor(options: ConsentBuilderOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Record consent for one GDPR purpose (defined first in mParticle under Setup > Privacy Settings).
   *
   * @param purpose - The purpose, trimmed and lower-cased before it is written.
   * @param consent - Whether the user consented, and optional details.
   */
  gdpr(purpose: string, consent: ConsentPurposeInput): this {
    this.#gdpr.set(canonicalPurpose(purpose), this.#stamped(consent));
    return this;
  }

  /**
   * Record CCPA `data_sale_opt_out`: `consented: true` means the user opted out of the sale of their data.
   *
   * @param consent - Whether the user opted out, and optional details.
   */
  ccpa(consent: ConsentPurposeInput): this {
    this.#ccpa = this.#stamped(consent);
    return this;
  }

  /**
   * Record a Global Privacy Control signal, when there is one: as CCPA opt-out by default, or as a refused
   * GDPR purpose with `{ regulation: 'gdpr', purpose }`. Without a signal nothing is recorded.
   *
   * @param source - `true`/`false`, a `Headers` object or a headers record holding `Sec-GPC`.
   * @param options - Where to record the signal, and optional details.
   */
  gpc(source: GpcSource, options: GpcOptions = {}): this {
    const state = consentFromGpc(source, options, this.#now);
    for (const [purpose, consent] of Object.entries(state.gdpr ?? {})) this.#gdpr.set(purpose, consent);
    if (state.ccpa?.data_sale_opt_out) this.#ccpa = state.ccpa.data_sale_opt_out;
    return this;
  }

  /** The consent recorded so far, ready for `BatchBuilder.consent()`; validated when the batch is built. */
  build(): ConsentStateInput {
    const state: ConsentStateInput = {};
    if (this.#gdpr.size > 0) state.gdpr = Object.fromEntries(this.#gdpr);
    if (this.#ccpa) state.ccpa = { data_sale_opt_out: this.#ccpa };
    return state;
  }

  #stamped(consent: ConsentPurposeInput): ConsentPurposeInput {
    // Assigned onto a literal that has the key: adding it to a spread copy is a slow path in V8.
    const copy = assignOwn<Partial<ConsentPurposeInput>>({ timestamp_unixtime_ms: undefined }, consent);
    copy.timestamp_unixtime_ms ??= this.#now();
    return copy as ConsentPurposeInput;
  }
}
