/** The shared limiter fits the client's limiter interface, so the client can deliver through it unchanged. */
import { expectTypeOf, test } from 'vitest';
import type { SharedRateLimiter } from '../../src/ratelimit/shared.js';
import type { RateLimiter } from '../../src/transport/rate-limiter.js';

test('SharedRateLimiter is a RateLimiter', () => {
  expectTypeOf<SharedRateLimiter>().toExtend<RateLimiter>();
});

test('the redis client option takes an ioredis client or a URL, nothing else', () => {
  type Client = ConstructorParameters<typeof SharedRateLimiter>[0]['redis']['client'];
  expectTypeOf<import('ioredis').Redis>().toExtend<Client>();
  expectTypeOf<string>().toExtend<Client>();
  expectTypeOf<number>().not.toExtend<Client>();
  expectTypeOf<{ host: string }>().not.toExtend<Client>();
});
