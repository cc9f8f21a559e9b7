/**
 * Bad input: every problem is a ValidationError under the package's root error, with zod's issues,
 * full paths from the batch root and the rule broken. Nothing half-built escapes.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BatchBuilder,
  MAX_BATCH_BYTES,
  MParticleEventsError,
  parseBatch,
  parseBatchJson,
  serializeBatch,
  ValidationError,
} from '../../src/index.js';
import { isIPv4, isIPv6 } from '../../src/internal/zod.js';
import { newAjv, SCHEMA_PATH } from './support.js';

/** The ValidationError thrown by `fn`; fails the test if anything else happens. */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toBeInstanceOf(MParticleEventsError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

const paths = (error: ValidationError) => error.issues.map((i) => i.path);
const user = () => new BatchBuilder({ environment: 'development' }).mpid(1n);

describe('issue paths', () => {
  it('point into the batch: events[2].data.product_action.products[0].price', () => {
    const error = validationError(() =>
      user()
        .customEvent({ event_name: 'a' })
        .screenView({ screen_name: 'b' })
        .commerceEvent({
          product_action: {
            action: 'purchase',
            products: [{ id: 'sku', name: 'W', price: '19.99' as never }],
          },
        })
        .build(),
    );
    expect(error.issues).toEqual([
      {
        path: 'events[2].data.product_action.products[0].price',
        segments: ['events', 2, 'data', 'product_action', 'products', 0, 'price'],
        code: 'invalid_type',
        message: 'Invalid input: expected number, received string',
      },
    ]);
    expect(error.message).toBe(
      'Invalid batch: events[2].data.product_action.products[0].price: Invalid input: expected number, received string',
    );
  });

  it('quote keys that are not identifiers', () => {
    const error = validationError(() =>
      user()
        .customEvent({ event_name: 'x', custom_attributes: { 'Total Amount': Number.NaN } })
        .build(),
    );
    expect(paths(error)).toEqual(['events[0].data.custom_attributes["Total Amount"]']);
  });

  it('report every problem at once', () => {
    const error = validationError(() =>
      user()
        .customEvent({ event_name: '' })
        .screenView({ screen_name: 'x'.repeat(257) })
        .userAttributes({ ok: 'x'.repeat(4097) })
        .build(),
    );
    expect(paths(error).sort()).toEqual([
      'events[0].data.event_name',
      'events[1].data.screen_name',
      'user_attributes.ok',
    ]);
  });

  it('name an unknown event_type and list the known ones', () => {
    const error = validationError(() =>
      parseBatch({ mpid: 1, events: [{ event_type: 'pre_attribution', data: {} }] }),
    );
    expect(error.issues[0]).toMatchObject({ path: 'events[0].event_type', code: 'invalid_value' });
    expect(error.issues[0]?.message).toContain('custom_event');
  });
});

describe('rejected with a clear message', () => {
  it('unknown top-level keys, one issue per key', () => {
    const error = validationError(() => parseBatch({ mpid: 1, schema_version: 2, colour: 'red' }));
    expect(error.issues.map((i) => [i.path, i.code, i.message])).toEqual([
      ['schema_version', 'unrecognized_keys', 'unknown key "schema_version"'],
      ['colour', 'unrecognized_keys', 'unknown key "colour"'],
    ]);
  });

  it('unknown keys in event data (a misspelt field is not silently dropped)', () => {
    const error = validationError(() =>
      user()
        .event({ event_type: 'custom_event', data: { event_name: 'x', evnt_type: 'y' } as never })
        .build(),
    );
    expect(paths(error)).toEqual(['events[0].data.evnt_type']);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('%s, wherever numbers appear', (_name, bad) => {
    const error = validationError(() =>
      user()
        .userAttributes({ score: bad, list: [1, bad] })
        .deviceInfo({ screen_height: bad })
        .customEvent({ event_name: 'x', custom_attributes: { n: bad }, timestamp_unixtime_ms: bad })
        .commerceEvent({
          product_action: {
            action: 'purchase',
            total_amount: bad,
            products: [{ id: 'a', name: 'b', price: bad }],
          },
        })
        .event({
          event_type: 'first_run',
          data: { location: { latitude: bad, longitude: 0 }, lifetime_value_change: bad },
        })
        .build(),
    );
    expect(paths(error).sort()).toEqual(
      [
        'device_info.screen_height',
        'events[0].data.custom_attributes.n',
        'events[0].data.timestamp_unixtime_ms',
        'events[1].data.product_action.products[0].price',
        'events[1].data.product_action.total_amount',
        'events[2].data.lifetime_value_change',
        'events[2].data.location.latitude',
        'user_attributes.list[1]',
        'user_attributes.score',
      ].sort(),
    );
  });

  it('event names and attribute names over 256 characters, values over 4096', () => {
    const long = 'x'.repeat(257);
    const error = validationError(() =>
      user()
        .customEvent({ event_name: long, custom_attributes: { [long]: 'v', ok: 'v'.repeat(4097) } })
        .userAttributes({ [long]: 1 })
        .build(),
    );
    expect(error.issues.map((i) => [i.path, i.message])).toEqual(
      expect.arrayContaining([
        ['events[0].data.event_name', "event names must be at most 256 characters (mParticle's limit)"],
        [
          `events[0].data.custom_attributes.${long}`,
          "custom attribute names must be at most 256 characters (mParticle's limit)",
        ],
        [
          'events[0].data.custom_attributes.ok',
          "attribute values must be at most 4096 characters (mParticle's limit)",
        ],
        [
          `user_attributes.${long}`,
          "user attribute names must be at most 256 characters (mParticle's limit)",
        ],
      ]),
    );
  });

  it('exactly at the limits is fine', () => {
    const name = 'n'.repeat(256);
    const batch = user()
      .customEvent({ event_name: name, custom_attributes: { [name]: 'v'.repeat(4096) } })
      .userAttributes({
        list: Array.from({ length: 1000 }, (_, i) => i),
        long: ['e'.repeat(512)],
        text: 'v'.repeat(4096),
      })
      .userAttributes(Object.fromEntries(Array.from({ length: 97 }, (_, i) => [`a${i}`, i])))
      .build();
    expect(Object.keys(batch.user_attributes ?? {})).toHaveLength(100);
  });

  it('more than 100 user attributes', () => {
    const attributes = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`a${i}`, i]));
    const error = validationError(() => user().userAttributes(attributes).build());
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'user_attributes',
        code: 'too_big',
        message: expect.stringContaining('at most 100'),
      }),
    ]);
  });

  it('user attribute lists over 1000 entries or with entries over 512 characters', () => {
    const error = validationError(() =>
      user()
        .userAttributes({
          many: Array.from({ length: 1001 }, () => 'x'),
          long: ['ok', 'x'.repeat(513)],
          nested: [['x'] as never],
        })
        .build(),
    );
    expect(error.issues.map((i) => [i.path, i.message])).toEqual([
      [
        'user_attributes.many',
        "user attribute lists may hold at most 1000 entries, got 1001 (mParticle's limit)",
      ],
      [
        'user_attributes.long[1]',
        "user attribute list values must be at most 512 characters (mParticle's limit)",
      ],
      ['user_attributes.nested[0]', 'user attribute list entries must be scalars, received array'],
    ]);
  });

  it('a batch over 128 KB serialized, from build() and parseBatch()', () => {
    const builder = user();
    for (let i = 0; i < 40; i++)
      builder.customEvent({ event_name: `e${i}`, custom_attributes: { blob: 'x'.repeat(4000) } });
    const error = validationError(() => builder.build());
    expect(error.issues).toEqual([expect.objectContaining({ path: '', code: 'too_big' })]);
    expect(error.message).toMatch(
      /batch is \d+ bytes serialized, over the Events API's limit of 128000 bytes.*buildAll/,
    );
    const raw = JSON.parse(JSON.stringify(builder.buildAll()[0]));
    raw.events = [...raw.events, ...raw.events];
    expect(validationError(() => parseBatch(raw)).issues[0]?.code).toBe('too_big');
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 42 events of 1000 three-byte characters: over 126,000 bytes but only about 46,000 characters.
    const events = Array.from({ length: 42 }, (_, i) => ({
      event_type: 'custom_event' as const,
      data: {
        event_name: `e${i}`,
        custom_event_type: 'other' as const,
        timestamp_unixtime_ms: 1,
        source_message_id: `m${i}`,
        custom_attributes: { text: '€'.repeat(1000) },
      },
    }));
    const raw = {
      source_request_id: 'r',
      environment: 'production' as const,
      user_identities: { customer_id: '1' },
      events,
    };
    const text = JSON.stringify(raw);
    const bytes = new TextEncoder().encode(text).length;
    expect(text.length).toBeLessThan(MAX_BATCH_BYTES / 2);
    expect(bytes).toBeGreaterThan(MAX_BATCH_BYTES);
    const error = validationError(() => parseBatch(raw));
    expect(error.message).toContain(`batch is ${bytes} bytes serialized`);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'attribute key %s, which could pollute prototypes',
    (key) => {
      const hostile = JSON.parse(`{"${key}": {"polluted": "yes"}, "ok": 1}`) as Record<string, never>;
      const error = validationError(() =>
        user()
          .userAttributes(hostile)
          .customEvent({ event_name: 'x', custom_attributes: hostile, custom_flags: hostile })
          .consent({ gdpr: JSON.parse(`{"${key}": {"consented": true}}`) })
          .build(),
      );
      expect(paths(error)).toEqual([
        `user_attributes.${key}`,
        `consent_state.gdpr.${key}`,
        `events[0].data.custom_attributes.${key}`,
        `events[0].data.custom_flags.${key}`,
      ]);
      expect(error.issues[0]?.message).toContain('pollute');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('__proto__ is safe as a key in a strict object too: rejected as unknown, prototype untouched', () => {
    const raw = JSON.parse(
      '{"mpid": 1, "__proto__": {"polluted": true}, "device_info": {"__proto__": {"polluted": true}}}',
    );
    expect(paths(validationError(() => parseBatch(raw)))).toEqual(['device_info.__proto__', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('__proto__ in event data or consent given to the builder is rejected, not silently dropped', () => {
    const data = JSON.parse(
      '{"event_name": "x", "__proto__": {"event_name": "inherited", "polluted": true}}',
    );
    const purpose = JSON.parse('{"consented": true, "__proto__": {"polluted": true}}');
    const error = validationError(() =>
      user()
        .customEvent(data)
        .event({
          event_type: 'custom_event',
          data: JSON.parse('{"event_name": "y", "custom_event_type": "other", "__proto__": 1}'),
        })
        .consent((c) => c.gdpr('ads', purpose))
        .build(),
    );
    expect(paths(error)).toEqual([
      'consent_state.gdpr.ads.__proto__',
      'events[0].data.__proto__',
      'events[1].data.__proto__',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a batch that identifies no one', () => {
    const error = validationError(() => new BatchBuilder().customEvent({ event_name: 'x' }).build());
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: 'user_identities',
        message: expect.stringContaining('cannot attach it to anyone'),
      }),
    ]);
    // mpid 0, empty identities and an all-zero advertising ID identify no one either.
    expect(() =>
      parseBatch({
        mpid: 0,
        user_identities: {},
        device_info: { ios_advertising_id: '00000000-0000-0000-0000-000000000000' },
      }),
    ).toThrow(/cannot attach it to anyone/);
    expect(() => parseBatch({ user_identities: { email: '' } })).toThrow(
      /user_identities\.email: identity values must not be empty/,
    );
  });

  it.each([
    ['a user identity', { user_identities: { other_id_7: 'x' } }],
    ['a device identity', { device_info: { push_token: 'token' } }],
    [
      'an advertising ID',
      { device_info: { android_advertising_id: '38400000-8cf0-11bd-b23e-10b96e40000d' } },
    ],
    ['an mpid', { mpid: '-1' }],
    ['an mp_deviceid', { mp_deviceid: '3fb44a79-df2d-446d-acf1-e87eda854ae1' }],
  ])('a batch identified by %s is accepted', (_what, batch) => {
    expect(parseBatch(batch)).toBeTruthy();
  });

  it('commerce events with two forms, or none', () => {
    const two = validationError(() =>
      user()
        .event({
          event_type: 'commerce_event',
          data: { product_action: { action: 'click' }, promotion_action: { action: 'view' } } as never,
        })
        .build(),
    );
    expect(two.issues).toEqual([
      expect.objectContaining({
        path: 'events[0].data',
        message: expect.stringContaining('got product_action and promotion_action'),
      }),
    ]);
    const none = validationError(() =>
      user()
        .event({ event_type: 'commerce_event', data: {} as never })
        .build(),
    );
    expect(none.issues[0]?.message).toContain('needs one of');
  });

  it('enum values outside the enum, at run time too', () => {
    const error = validationError(() =>
      user()
        .commerceEvent({ product_action: { action: 'buy' as never } })
        .customEvent({ event_name: 'x', custom_event_type: 'fun' as never })
        .deviceInfo({ platform: 'windows' as never })
        .build(),
    );
    expect(paths(error).sort()).toEqual([
      'device_info.platform',
      'events[0].data.product_action.action',
      'events[1].data.custom_event_type',
    ]);
  });

  it('bad IPs, UUIDs and currency codes', () => {
    const error = validationError(() =>
      user()
        .ip('999.1.1.1')
        .customEvent({ event_name: 'x', session_uuid: 'b0e2…' })
        .commerceEvent({ currency_code: 'dollars', product_action: { action: 'click' } })
        .build(),
    );
    expect(paths(error).sort()).toEqual([
      'events[0].data.session_uuid',
      'events[1].data.currency_code',
      'ip',
    ]);
  });

  it('timestamps must be epoch milliseconds or valid Dates', () => {
    const error = validationError(() =>
      user()
        .customEvent({ event_name: 'a', timestamp_unixtime_ms: new Date('nope') })
        .customEvent({ event_name: 'b', timestamp_unixtime_ms: -1 })
        .customEvent({ event_name: 'c', timestamp_unixtime_ms: 1.5 })
        .build(),
    );
    expect(paths(error)).toEqual([
      'events[0].data.timestamp_unixtime_ms',
      'events[1].data.timestamp_unixtime_ms',
      'events[2].data.timestamp_unixtime_ms',
    ]);
    expect(error.issues[0]?.message).toContain('invalid Date');
  });

  it('input that is not a batch at all', () => {
    for (const input of [null, undefined, 42, 'batch', [], new Map()]) {
      expect(validationError(() => parseBatch(input)).issues.length).toBeGreaterThan(0);
    }
  });

  it('input whose getters throw is reported, not thrown through', () => {
    const hostile = {
      mpid: 1,
      get user_attributes(): never {
        throw new Error('boom');
      },
    };
    const error = validationError(() => parseBatch(hostile));
    expect(error.issues[0]?.message).toContain('boom');
  });

  it('JSON text that is not JSON', () => {
    const error = validationError(() => parseBatchJson('{"mpid": 1,'));
    expect(error.issues[0]).toMatchObject({ path: '', code: 'invalid_json' });
    expect(error.message).toMatch(/^Invalid batch JSON: \(batch\): not valid JSON/);
  });
});

describe('nothing half-built escapes', () => {
  it('a failed build returns nothing and leaves the builder usable', () => {
    const builder = new BatchBuilder().customEvent({ event_name: 'x' });
    expect(() => builder.build()).toThrow(ValidationError);
    const batch = builder.mpid(5n).build();
    expect(batch.events).toHaveLength(1);
  });

  it('a built batch is read-only: the batch and its events are frozen, and its text is fixed at build', () => {
    const batch = user()
      .userAttributes({ tags: ['a'] })
      .customEvent({ event_name: 'x', custom_attributes: { a: 1 } })
      .build();
    const text = serializeBatch(batch);
    expect(Object.isFrozen(batch)).toBe(true);
    expect(Object.isFrozen(batch.events)).toBe(true);
    expect(() => {
      (batch as { mpid: string }).mpid = '2';
    }).toThrow(TypeError);
    expect(() => (batch.events as unknown[]).push({})).toThrow(TypeError);
    // Nested objects are read-only by type only; writing to one anyway does not change what is sent.
    (batch.events?.[0]?.data.custom_attributes as Record<string, unknown>).a = Number.NaN;
    expect(serializeBatch(batch)).toBe(text);
  });

  it("the batch is a copy: changing the caller's objects later changes nothing", () => {
    const attributes: Record<string, string> = { plan: 'pro' };
    const data = { event_name: 'x', custom_attributes: attributes };
    const builder = user().userAttributes(attributes).customEvent(data);
    const batch = builder.build();
    attributes.plan = 'free';
    data.event_name = 'changed';
    expect(batch.user_attributes?.plan).toBe('pro');
    expect(batch.events?.[0]?.data).toMatchObject({ event_name: 'x', custom_attributes: { plan: 'pro' } });
    expect(Object.isFrozen(attributes)).toBe(false);
  });
});

describe('IP address check', () => {
  const ajv = newAjv();
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  const ajvIp = ajv.compile({ ...schema.definitions.IpV4Address, type: 'string' });
  const ajvIp6 = ajv.compile({ ...schema.definitions.IpV6Address, type: 'string' });

  it('agrees with ajv-formats on generated addresses and near-misses', () => {
    const hex = fc.stringMatching(/^[0-9a-fA-F]{1,5}$/);
    const candidate = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc
        .array(fc.oneof(hex, fc.constant(''), fc.ipV4()), { maxLength: 10 })
        .map((groups) => groups.join(':')),
      fc.string({ unit: fc.constantFrom('0', '1', 'a', 'f', 'g', ':', '.', '2', '5'), maxLength: 45 }),
    );
    fc.assert(
      fc.property(candidate, (text) => {
        expect(isIPv4(text)).toBe(ajvIp(text));
        expect(isIPv6(text)).toBe(ajvIp6(text));
      }),
      { numRuns: 5000 },
    );
  });

  it.each(['203.0.113.7', '::1', '::', '2001:db8::7', '::ffff:192.0.2.1', '1:2:3:4:5:6:7::'])(
    'accepts %s',
    (ip) => {
      expect(user().ip(ip).build().ip).toBe(ip);
    },
  );

  it.each(['203.0.113.07', '1:2:3:4:5:6:7:8:9', '1::2::3', 'fe80::1%eth0', ' 203.0.113.7', '1.2.3'])(
    'rejects %s',
    (ip) => {
      expect(paths(validationError(() => user().ip(ip).build()))).toEqual(['ip']);
    },
  );
});
