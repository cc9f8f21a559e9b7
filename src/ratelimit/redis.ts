/**
 * Redis plumbing for the shared limiter: the limiter id, opening the limiter's own connection from the
 * user's client or URL, and describing Redis failures without credentials. Internal.
 *
 * ioredis is an optional peer dependency: nothing here imports it statically. A URL is opened with a
 * dynamic import, so users without Redis never load it.
 *
 * @internal
 * @module
 */

import { ConfigurationError } from '../errors.js';

/**
 * The part of an ioredis client the shared limiter relies on. An `ioredis` `Redis` instance fits; the
 * limiter calls `duplicate()` to open connections of its own with the same settings, so your client is
 * never reconfigured, closed or given bottleneck's Lua commands.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisClientLike } from 'mparticle-events';
 *
 * const client: RedisClientLike = new Redis('redis://127.0.0.1:6379');
 * ```
 */
export interface RedisClientLike {
  /** ioredis's `duplicate(overrides)`: a new connection with the same options. */
  duplicate(overrides?: Record<string, unknown>): unknown;
}

/** What the limiter uses of the connections it owns (ioredis `Redis` instances). @internal */
export interface OwnedRedis {
  readonly status: string;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  connect?(): Promise<unknown>;
  disconnect(): void;
  zcount(key: string, min: number | string, max: number | string): Promise<number>;
  duplicate(overrides?: Record<string, unknown>): unknown;
  readonly constructor: unknown;
}

/**
 * Options of the limiter's own connections: a command fails after two reconnection attempts instead of
 * waiting in ioredis's offline queue, so a Redis outage turns into a fallback quickly; and they connect at
 * once even when the user's client is lazy (bottleneck duplicates this connection for its subscriber).
 */
const OWN_CONNECTION_OPTIONS = { maxRetriesPerRequest: 2, lazyConnect: false } as const;

/**
 * The default shared-limiter id: `mparticle-events:<pod>:<first 16 hex digits of sha256(apiKey)>`. The key
 * itself never reaches Redis. Uses Web Crypto, which Node 20 and edge runtimes have.
 *
 * @example
 * ```ts
 * import { sharedRateLimitId } from 'mparticle-events';
 *
 * const id = await sharedRateLimitId('us1', process.env.MP_API_KEY ?? '');
 * // 'mparticle-events:us1:3f2a…'
 * ```
 */
export async function sharedRateLimitId(pod: string, apiKey: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(apiKey));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return `mparticle-events:${pod}:${hex.slice(0, 16)}`;
}

/** Refuse what the limiter cannot work with, at construction. */
export function checkRedisClient(client: unknown, option: string): void {
  if (typeof client === 'string') {
    if (!/^rediss?:\/\//i.test(client))
      throw new ConfigurationError(option, 'expected a redis:// or rediss:// URL');
    return;
  }
  const candidate = client as { duplicate?: unknown; isCluster?: unknown } | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.duplicate !== 'function') {
    throw new ConfigurationError(option, 'expected an ioredis client or a redis:// URL');
  }
  if (candidate.isCluster === true) {
    throw new ConfigurationError(
      option,
      'a Redis Cluster client is not supported; pass a single-node client',
    );
  }
}

/**
 * Open the limiter's own connection: a duplicate of the user's client, or a new client for a URL (ioredis
 * loaded on demand).
 */
export async function openRedis(client: RedisClientLike | string): Promise<OwnedRedis> {
  let own: OwnedRedis;
  if (typeof client === 'string') {
    // A variable specifier: bundlers leave it alone, so the core entry never pulls ioredis in.
    const specifier = 'ioredis';
    let mod: { default?: unknown; Redis?: unknown };
    try {
      mod = (await import(specifier)) as typeof mod;
    } catch (error) {
      throw new ConfigurationError(
        'rateLimit.redis.client',
        `a Redis URL needs the optional peer dependency ioredis (npm install ioredis): ${describeRedisError(error)}`,
      );
    }
    const Redis = (mod.Redis ?? mod.default) as new (url: string, options: object) => OwnedRedis;
    own = new Redis(client, { ...OWN_CONNECTION_OPTIONS });
  } else {
    own = client.duplicate({ ...OWN_CONNECTION_OPTIONS }) as OwnedRedis;
  }
  if (own.status === 'wait' && typeof own.connect === 'function') own.connect().catch(() => {});
  return own;
}

/**
 * A Redis failure in words, for the fallback event: the error's message with any URL credentials cut out.
 * ioredis messages name host and port at most; this is a second line of defence.
 */
export function describeRedisError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return raw.replace(/(\w+:\/\/)[^@/\s]*@/g, '$1***@').slice(0, 300);
}
