import { describe, expect, it } from 'vitest';
import {
  ApiError,
  BadRequestError,
  ConnectionError,
  TimeoutError,
  ValidationError,
} from '../../src/errors.js';
import {
  backoffDelay,
  classifyFailure,
  parseRetryAfter,
  type RetryPolicy,
  retryDelay,
  shouldSplit,
} from '../../src/transport/retry.js';

const policy: RetryPolicy = {
  retries: 5,
  minDelayMs: 100,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 5_000,
  maxRetryTimeMs: 60_000,
};

function apiError(status: number, headers: Record<string, string> = {}): ApiError {
  return ApiError.from({ status, headers, body: undefined, method: 'POST', url: 'https://x.test/v2/events' });
}

describe('classifyFailure', () => {
  it.each([408, 429, 500, 502, 503, 504, 599])('retries status %i', (status) => {
    expect(classifyFailure(apiError(status)).retryable).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 413, 422, 501, 505])('does not retry status %i', (status) => {
    expect(classifyFailure(apiError(status)).retryable).toBe(false);
  });

  it('retries timeouts and connection failures, not local errors', () => {
    expect(classifyFailure(new TimeoutError('POST', 'u', 10)).retryable).toBe(true);
    expect(classifyFailure(new ConnectionError('POST', 'u', new Error('ECONNRESET'))).retryable).toBe(true);
    expect(
      classifyFailure(new ValidationError([{ path: '', segments: [], code: 'x', message: 'm' }])).retryable,
    ).toBe(false);
    expect(classifyFailure(new Error('boom')).retryable).toBe(false);
  });

  it('carries Retry-After of a retryable response, and ignores it on a permanent one', () => {
    expect(classifyFailure(apiError(429, { 'retry-after': '2' }))).toEqual({
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(classifyFailure(apiError(503, { 'retry-after': '1' }))).toEqual({
      retryable: true,
      retryAfterMs: 1000,
    });
    expect(classifyFailure(apiError(400, { 'retry-after': '1' }))).toEqual({ retryable: false });
  });
});

describe('shouldSplit', () => {
  it('splits 400 and 413 only when the request holds more than one batch', () => {
    expect(shouldSplit(apiError(400), 2)).toBe(true);
    expect(shouldSplit(apiError(413), 100)).toBe(true);
    expect(shouldSplit(apiError(400), 1)).toBe(false);
    expect(shouldSplit(apiError(503), 10)).toBe(false);
    expect(shouldSplit(apiError(401), 10)).toBe(false);
    expect(shouldSplit(new Error('x'), 10)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay-seconds, including fractions', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date relative to now, and a past date as 0', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 4_000).toUTCString(), now)).toBe(4_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores what is neither', () => {
    for (const value of [undefined, null, '', '  ', '-1', 'soon', '1e3', 'Foo, 99 Bar 2025 GMT']) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });
});

describe('backoffDelay', () => {
  it('spans the whole window between the floor and the exponential ceiling (full jitter)', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(100);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(200);
    expect(backoffDelay(2, policy, () => 0.999999)).toBe(400);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(Math.round(100 + 0.5 * 700));
  });

  it('never exceeds maxDelayMs, however many retries', () => {
    for (let n = 1; n <= 60; n++) {
      const high = backoffDelay(n, policy, () => 0.999999);
      expect(high).toBeLessThanOrEqual(policy.maxDelayMs);
      expect(backoffDelay(n, policy, () => 0)).toBe(policy.minDelayMs);
    }
    expect(backoffDelay(10, policy, () => 0.999999)).toBe(1000);
  });

  it('differs between draws (jitter actually applies)', () => {
    const draws = new Set(Array.from({ length: 50 }, () => backoffDelay(4, policy)));
    expect(draws.size).toBeGreaterThan(10);
    for (const d of draws) {
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});

describe('retryDelay', () => {
  it('waits at least the Retry-After, capped at maxRetryAfterMs', () => {
    expect(retryDelay(1, { retryable: true, retryAfterMs: 2_000 }, policy, () => 0)).toEqual({
      delayMs: 2_000,
      retryAfterMs: 2_000,
    });
    expect(retryDelay(1, { retryable: true, retryAfterMs: 3_600_000 }, policy, () => 0)).toEqual({
      delayMs: 5_000,
      retryAfterMs: 5_000,
    });
  });

  it('keeps the backoff when it is longer than the Retry-After, and without one', () => {
    expect(retryDelay(4, { retryable: true, retryAfterMs: 0 }, policy, () => 0.999999).delayMs).toBe(1000);
    expect(retryDelay(1, { retryable: true }, policy, () => 0)).toEqual({ delayMs: 100 });
  });

  it('classifies a real 400 as permanent', () => {
    const error = new BadRequestError({
      status: 400,
      headers: {},
      body: undefined,
      method: 'POST',
      url: 'u',
    });
    expect(classifyFailure(error).retryable).toBe(false);
  });
});
