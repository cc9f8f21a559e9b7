/**
 * BatchBuilder: what it fills in, how calls merge, splitting a user's events over batches (buildAll),
 * options, and the registry of validated batches the client relies on.
 */
import { describe, expect, it } from 'vitest';
import { isValidatedBatch } from '../../src/batch/validate.js';
import {
  BatchBuilder,
  ConfigurationError,
  MAX_BATCH_BYTES,
  parseBatch,
  serializeBatch,
  ValidationError,
} from '../../src/index.js';
import { NOW, SESSION_UUID, schemaErrors } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const bytes = (text: string) => new TextEncoder().encode(text).length;

describe('filled in unless given', () => {
  it('source_request_id (a UUID per batch), source_message_id (a UUID per event), timestamps, custom_event_type', () => {
    let clock = NOW;
    const builder = new BatchBuilder({ now: () => clock }).mpid(1n);
    builder.customEvent({ event_name: 'a' });
    clock += 5;
    builder.screenView({ screen_name: 'b' });
    const first = builder.build();
    const second = builder.build();
    expect(first.source_request_id).toMatch(UUID);
    expect(second.source_request_id).toMatch(UUID);
    expect(first.source_request_id).not.toBe(second.source_request_id);
    const [a, b] = first.events ?? [];
    expect(a?.data.source_message_id).toMatch(UUID);
    expect(b?.data.source_message_id).toMatch(UUID);
    expect(a?.data.source_message_id).not.toBe(b?.data.source_message_id);
    // The time each event was recorded.
    expect(a?.data.timestamp_unixtime_ms).toBe(NOW);
    expect(b?.data.timestamp_unixtime_ms).toBe(NOW + 5);
    expect(a?.event_type === 'custom_event' && a.data.custom_event_type).toBe('other');
  });

  it('keeps what is given, and accepts a Date for a timestamp', () => {
    const batch = new BatchBuilder({ sourceRequestId: 'req-1' })
      .mpid(1n)
      .customEvent({
        event_name: 'a',
        custom_event_type: 'search',
        source_message_id: 'msg-1',
        timestamp_unixtime_ms: new Date('2024-01-02T03:04:05.678Z'),
      })
      .build();
    expect(batch.source_request_id).toBe('req-1');
    expect(batch.events?.[0]?.data).toMatchObject({
      source_message_id: 'msg-1',
      timestamp_unixtime_ms: Date.parse('2024-01-02T03:04:05.678Z'),
      custom_event_type: 'search',
    });
  });

  it('never sets the batch-level timestamp, and always writes the environment', () => {
    const batch = new BatchBuilder().mpid(1n).customEvent({ event_name: 'a' }).build();
    expect(batch.timestamp_unixtime_ms).toBeUndefined();
    expect(serializeBatch(batch)).not.toMatch(/^\{[^[]*"timestamp_unixtime_ms"/);
    expect(batch.environment).toBe('production');
    expect(new BatchBuilder({ environment: 'development' }).mpid(1n).build().environment).toBe('development');
  });

  it('the current time by default', () => {
    const before = Date.now();
    const batch = new BatchBuilder().mpid(1n).customEvent({ event_name: 'a' }).build();
    const stamped = batch.events?.[0]?.data.timestamp_unixtime_ms ?? 0;
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });
});

describe('recording', () => {
  it('merges identities, attributes, device and app info across calls; deleted attributes accumulate', () => {
    const batch = new BatchBuilder()
      .userIdentities({ customer_id: '1', email: 'a@example.com' })
      .userIdentities({ email: 'b@example.com' })
      .userAttributes({ a: 1, b: 2 })
      .userAttributes({ b: 3 })
      .deleteUserAttributes(['x'])
      .deleteUserAttributes(['y'])
      .deviceInfo({ platform: 'web' })
      .deviceInfo({ http_header_user_agent: 'UA' })
      .applicationInfo({ application_name: 'app' })
      .applicationInfo({ application_version: '2' })
      .build();
    expect(batch.user_identities).toEqual({ customer_id: '1', email: 'b@example.com' });
    expect(batch.user_attributes).toEqual({ a: 1, b: 3 });
    expect(batch.deleted_user_attributes).toEqual(['x', 'y']);
    expect(batch.device_info).toEqual({ platform: 'web', http_header_user_agent: 'UA' });
    expect(batch.application_info).toEqual({ application_name: 'app', application_version: '2' });
  });

  it('ip and dataPlan', () => {
    const batch = new BatchBuilder().mpid(1n).ip('2001:db8::1').dataPlan('checkout', 2).build();
    expect(batch.ip).toBe('2001:db8::1');
    expect(batch.context).toEqual({ data_plan: { plan_id: 'checkout', plan_version: 2 } });
    expect(new BatchBuilder().mpid(1n).dataPlan('checkout').build().context).toEqual({
      data_plan: { plan_id: 'checkout' },
    });
    expect(() => new BatchBuilder().mpid(1n).dataPlan('checkout', 0).build()).toThrow(
      /context\.data_plan\.plan_version/,
    );
  });

  it('events keep their order, and event() takes every type', () => {
    const batch = new BatchBuilder()
      .mpid(1n)
      .sessionStart({ session_uuid: SESSION_UUID })
      .event({ event_type: 'breadcrumb', data: { label: 'x' } })
      .sessionEnd({ session_uuid: SESSION_UUID, session_duration_ms: 5 })
      .sessionStart()
      .sessionEnd()
      .build();
    expect(batch.events?.map((e) => e.event_type)).toEqual([
      'session_start',
      'breadcrumb',
      'session_end',
      'session_start',
      'session_end',
    ]);
  });

  it('rejects bad options at construction, naming the option', () => {
    const option = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return (error as ConfigurationError).option;
      }
      return undefined;
    };
    expect(option(() => new BatchBuilder({ environment: 'staging' as never }))).toBe('environment');
    expect(option(() => new BatchBuilder({ sourceRequestId: '' }))).toBe('sourceRequestId');
    expect(option(() => new BatchBuilder({ now: 5 as never }))).toBe('now');
  });
});

describe('validated batches', () => {
  it('build() and parseBatch() results are registered; plain objects and copies are not', () => {
    const batch = new BatchBuilder().mpid(1n).build();
    expect(isValidatedBatch(batch)).toBe(true);
    expect(isValidatedBatch({ ...batch })).toBe(false);
    expect(isValidatedBatch(JSON.parse(JSON.stringify(batch)))).toBe(false);
    expect(isValidatedBatch(parseBatch(JSON.parse(JSON.stringify(batch))))).toBe(true);
    expect(isValidatedBatch(null)).toBe(false);
  });

  it('parseBatch returns a validated batch as it is', () => {
    const batch = new BatchBuilder().mpid(1n).build();
    expect(parseBatch(batch)).toBe(batch);
  });

  it('serializeBatch validates what it was not given by build() or parseBatch()', () => {
    expect(serializeBatch({ mpid: 5n, environment: 'development' } as never)).toBe(
      '{"mpid":5,"environment":"development"}',
    );
    expect(() => serializeBatch({ mpid: 'five' } as never)).toThrow(ValidationError);
  });
});

describe('buildAll(): one user beyond 128 KB', () => {
  const big = (count: number, size: number, sourceRequestId?: string) => {
    const builder = new BatchBuilder({ environment: 'development', sourceRequestId })
      .mpid('-7636538281262557000')
      .userIdentities({ customer_id: '42' })
      .userAttributes({ plan: 'pro' })
      .consent((c) => c.ccpa({ consented: false, timestamp_unixtime_ms: NOW }));
    for (let i = 0; i < count; i++) {
      builder.customEvent({ event_name: `event ${i}`, custom_attributes: { payload: 'x'.repeat(size), i } });
    }
    return builder;
  };

  it('returns one batch when everything fits', () => {
    const all = big(3, 100).buildAll();
    expect(all).toHaveLength(1);
  });

  it('splits into batches that each fit, sharing identities, attributes and consent, with their own IDs', () => {
    const all = big(100, 4000).buildAll();
    expect(all.length).toBeGreaterThan(3);
    const ids = new Set(all.map((b) => b.source_request_id));
    expect(ids.size).toBe(all.length);
    const names: string[] = [];
    for (const batch of all) {
      const text = serializeBatch(batch);
      expect(bytes(text)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      expect(batch.source_request_id).toMatch(UUID);
      expect(batch.mpid).toBe('-7636538281262557000');
      expect(batch.user_identities).toEqual({ customer_id: '42' });
      expect(batch.user_attributes).toEqual({ plan: 'pro' });
      expect(batch.consent_state?.ccpa?.data_sale_opt_out?.consented).toBe(false);
      expect(schemaErrors(text)).toEqual([]);
      expect(isValidatedBatch(batch)).toBe(true);
      for (const e of batch.events ?? []) if (e.event_type === 'custom_event') names.push(e.data.event_name);
    }
    // Every event once, in order.
    expect(names).toEqual(Array.from({ length: 100 }, (_, i) => `event ${i}`));
  });

  it('packs tightly: no two neighbouring batches could have been one', () => {
    const all = big(120, 3000).buildAll();
    for (let i = 0; i + 1 < all.length; i++) {
      const next = serializeBatch(all[i + 1] as never);
      const firstEvent = /"events":\[(\{.*?"event_name":"event \d+".*?\}\})/.exec(next)?.[1] ?? '';
      expect(bytes(serializeBatch(all[i] as never)) + 1 + bytes(firstEvent)).toBeGreaterThan(MAX_BATCH_BYTES);
    }
  });

  it('suffixes a given sourceRequestId per batch, and the suffix is counted in the size', () => {
    const all = big(60, 4000, 'r'.repeat(100)).buildAll();
    expect(all.map((b) => b.source_request_id)).toEqual(all.map((_, i) => `${'r'.repeat(100)}-${i + 1}`));
    for (const batch of all) expect(bytes(serializeBatch(batch))).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });

  it('build() refuses what buildAll() splits', () => {
    expect(() => big(100, 4000).build()).toThrow(/buildAll\(\)/);
  });

  it('reports an event that cannot fit any batch, with its path', () => {
    const builder = big(2, 10);
    for (let i = 0; i < 40; i++) {
      builder.event({
        event_type: 'crash_report',
        data: { severity: 'fatal', message: 'x', stack_trace: 'y'.repeat(4000 * (i === 39 ? 40 : 0)) },
      });
    }
    const error = (() => {
      try {
        builder.buildAll();
      } catch (e) {
        return e as ValidationError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.issues).toEqual([expect.objectContaining({ path: 'events[41]', code: 'too_big' })]);
  });

  it('reports shared fields too large for any batch', () => {
    const attributes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, 'x'.repeat(4000)]));
    expect(() =>
      new BatchBuilder().mpid(1n).userAttributes(attributes).customEvent({ event_name: 'x' }).buildAll(),
    ).toThrow(/before any event/);
  });

  it('a batch of mostly multi-byte text is split by bytes', () => {
    const builder = new BatchBuilder().mpid(1n);
    for (let i = 0; i < 80; i++)
      builder.customEvent({ event_name: `e${i}`, custom_attributes: { t: '日本語'.repeat(300) } });
    const all = builder.buildAll();
    expect(all.length).toBe(2);
    for (const batch of all) expect(bytes(serializeBatch(batch))).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });
});
