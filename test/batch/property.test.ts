/**
 * Acceptance 5: on generated input, valid, nearly valid and hostile, build() and parseBatch() either
 * return a batch that passes the schema (with the documented deviations) and is at most 128 KB
 * serialized, or throw ValidationError whose issues carry paths. No other exception, ever, and no
 * prototype is ever polluted.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Batch,
  BatchBuilder,
  EVENT_TYPES,
  MAX_BATCH_BYTES,
  parseBatch,
  parseBatchJson,
  serializeBatch,
  USER_IDENTITY_TYPES,
  ValidationError,
} from '../../src/index.js';
import { formatPath } from '../../src/internal/zod.js';
import { NOW, SESSION_UUID, schemaErrors, validateDocumented, validateOfficial } from './support.js';

const RUNS = 1000;
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

// Values

/** Numbers that JSON cannot carry exactly, or at all. */
const specialNumber = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  2 ** 53,
  -(2 ** 63),
  1e21,
  Number.MAX_VALUE,
);

const hostileScalar = fc.oneof(
  { weight: 6, arbitrary: specialNumber },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '__proto__',
      'constructor',
      '-7636538281262557000',
      '00000000-0000-0000-0000-000000000000',
      '\u0000',
      '\ud800',
      null,
      undefined,
      true,
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 250, maxLength: 600 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: false }) },
);

/** An object with a key that would pollute a prototype if assigned naively. */
const pollutingObject = fc
  .tuple(
    fc.constantFrom('__proto__', 'constructor', 'prototype'),
    fc.constantFrom('{"polluted":true}', '1', '"x"'),
  )
  .map(([key, value]) => JSON.parse(`{"${key}":${value},"ok":"v"}`) as Record<string, unknown>);

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  { weight: 3, arbitrary: hostileScalar },
  { weight: 1, arbitrary: pollutingObject },
  {
    weight: 2,
    arbitrary: fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withBoxedValues: true,
      withTypedArray: true,
      withSparseArray: true,
      maxDepth: 3,
    }),
  },
);

const cleanKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 10 }),
  fc.constantFrom('$FirstName', 'mpid', 'session_id'),
);
const attributeKey = fc.oneof(
  cleanKey,
  fc.constantFrom('__proto__', 'constructor', 'prototype', ''),
  fc.string({ minLength: 255, maxLength: 258 }),
);
const cleanValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.double({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null)), { maxLength: 4 }),
);

/** A value, mostly plausible and sometimes hostile. */
const maybe = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostile });
/** Only plausible values. */
const clean = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> => valid;
type Mode = typeof maybe;

const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.integer(),
);

// Events: a valid example per type, then random fields replaced by hostile values.

const product = {
  id: 'sku-1',
  name: 'Widget',
  price: 19.99,
  quantity: 1,
  custom_attributes: { color: 'blue' },
};
const EXAMPLES: Record<string, Record<string, unknown>> = {
  custom_event: { event_name: 'Signed Up', custom_attributes: { plan: 'pro' }, custom_flags: { f: 'x' } },
  screen_view: { screen_name: 'Home' },
  commerce_event: { currency_code: 'USD', product_action: { action: 'purchase', products: [product] } },
  session_start: { session_uuid: SESSION_UUID, session_id: 1n },
  session_end: { session_uuid: SESSION_UUID, session_duration_ms: 10 },
  user_attribute_change: { user_attribute_name: 'plan', new: 'pro', old: null },
  user_identity_change: {
    new: { identity_type: 'email', identity: 'a@b.c', timestamp_unixtime_ms: NOW },
    old: null,
  },
  application_state_transition: { application_transition_type: 'application_exit' },
  crash_report: {
    severity: 'error',
    message: 'm',
    breadcrumbs: [{ event_type: 'breadcrumb', data: { label: 'l', event_id: 5n } }],
  },
  opt_out: { is_opted_out: false },
  push_registration: { register: true, registration_token: 't' },
  push_message: { push_message_type: 'sent', push_message_token: 't', push_notification_payload: '{}' },
  network_performance: { url: 'https://x.test', response_code: 500 },
  breadcrumb: { label: 'x' },
  first_run: {},
  uninstall: {},
  profile: { profile_event_type: 'logout', previous_mpid: 5n, current_mpid: null },
};

const FIELDS = [
  'timestamp_unixtime_ms',
  'event_id',
  'session_id',
  'event_num',
  'source_message_id',
  'session_uuid',
  'custom_attributes',
  'location',
  'device_current_state',
  'event_name',
  'screen_name',
  'custom_event_type',
  'product_action',
  'promotion_action',
  'product_impressions',
  'current_mpid',
  'response_code',
  'push_message_behavior',
  'new',
  'unknown_field',
];

/** A copy of `base` with the value at one of its paths (or a new key) replaced. */
function replaceAt(base: unknown, pick: number, value: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], [...path, i]);
    } else if (node && typeof node === 'object' && !(node instanceof Date) && typeof node !== 'bigint') {
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
    }
  };
  walk(base, []);
  const path = paths[pick % paths.length] ?? [];
  const set = (node: unknown, depth: number): unknown => {
    if (depth === path.length) return value;
    const key = path[depth] as string | number;
    if (Array.isArray(node)) return node.map((child, i) => (i === key ? set(child, depth + 1) : child));
    const copy = Object.fromEntries(Object.entries(node as object));
    return Object.fromEntries([
      ...Object.entries(copy).filter(([k]) => k !== key),
      [key, set(copy[key as string], depth + 1)],
    ]);
  };
  return set(base, 0);
}

const eventData = (type: string, mode: Mode = maybe): fc.Arbitrary<unknown> =>
  mode === clean
    ? fc.constant(EXAMPLES[type] ?? {})
    : fc.oneof(
        { weight: 3, arbitrary: fc.constant(EXAMPLES[type] ?? {}) },
        {
          weight: 4,
          arbitrary: fc
            .tuple(fc.nat(), maybe(fc.anything({ maxDepth: 1 })))
            .map(([pick, value]) => replaceAt(EXAMPLES[type] ?? {}, pick, value)),
        },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.constantFrom(...FIELDS), hostile)
            .map(([field, value]) =>
              Object.fromEntries([...Object.entries(EXAMPLES[type] ?? {}), [field, value]]),
            ),
        },
        { weight: 1, arbitrary: hostile },
      );

const eventArb = (mode: Mode) =>
  fc.oneof(
    {
      weight: 9,
      arbitrary: fc
        .constantFrom(...EVENT_TYPES)
        .chain((type) => eventData(type, mode).map((data) => ({ event_type: type, data }))),
    },
    {
      weight: mode === clean ? 0 : 1,
      arbitrary: fc.record({ event_type: maybe(fc.constantFrom('pre_attribution', 'bogus')), data: hostile }),
    },
  );

// Builder programs

type Step = (b: BatchBuilder) => unknown;
const call =
  (method: string, ...args: unknown[]): Step =>
  (b) =>
    (b as unknown as Record<string, (...a: unknown[]) => unknown>)[method]?.(...args);

const steps = (m: Mode): fc.Arbitrary<Step> => {
  const key = m === clean ? cleanKey : attributeKey;
  const attributes = fc.dictionary(key, m === clean ? cleanValue : fc.oneof(cleanValue, hostile), {
    maxKeys: 6,
  });
  const identities = fc.dictionary(
    fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...USER_IDENTITY_TYPES) },
      { weight: m === clean ? 0 : 1, arbitrary: key },
    ),
    m(fc.string({ minLength: 1, maxLength: 20 })),
    { maxKeys: 4 },
  );
  const maybe = m;
  return fc.oneof(
    maybe(int64).map((v) => call('mpid', v)),
    maybe(identities).map((v) => call('userIdentities', v)),
    maybe(attributes).map((v) => call('userAttributes', v)),
    maybe(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 })).map((v) =>
      call('deleteUserAttributes', v),
    ),
    maybe(
      fc.record(
        {
          platform: maybe(fc.constantFrom('web', 'iOS', 'FireTV', 'fire_tv', 'desktop')),
          ios_advertising_id: maybe(fc.uuid()),
          push_token: maybe(fc.string({ maxLength: 8 })),
          screen_height: maybe(fc.integer()),
          att_timestamp_unixtime_ms: maybe(fc.date()),
        },
        { requiredKeys: [] },
      ),
    ).map((v) => call('deviceInfo', v)),
    maybe(
      fc.record(
        { application_name: maybe(fc.string()), os: maybe(fc.constantFrom('IOS', 'Android', 'ios')) },
        { requiredKeys: [] },
      ),
    ).map((v) => call('applicationInfo', v)),
    fc
      .tuple(attributeKey, maybe(fc.boolean()), maybe(fc.constantFrom(undefined, 'doc')), maybe(fc.boolean()))
      .map(([purpose, consented, document, ccpa]) =>
        call('consent', (c: import('../../src/index.js').ConsentBuilder) =>
          c.gdpr(purpose, { consented, document } as never).ccpa({ consented: ccpa } as never),
        ),
      ),
    maybe(
      fc.record(
        { gdpr: maybe(fc.dictionary(attributeKey, maybe(fc.record({ consented: fc.boolean() })))) },
        { requiredKeys: [] },
      ),
    ).map((v) => call('consent', v)),
    maybe(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 15 }))).map((v) =>
      call('ip', v),
    ),
    fc
      .tuple(maybe(fc.string({ maxLength: 10 })), maybe(fc.option(fc.nat(), { nil: undefined })))
      .map(([id, v]) => call('dataPlan', id, v)),
    eventArb(m).map((event) => call('event', event)),
    eventData('custom_event', m).map((data) => call('customEvent', data)),
    eventData('screen_view', m).map((data) => call('screenView', data)),
    eventData('commerce_event', m).map((data) => call('commerceEvent', data)),
    eventData('session_start', m).map((data) => call('sessionStart', data)),
    eventData('session_end', m).map((data) => call('sessionEnd', data)),
  );
};

/**
 * A builder program: its steps all plausible, some hostile, or one hostile step among plausible ones
 * (the case most likely to slip a bad value through).
 */
const program = fc.oneof(
  fc.array(steps(clean), { maxLength: 10 }),
  fc.array(steps(maybe), { maxLength: 10 }),
  fc
    .tuple(fc.array(steps(clean), { maxLength: 6 }), steps(maybe), fc.nat())
    .map(([good, bad, at]) => [
      ...good.slice(0, at % (good.length + 1)),
      bad,
      ...good.slice(at % (good.length + 1)),
    ]),
);

/** Enough big events to need splitting, sometimes. */
const bulk = fc.nat({ max: 60 }).map(
  (n): Step =>
    (b) => {
      for (let i = 0; i < n; i++)
        b.customEvent({ event_name: `bulk ${i}`, custom_attributes: { blob: 'x'.repeat(3000) } });
    },
);

// Checks

const outcome = { accepted: 0, rejected: 0 };
const bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * A built batch is plain JSON data: finite numbers, plain objects with the ordinary prototype and no key
 * that could touch one, arrays without holes. The batch and its events list are frozen. (JSON.stringify would hide a NaN as null, and a swallowed
 * `__proto__` key would simply vanish, so the schema alone cannot see these.)
 */
function expectPlainData(value: unknown, path: string, top = false): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    expect(Number.isFinite(value), path).toBe(true);
    return;
  }
  expect(typeof value, path).toBe('object');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      expect(i in value, path).toBe(true);
      expectPlainData(value[i], `${path}[${i}]`);
    }
    return;
  }
  // The batch itself is an object of an internal class that holds its text (see src/batch/validate.ts).
  if (!top) expect(Object.getPrototypeOf(value), path).toBe(Object.prototype);
  for (const [key, child] of Object.entries(value as object)) {
    expect(['__proto__', 'constructor', 'prototype'], `${path}.${key}`).not.toContain(key);
    if (child !== undefined) expectPlainData(child, `${path}.${key}`);
  }
}

function expectValidBatch(batch: Batch): void {
  const text = serializeBatch(batch);
  expect(bytes(text)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  expect(schemaErrors(text, validateDocumented)).toEqual([]);
  expectPlainData(batch, 'batch', true);
  expect(Object.isFrozen(batch) && Object.isFrozen(batch.events)).toBe(true);
  expect(() => JSON.stringify(batch)).not.toThrow();
  // What is sent reads back as the same batch.
  expect(serializeBatch(parseBatchJson(text))).toBe(text);
}

function expectValidationError(error: unknown, inputIsObject: boolean): void {
  if (!(error instanceof ValidationError)) throw error;
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(issue.path).toBe(formatPath(issue.segments));
    expect(issue.message).not.toBe('');
    // Only the whole batch's own problems sit at the root: its size, or not being an object at all.
    if (issue.path === '') {
      const rootProblem =
        issue.code === 'too_big' ||
        issue.code === 'invalid_json' ||
        !inputIsObject ||
        issue.message.startsWith('the input could not be read');
      expect(rootProblem, `${issue.code}: ${issue.message}`).toBe(true);
    }
  }
}

function check(run: () => Batch | Batch[], inputIsObject = true): void {
  let result: Batch | Batch[];
  try {
    result = run();
  } catch (error) {
    expectValidationError(error, inputIsObject);
    outcome.rejected++;
    return;
  }
  for (const batch of Array.isArray(result) ? result : [result]) expectValidBatch(batch);
  outcome.accepted++;
}

/** Valid batches to mutate for parseBatch, as plain JSON-like objects. */
const seeds = EVENT_TYPES.map((type) =>
  JSON.parse(
    JSON.stringify(
      new BatchBuilder({ now: () => NOW })
        .mpid('-7636538281262557000')
        .userIdentities({ customer_id: '42' })
        .userAttributes({ plan: 'pro', tags: ['a'] })
        .deviceInfo({ platform: 'web' })
        .consent((c) => c.gdpr('marketing', { consented: true }))
        .event({ event_type: type, data: EXAMPLES[type] } as never)
        .build(),
    ),
  ),
);

describe('property: build() and parseBatch() return a valid batch or throw ValidationError, nothing else', () => {
  afterAll(() => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`build() and buildAll() on ${RUNS} generated builder programs`, () => {
    const before = { ...outcome };
    fc.assert(
      fc.property(program, fc.boolean(), bulk, fc.boolean(), (steps, identify, more, all) => {
        const builder = new BatchBuilder({ now: () => NOW });
        if (identify) builder.mpid(1n);
        for (const s of steps) s(builder);
        if (all) more(builder);
        check(() => (all ? builder.buildAll() : builder.build()));
      }),
      { numRuns: RUNS },
    );
    // The generators reach both outcomes often enough to mean something.
    expect(outcome.accepted - before.accepted).toBeGreaterThan(RUNS / 20);
    expect(outcome.rejected - before.rejected).toBeGreaterThan(RUNS / 20);
  });

  it(`parseBatch() on ${RUNS} mutated and hostile batches`, () => {
    const before = { ...outcome };
    const input = fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(...seeds) },
      {
        weight: 6,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...seeds),
            fc.nat(),
            fc.oneof(maybe(fc.anything({ maxDepth: 2 })), specialNumber),
          )
          .map(([seed, pick, value]) => replaceAt(seed, pick, value)),
      },
      { weight: 2, arbitrary: hostile },
    );
    fc.assert(
      fc.property(input, (raw) => {
        check(() => parseBatch(raw), typeof raw === 'object' && raw !== null && !Array.isArray(raw));
      }),
      { numRuns: RUNS },
    );
    expect(outcome.accepted - before.accepted).toBeGreaterThan(RUNS / 20);
    expect(outcome.rejected - before.rejected).toBeGreaterThan(RUNS / 20);
  });

  it('parseBatchJson() on generated JSON text, including texts that are not JSON', () => {
    const text = fc.oneof(
      fc.constantFrom(...seeds).map((seed) => JSON.stringify(seed)),
      fc
        .tuple(fc.constantFrom(...seeds), fc.nat(), fc.jsonValue())
        .map(([seed, pick, value]) => JSON.stringify(replaceAt(seed, pick, value))),
      fc.json(),
      fc.string(),
    );
    fc.assert(
      fc.property(text, (t) => {
        let isObject = false;
        try {
          const value: unknown = JSON.parse(t);
          isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
        } catch {}
        check(() => parseBatchJson(t), isObject);
      }),
      { numRuns: 300 },
    );
  });

  it('well-formed input is accepted and passes the official schema, untouched by deviations', () => {
    const name = fc.string({ minLength: 1, maxLength: 256 });
    const exact = fc.double({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, noNaN: true });
    const scalar = fc.oneof(fc.string({ maxLength: 1000 }), exact, fc.boolean(), fc.constant(null));
    const safeKey = name.filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((v) => v !== 0n),
        fc.dictionary(safeKey, scalar, { maxKeys: 5 }),
        fc.array(
          fc.record({ event_name: name, custom_attributes: fc.dictionary(safeKey, scalar, { maxKeys: 5 }) }),
          { maxLength: 5 },
        ),
        (mpid, userAttributes, events) => {
          const builder = new BatchBuilder({ now: () => NOW }).mpid(mpid).userAttributes(userAttributes);
          for (const event of events) builder.customEvent(event);
          const batch = builder.build();
          const text = serializeBatch(batch);
          expect(validateOfficial(JSON.parse(text))).toBe(true);
          expect(text).toContain(`"mpid":${mpid}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
