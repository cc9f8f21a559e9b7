/**
 * Helpers shared by the client tests: wire-format test batches and client construction against the fake
 * Events API.
 */
import type { Batch } from '../../src/batch/index.js';
import { EventsClient } from '../../src/client.js';
import type { EventsClientOptions } from '../../src/transport/options.js';

export const API_KEY = 'test-key';
export const API_SECRET = 'test-secret';

/** A small valid batch for user `i`, optionally padded towards `bytes` of JSON with 4,000-char attributes. */
export function makeBatch(
  i: number,
  options: { bytes?: number; timestamp?: number; id?: string } = {},
): Batch {
  const events: unknown[] = [];
  const timestamp = options.timestamp ?? Date.now();
  let remaining = options.bytes ?? 0;
  do {
    const pad = Math.max(0, Math.min(4_000, remaining - 150));
    events.push({
      event_type: 'custom_event',
      data: {
        event_name: 'Test',
        custom_event_type: 'other',
        timestamp_unixtime_ms: timestamp,
        ...(pad > 0 ? { custom_attributes: { pad: 'x'.repeat(pad) } } : {}),
      },
    });
    remaining -= pad + 150;
  } while (remaining > 0);
  return {
    environment: 'development',
    user_identities: { customer_id: `user-${i}` },
    ...(options.id ? { source_request_id: options.id } : {}),
    events,
  } as unknown as Batch;
}

/** A client for the fake server with fast retries; `extra` overrides anything. */
export function fakeClient(baseUrl: string, extra: Partial<EventsClientOptions> = {}): EventsClient {
  return new EventsClient({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    baseUrl,
    timeoutMs: 2_000,
    retry: { retries: 5, minDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
}
