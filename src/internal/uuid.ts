/**
 * Random (version 4) UUIDs for `source_request_id` and `source_message_id` (events-api.md §1.7), made in
 * bulk. Internal.
 *
 * A batch of ten events needs eleven UUIDs. `crypto.randomUUID()` builds each string from sixteen hex
 * pairs, leaving about 600 bytes of intermediate strings per UUID: a third of everything building a batch
 * allocated (docs/BENCHMARKS.md, "Findings that shaped the code"). Here a pool of UUIDs is written as
 * ASCII into one byte buffer from one `crypto.getRandomValues` call, decoded once, and each UUID is a
 * 36-character slice of that text. The randomness is the same: Web Crypto's CSPRNG, 122 random bits per UUID.
 *
 * @module
 */

/** UUIDs made per refill. */
const POOL = 256;
const UUID_LENGTH = 36;

/** ASCII codes of the two hex digits of each byte value. */
const HEX = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  const hi = (byte >> 4).toString(16).charCodeAt(0);
  const lo = (byte & 15).toString(16).charCodeAt(0);
  // Stored so that a little- or big-endian view writes `hi` first: written byte by byte below.
  HEX[byte] = (hi << 8) | lo;
}

const random = new Uint8Array(16 * POOL);
const ascii = new Uint8Array(UUID_LENGTH * POOL);
const decoder = new TextDecoder();
let text = '';
let next = POOL;

function refill(): void {
  globalThis.crypto.getRandomValues(random);
  let at = 0;
  for (let u = 0; u < POOL; u++) {
    const r = u * 16;
    // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
    random[r + 6] = ((random[r + 6] as number) & 0x0f) | 0x40;
    random[r + 8] = ((random[r + 8] as number) & 0x3f) | 0x80;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) ascii[at++] = 0x2d; // -
      const pair = HEX[random[r + i] as number] as number;
      ascii[at++] = pair >> 8;
      ascii[at++] = pair & 0xff;
    }
  }
  text = decoder.decode(ascii);
  next = 0;
}

/** A random version 4 UUID in lower-case hex, as `crypto.randomUUID()` returns. */
export function randomUuid(): string {
  if (next === POOL) refill();
  const start = next++ * UUID_LENGTH;
  return text.slice(start, start + UUID_LENGTH);
}
