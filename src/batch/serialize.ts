/**
 * `serializeBatch`: a batch's exact JSON text, as the client sends it.
 *
 * @module
 */
import type { Batch } from './batch.js';
import { toSealed, validatedText } from './validate.js';

/**
 * The exact JSON text of a batch, as it is sent: 64-bit IDs written as bare integers, so
 * `-7636538281262557000` stays exactly that. A built batch's text is written once, when it is built, so
 * this costs nothing after `build()`; anything else is validated first (and a {@link ValidationError}
 * thrown if it fails).
 *
 * @example
 * ```ts
 * import { BatchBuilder, serializeBatch } from 'mparticle-events';
 *
 * const batch = new BatchBuilder({ environment: 'production' }).mpid('-7636538281262557000').build();
 * serializeBatch(batch).includes('"mpid":-7636538281262557000'); // true
 * ```
 */
export function serializeBatch(batch: Batch): string {
  return validatedText(batch) ?? toSealed(batch).text;
}
