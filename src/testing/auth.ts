/**
 * HTTP Basic authentication as the Events API does it (events-api.md §1.4, §1.5): no or malformed
 * credentials are 401, unknown key or wrong secret are 403. Internal to the fake server.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FakeCredentials } from './types.js';

/** The outcome of checking an Authorization header. */
export type AuthResult =
  | { ok: true; apiKey: string }
  | { ok: false; status: 401 | 403; apiKey: string | undefined; message: string };

/** The key/secret pairs a server accepts, looked up by key, secrets compared in constant time. */
export class CredentialStore {
  readonly #byKey = new Map<string, Buffer>();
  readonly #secrets = new Set<string>();

  constructor(credentials: readonly FakeCredentials[]) {
    for (const { apiKey, apiSecret } of credentials) {
      this.#byKey.set(apiKey, digest(apiSecret));
      this.#secrets.add(apiSecret);
    }
  }

  /** Check an `Authorization` header value. */
  check(header: string | undefined): AuthResult {
    const presented = parseBasic(header);
    if (!presented) {
      return {
        ok: false,
        status: 401,
        apiKey: undefined,
        message: 'Missing or malformed Authorization header.',
      };
    }
    // A key that is in fact a configured secret (key and secret swapped) must not be recorded.
    const apiKey = this.#secrets.has(presented.user) ? undefined : presented.user;
    const expected = this.#byKey.get(presented.user);
    // Hash both sides so the comparison takes the same time whatever the lengths.
    const matches = expected !== undefined && timingSafeEqual(expected, digest(presented.password));
    if (!matches) return { ok: false, status: 403, apiKey, message: 'API key/secret are not valid.' };
    return { ok: true, apiKey: presented.user };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const match = BASIC.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
