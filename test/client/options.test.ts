import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { HISTORICAL_MIN_AGE_MS } from '../../src/limits.js';
import { historicalIssues } from '../../src/transport/historical.js';
import { CLIENT_DEFAULTS, type EventsClientOptions, resolveOptions } from '../../src/transport/options.js';

const base = { apiKey: 'key', apiSecret: 'secret' };

function optionError(options: unknown): ConfigurationError {
  try {
    resolveOptions(options as EventsClientOptions);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('resolveOptions', () => {
  it('fills every default, with the us1 pod', () => {
    const resolved = resolveOptions(base);
    expect(resolved.baseUrl).toBe('https://s2s.us1.mparticle.com/v2');
    expect(resolved.pod).toBe('us1');
    expect(resolved.timeoutMs).toBe(10_000);
    expect(resolved.retry).toEqual(CLIENT_DEFAULTS.retry);
    expect(resolved.batchesPerSecond).toBe(270);
    expect(resolved.maxConcurrentRequests).toBe(10);
    expect(resolved.queue).toEqual(CLIENT_DEFAULTS.queue);
    // Adaptive pacing is on by default, with its own defaults; no Redis unless asked.
    expect(resolved.adaptive).toEqual({});
    expect(resolved.redis).toBeUndefined();
  });

  it('resolves adaptive pacing: on, tuned or off, and off whenever rate limiting is', () => {
    expect(resolveOptions({ ...base, rateLimit: { adaptive: true } }).adaptive).toEqual({});
    expect(resolveOptions({ ...base, rateLimit: { adaptive: false } }).adaptive).toBe(false);
    expect(resolveOptions({ ...base, rateLimit: { adaptive: { threshold: 90 } } }).adaptive).toEqual({
      threshold: 90,
    });
    expect(resolveOptions({ ...base, rateLimit: false }).adaptive).toBe(false);
  });

  it('maps each pod to its host (events-api.md §1.1)', () => {
    expect(resolveOptions({ ...base, pod: 'eu1' }).baseUrl).toBe('https://s2s.eu1.mparticle.com/v2');
    expect(resolveOptions({ ...base, pod: 'us2' }).baseUrl).toBe('https://s2s.us2.mparticle.com/v2');
    expect(resolveOptions({ ...base, pod: 'au1' }).baseUrl).toBe('https://s2s.au1.mparticle.com/v2');
  });

  it('accepts https anywhere and plain http to loopback hosts only', () => {
    expect(resolveOptions({ ...base, baseUrl: 'https://proxy.example.com/v2/' }).baseUrl).toBe(
      'https://proxy.example.com/v2',
    );
    for (const url of [
      'http://127.0.0.1:8080/v2',
      'http://127.1.2.3/v2',
      'http://localhost:1/v2',
      'http://[::1]:9/v2',
    ]) {
      expect(resolveOptions({ ...base, baseUrl: url }).baseUrl).toBe(url);
    }
    for (const url of ['http://example.com/v2', 'http://10.0.0.1/v2', 'http://localhost.evil.com/v2']) {
      expect(optionError({ ...base, baseUrl: url }).option).toBe('baseUrl');
    }
    expect(optionError({ ...base, baseUrl: 'ftp://x/v2' }).option).toBe('baseUrl');
    expect(optionError({ ...base, baseUrl: 'not a url' }).option).toBe('baseUrl');
    expect(optionError({ ...base, baseUrl: 'https://u:p@example.com/v2' }).message).toMatch(/credentials/);
  });

  it('turns retry and rate limiting off with false', () => {
    const resolved = resolveOptions({ ...base, retry: false, rateLimit: false });
    expect(resolved.retry.retries).toBe(0);
    expect(resolved.batchesPerSecond).toBe(Number.POSITIVE_INFINITY);
    expect(resolved.maxConcurrentRequests).toBe(10);
  });

  it.each([
    [{ apiSecret: 's' }, 'apiKey'],
    [{ apiKey: '', apiSecret: 's' }, 'apiKey'],
    [{ apiKey: 'k', apiSecret: '  ' }, 'apiSecret'],
    [{ ...base, pod: 'eu2' }, 'pod'],
    [{ ...base, timeoutMs: 0 }, 'timeoutMs'],
    [{ ...base, timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ ...base, retry: { retries: -1 } }, 'retry.retries'],
    [{ ...base, retry: { retries: 1.5 } }, 'retry.retries'],
    [{ ...base, retry: { minDelayMs: 500, maxDelayMs: 100 } }, 'retry.maxDelayMs'],
    [{ ...base, retry: { maxRetryAfterMs: -5 } }, 'retry.maxRetryAfterMs'],
    [{ ...base, retry: 'yes' }, 'retry'],
    [{ ...base, rateLimit: { batchesPerSecond: 0 } }, 'rateLimit.batchesPerSecond'],
    [{ ...base, rateLimit: { maxConcurrentRequests: 0 } }, 'rateLimit.maxConcurrentRequests'],
    [{ ...base, rateLimit: { adaptive: 'yes' } }, 'rateLimit.adaptive'],
    [{ ...base, rateLimit: { adaptive: null } }, 'rateLimit.adaptive'],
    [{ ...base, rateLimit: { adaptive: { threshold: 0 } } }, 'rateLimit.adaptive.threshold'],
    [{ ...base, rateLimit: { adaptive: { decreaseFactor: 1.5 } } }, 'rateLimit.adaptive.decreaseFactor'],
    [
      { ...base, rateLimit: { batchesPerSecond: 50, adaptive: { minRate: 60 } } },
      'rateLimit.adaptive.minRate',
    ],
    [{ ...base, rateLimit: { redis: 'redis://127.0.0.1:6379' } }, 'rateLimit.redis'],
    [{ ...base, queue: { maxBatches: 0 } }, 'queue.maxBatches'],
    [{ ...base, queue: { onFull: 'explode' } }, 'queue.onFull'],
    [{ ...base, queue: { flushIntervalMs: -1 } }, 'queue.flushIntervalMs'],
    [{ ...base, onDeadLetter: 'no' }, 'onDeadLetter'],
    [{ ...base, fetch: 42 }, 'fetch'],
    [{ ...base, logger: 'console' }, 'logger'],
  ])('names the bad option: %j → %s', (options, option) => {
    const error = optionError(options);
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
    expect(error.message).not.toContain('secret');
  });

  it('rejects a missing options object', () => {
    expect(optionError(undefined).option).toBe('options');
  });
});

describe('historicalIssues (events-api.md §2.4)', () => {
  const now = Date.parse('2025-06-01T00:00:00Z');
  const old = now - HISTORICAL_MIN_AGE_MS - 1;

  it('accepts events that are all timestamped and older than 72 hours', () => {
    const batch = { events: [{ event_type: 'custom_event', data: { timestamp_unixtime_ms: old } }] };
    expect(historicalIssues(batch, now)).toEqual([]);
  });

  it('requires events', () => {
    expect(historicalIssues({}, now)[0]?.path).toBe('events');
    expect(historicalIssues({ events: [] }, now)[0]?.path).toBe('events');
  });

  it('names each event without a timestamp or too recent', () => {
    const batch = {
      events: [
        { event_type: 'custom_event', data: { timestamp_unixtime_ms: old } },
        { event_type: 'custom_event', data: {} },
        { event_type: 'custom_event', data: { timestamp_unixtime_ms: now - 3_600_000 } },
        { event_type: 'custom_event', data: { timestamp_unixtime_ms: now + 1_000 } },
      ],
    };
    const issues = historicalIssues(batch, now);
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['events[1].data.timestamp_unixtime_ms', 'invalid_type'],
      ['events[2].data.timestamp_unixtime_ms', 'too_big'],
      ['events[3].data.timestamp_unixtime_ms', 'too_big'],
    ]);
    expect(issues[1]?.message).toMatch(/72 hours.*1 hours old/);
    expect(issues[2]?.message).toMatch(/in the future/);
  });
});
