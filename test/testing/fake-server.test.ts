import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, MParticleEventsError, ValidationError } from '../../src/errors.js';
import { HISTORICAL_MIN_AGE_MS, MAX_REQUEST_BYTES } from '../../src/limits.js';
import {
  type FakeEventsApi,
  type FakeEventsApiOptions,
  startFakeEventsApi,
} from '../../src/testing/index.js';
import { seeded } from '../support/random.js';

const KEY = 'test-key';
const SECRET = 'test-secret';

/** A stand-in for parseBatch: every event needs `data.event_name` (a custom event's required field). */
function simpleValidator(batch: unknown): void {
  const events = (batch as { events?: unknown }).events;
  if (!Array.isArray(events)) return;
  const issues = events.flatMap((event, i) => {
    const name = (event as { data?: { event_name?: unknown } }).data?.event_name;
    if (typeof name === 'string' && name !== '') return [];
    return [
      {
        path: `events[${i}].data.event_name`,
        segments: ['events', i, 'data', 'event_name'],
        code: 'invalid_type',
        message: 'expected string, received undefined',
      },
    ];
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

let servers: FakeEventsApi[] = [];

async function start(options: FakeEventsApiOptions = {}): Promise<FakeEventsApi> {
  const server = await startFakeEventsApi({ validateBatch: simpleValidator, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function basic(key = KEY, secret = SECRET): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
}

function batch(n: number, overrides: Record<string, unknown> = {}, timestamp = Date.now()) {
  return {
    environment: 'development',
    source_request_id: `req-${n}`,
    events: [
      {
        event_type: 'custom_event',
        data: { event_name: `event ${n}`, custom_event_type: 'other', timestamp_unixtime_ms: timestamp },
      },
    ],
    ...overrides,
  };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function post(
  server: FakeEventsApi,
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: basic() },
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

function errorsOf(answer: Answer): { code: string; message: string }[] {
  return (answer.json as { errors: { code: string; message: string }[] }).errors;
}

describe('startFakeEventsApi: addresses and success', () => {
  it('listens on 127.0.0.1 with a /v2 base URL', async () => {
    const server = await start();
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`${server.origin}/v2`);
    expect(Number(new URL(server.origin).port)).toBeGreaterThan(0);
  });

  it('answers 202 with an empty body and records batches in arrival order', async () => {
    const server = await start();
    const [b1, b2, b3] = [batch(1), batch(2), batch(3)];
    const one = await post(server, '/events', b1);
    const bulk = await post(server, '/bulkevents', [b2, b3]);
    expect(one.status).toBe(202);
    expect(one.text).toBe('');
    expect(bulk.status).toBe(202);
    expect(bulk.text).toBe('');
    expect(server.batches.map((b) => b.sourceRequestId)).toEqual(['req-1', 'req-2', 'req-3']);
    expect(server.batches.map((b) => b.path)).toEqual(['/v2/events', '/v2/bulkevents', '/v2/bulkevents']);
    expect(server.batches.map((b) => b.batch)).toEqual([b1, b2, b3]);
    expect(server.batches.every((b) => b.apiKey === KEY)).toBe(true);
    expect(server.batches[0]?.requestId).toBe(server.requests[0]?.id);
    expect(server.batches[2]?.requestId).toBe(server.requests[1]?.id);
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/v2/events',
      apiKey: KEY,
      batchCount: 1,
      status: 202,
    });
    expect(second).toMatchObject({ path: '/v2/bulkevents', batchCount: 2, status: 202 });
    expect(second?.bodyBytes).toBe(Buffer.byteLength(JSON.stringify([b2, b3])));
    expect(first?.respondedAt).toBeGreaterThanOrEqual(first?.receivedAt ?? Infinity);
    expect(server.stats).toEqual({
      requests: 2,
      acceptedBatches: 3,
      rejectedBatches: 0,
      duplicateBatches: 0,
      uniqueSourceRequestIds: 3,
    });
    expect(server.sourceRequestIds()).toEqual(new Set(['req-1', 'req-2', 'req-3']));
  });

  it('keeps 64-bit integers exact as decimal strings', async () => {
    const server = await start();
    const text = `{"environment":"production","mpid":-7636538281262557123,"events":[]}`;
    expect((await post(server, '/events', text)).status).toBe(202);
    expect((server.batches[0]?.batch as { mpid?: unknown } | undefined)?.mpid).toBe('-7636538281262557123');
  });

  it('keeps only ids and metadata with recordBodies: false', async () => {
    const server = await start({ recordBodies: false });
    expect((await post(server, '/bulkevents', [batch(1), batch(2)])).status).toBe(202);
    expect(server.batches.map((b) => [b.batch, b.sourceRequestId])).toEqual([
      [undefined, 'req-1'],
      [undefined, 'req-2'],
    ]);
    expect(server.stats.acceptedBatches).toBe(2);
  });

  it('never records or prints the secret', async () => {
    const server = await start({ credentials: { apiKey: 'k-visible', apiSecret: 's-hidden-123' } });
    await post(server, '/events', batch(1), { authorization: basic('k-visible', 's-hidden-123') });
    // Key and secret swapped: the "key" presented is the secret and must not be recorded either.
    await post(server, '/events', batch(2), { authorization: basic('s-hidden-123', 'k-visible') });
    expect(server.requests.map((r) => r.status)).toEqual([202, 403]);
    expect(server.requests[1]?.apiKey).toBeUndefined();
    const dumps = [
      JSON.stringify(server.requests),
      JSON.stringify(server.batches),
      JSON.stringify(server),
      inspect(server, { depth: 10, showHidden: true }),
    ];
    for (const dump of dumps) expect(dump).not.toContain('s-hidden-123');
  });
});

describe('authentication (events-api.md §1.4, §1.5)', () => {
  it('answers 401 without credentials or with a malformed header', async () => {
    const server = await start();
    for (const headers of [{}, { authorization: 'Bearer abc' }, { authorization: 'Basic !!!' }]) {
      const answer = await post(server, '/events', batch(1), headers);
      expect(answer.status).toBe(401);
      expect(errorsOf(answer)).toEqual([{ code: 'UNAUTHORIZED', message: expect.any(String) }]);
    }
    const noColon = `Basic ${Buffer.from('justakey').toString('base64')}`;
    expect((await post(server, '/events', batch(1), { authorization: noColon })).status).toBe(401);
    expect(server.batches).toHaveLength(0);
    expect(server.stats.rejectedBatches).toBe(4);
  });

  it('answers 403 for a wrong secret or an unknown key, and 202 for each configured pair', async () => {
    const server = await start({
      credentials: [
        { apiKey: 'a', apiSecret: 'sa' },
        { apiKey: 'b', apiSecret: 'sb' },
      ],
    });
    const wrongSecret = await post(server, '/events', batch(1), { authorization: basic('a', 'sb') });
    expect(wrongSecret.status).toBe(403);
    expect(errorsOf(wrongSecret)[0]?.code).toBe('FORBIDDEN');
    expect((await post(server, '/events', batch(1), { authorization: basic('c', 'sa') })).status).toBe(403);
    expect((await post(server, '/events', batch(1), { authorization: basic('a', 'sa') })).status).toBe(202);
    expect((await post(server, '/events', batch(2), { authorization: basic('b', 'sb') })).status).toBe(202);
    expect(server.requests.map((r) => r.apiKey)).toEqual(['a', 'c', 'a', 'b']);
    expect(server.batches.map((b) => b.apiKey)).toEqual(['a', 'b']);
  });

  it('uses test-key / test-secret by default', async () => {
    const server = await start();
    expect(
      (await post(server, '/events', batch(1), { authorization: basic('test-key', 'test-secret') })).status,
    ).toBe(202);
    expect(
      (await post(server, '/events', batch(1), { authorization: basic('test-key', 'nope') })).status,
    ).toBe(403);
  });
});

describe('routes', () => {
  it('answers 404 for unknown paths and 405 for other methods, with an errors body', async () => {
    const server = await start();
    const missing = await post(server, '/nope', batch(1));
    expect(missing.status).toBe(404);
    expect(errorsOf(missing)[0]?.code).toBe('NOT_FOUND');
    const get = await fetch(`${server.url}/events`, { headers: { authorization: basic() } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(((await get.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    expect(server.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/v2/nope', 404],
      ['GET', '/v2/events', 405],
    ]);
  });

  it('ignores a query string when routing', async () => {
    const server = await start();
    expect((await post(server, '/events?x=1', batch(1))).status).toBe(202);
    expect(server.requests[0]?.path).toBe('/v2/events');
  });

  it('refuses a compressed body with 415', async () => {
    const server = await start();
    const answer = await post(server, '/events', batch(1), {
      authorization: basic(),
      'content-encoding': 'gzip',
    });
    expect(answer.status).toBe(415);
    expect(server.batches).toHaveLength(0);
  });
});

describe('request rules', () => {
  it('answers 400 BAD_REQUEST for malformed JSON', async () => {
    const server = await start();
    const answer = await post(server, '/bulkevents', '[{"environment": ');
    expect(answer.status).toBe(400);
    expect(errorsOf(answer)).toEqual([
      { code: 'BAD_REQUEST', message: expect.stringMatching(/^Malformed JSON/) },
    ]);
  });

  it('answers 400 when the body has the wrong shape for the route', async () => {
    const server = await start();
    expect((await post(server, '/events', [batch(1)])).status).toBe(400);
    expect((await post(server, '/bulkevents', batch(1))).status).toBe(400);
    expect((await post(server, '/bulkevents', [])).status).toBe(400);
    expect((await post(server, '/bulkevents', [batch(1), 'not a batch'])).status).toBe(400);
    expect(server.batches).toHaveLength(0);
  });

  it('answers 413 for a body over 256000 bytes and accepts one of exactly 256000', async () => {
    const server = await start();
    const sized = (bytes: number) => {
      const base = JSON.stringify([batch(1, { user_attributes: { pad: '' } })]);
      return base.replace('"pad":""', `"pad":"${'x'.repeat(bytes - base.length)}"`);
    };
    expect(Buffer.byteLength(sized(MAX_REQUEST_BYTES))).toBe(256_000);
    expect((await post(server, '/bulkevents', sized(MAX_REQUEST_BYTES))).status).toBe(202);
    const over = await post(server, '/bulkevents', sized(MAX_REQUEST_BYTES + 1));
    expect(over.status).toBe(413);
    expect(errorsOf(over)[0]).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('256000'),
    });
    expect(server.requests[1]).toMatchObject({ bodyBytes: 256_001, status: 413 });
    expect(server.batches).toHaveLength(1);
    // The connection stays usable after a 413.
    expect((await post(server, '/events', batch(2))).status).toBe(202);
  });

  it('honours maxRequestBytes', async () => {
    const server = await start({ maxRequestBytes: 300 });
    expect((await post(server, '/events', batch(1))).status).toBe(202);
    expect((await post(server, '/bulkevents', [batch(1), batch(2)])).status).toBe(413);
  });

  it('answers 400 for 101 batches and 202 for 100', async () => {
    const server = await start();
    const many = (n: number) => Array.from({ length: n }, (_, i) => batch(i));
    const over = await post(server, '/bulkevents', many(101));
    expect(over.status).toBe(400);
    expect(errorsOf(over)[0]?.message).toContain('101 batches');
    expect(server.requests[0]?.batchCount).toBe(101);
    expect((await post(server, '/bulkevents', many(100))).status).toBe(202);
    expect(server.stats).toMatchObject({ acceptedBatches: 100, rejectedBatches: 101 });
  });

  it('honours maxBatchesPerRequest', async () => {
    const server = await start({ maxBatchesPerRequest: 2 });
    expect((await post(server, '/bulkevents', [batch(1), batch(2), batch(3)])).status).toBe(400);
    expect((await post(server, '/bulkevents', [batch(1), batch(2)])).status).toBe(202);
  });
});

describe('batch validation', () => {
  it('refuses a whole bulk request with one error per bad batch, naming index and path', async () => {
    const server = await start();
    const bad = (n: number) => batch(n, { events: [{ event_type: 'custom_event', data: {} }] });
    const answer = await post(server, '/bulkevents', [batch(0), bad(1), batch(2), bad(3)]);
    expect(answer.status).toBe(400);
    expect(errorsOf(answer)).toEqual([
      {
        code: 'BAD_REQUEST',
        message: 'batch[1]: events[0].data.event_name: expected string, received undefined',
      },
      {
        code: 'BAD_REQUEST',
        message: 'batch[3]: events[0].data.event_name: expected string, received undefined',
      },
    ]);
    expect(server.batches).toHaveLength(0);
    expect(server.stats).toMatchObject({ acceptedBatches: 0, rejectedBatches: 4 });
  });

  it('names the path without an index on /events', async () => {
    const server = await start();
    const answer = await post(server, '/events', batch(1, { events: [{ data: {} }, { data: {} }] }));
    expect(answer.status).toBe(400);
    expect(errorsOf(answer)).toEqual([
      {
        code: 'BAD_REQUEST',
        message:
          'events[0].data.event_name: expected string, received undefined; ' +
          'events[1].data.event_name: expected string, received undefined',
      },
    ]);
  });

  it('reports the message of a validator that throws a plain error', async () => {
    const server = await start({
      validateBatch: () => {
        throw new Error('nope');
      },
    });
    const answer = await post(server, '/bulkevents', [batch(1)]);
    expect(errorsOf(answer)).toEqual([{ code: 'BAD_REQUEST', message: 'batch[0]: nope' }]);
  });

  it('accepts any batch object with validate: false', async () => {
    const server = await start({
      validate: false,
      validateBatch: () => {
        throw new Error('must not be called');
      },
    });
    expect((await post(server, '/events', { anything: true })).status).toBe(202);
    expect((await post(server, '/bulkevents/historical', [{ events: [] }])).status).toBe(202);
    expect(server.batches).toHaveLength(2);
  });
});

describe('default validation with parseBatch', () => {
  it("accepts a valid batch and refuses a bad one with the SDK's own issue paths", async () => {
    const server = await startFakeEventsApi();
    servers.push(server);
    const good = batch(1, { user_identities: { customer_id: '42' } });
    expect((await post(server, '/events', good)).status).toBe(202);
    const bad = batch(2, { environment: 'staging', user_identities: { customer_id: '42' } });
    const answer = await post(server, '/bulkevents', [good, bad]);
    expect(answer.status).toBe(400);
    const errors = errorsOf(answer);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('BAD_REQUEST');
    expect(errors[0]?.message).toMatch(/^batch\[1\]: environment: /);
    expect(server.batches).toHaveLength(1);
  });

  it('applies the historical rules on top of parseBatch', async () => {
    const server = await startFakeEventsApi();
    servers.push(server);
    const old = Date.now() - HISTORICAL_MIN_AGE_MS - 60_000;
    const user = { user_identities: { customer_id: '42' } };
    expect((await post(server, '/bulkevents/historical', [batch(1, user, old)])).status).toBe(202);
    const recent = await post(server, '/bulkevents/historical', [batch(2, user)]);
    expect(recent.status).toBe(400);
    expect(errorsOf(recent)[0]?.message).toMatch(
      /^batch\[0\]: events\[0\]\.data\.timestamp_unixtime_ms: must be/,
    );
  });
});

describe('historical endpoint rules (events-api.md §2.4)', () => {
  const old = Date.now() - HISTORICAL_MIN_AGE_MS - 60 * 60 * 1000;
  const recent = Date.now() - 60 * 60 * 1000;

  it('accepts events older than 72 hours', async () => {
    const server = await start();
    expect((await post(server, '/bulkevents/historical', [batch(1, {}, old)])).status).toBe(202);
    expect(server.batches[0]?.path).toBe('/v2/bulkevents/historical');
  });

  it('refuses no events, a missing timestamp and a recent timestamp', async () => {
    const server = await start();
    const noEvents = batch(1, { events: [] });
    const untimed = batch(2, { events: [{ event_type: 'custom_event', data: { event_name: 'x' } }] });
    const answer = await post(server, '/bulkevents/historical', [noEvents, untimed, batch(3, {}, recent)]);
    expect(answer.status).toBe(400);
    const messages = errorsOf(answer).map((e) => e.message);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/^batch\[0\]: events: /);
    expect(messages[1]).toMatch(/^batch\[1\]: events\[0\]\.data\.timestamp_unixtime_ms: required/);
    expect(messages[2]).toMatch(
      /^batch\[2\]: events\[0\]\.data\.timestamp_unixtime_ms: must be at least 72 hours/,
    );
    expect(server.batches).toHaveLength(0);
  });

  it('does not apply the historical rules to /bulkevents', async () => {
    const server = await start();
    expect((await post(server, '/bulkevents', [batch(1, {}, recent), batch(2, { events: [] })])).status).toBe(
      202,
    );
  });
});

describe('duplicates (events-api.md §1.7)', () => {
  it('counts a repeated source_request_id per API key and still records the batch', async () => {
    const server = await start({
      credentials: [
        { apiKey: KEY, apiSecret: SECRET },
        { apiKey: 'other', apiSecret: 'other-secret' },
      ],
    });
    await post(server, '/events', batch(1));
    await post(server, '/bulkevents', [batch(1), batch(2), batch(2)]);
    await post(server, '/events', batch(1), { authorization: basic('other', 'other-secret') });
    await post(server, '/events', { environment: 'development', events: [] });
    expect(server.batches).toHaveLength(6);
    expect(server.stats).toMatchObject({
      acceptedBatches: 6,
      duplicateBatches: 2,
      uniqueSourceRequestIds: 2,
    });
    expect(server.sourceRequestIds()).toEqual(new Set(['req-1', 'req-2']));
    expect(server.batches[5]?.sourceRequestId).toBeUndefined();
  });
});

describe('X-mp-rate-limit-percentage-used (events-api.md §1.5)', () => {
  it('is sent on every 2xx when set, from a number or a function', async () => {
    let used = 10;
    const server = await start({ rateLimitPercentageUsed: () => (used += 5) });
    expect((await post(server, '/events', batch(1))).headers.get('x-mp-rate-limit-percentage-used')).toBe(
      '15',
    );
    expect((await post(server, '/events', batch(2))).headers.get('x-mp-rate-limit-percentage-used')).toBe(
      '20',
    );
    const refused = await post(server, '/events', batch(3), {});
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-mp-rate-limit-percentage-used')).toBeNull();

    const fixed = await start({ rateLimitPercentageUsed: 92 });
    expect((await post(fixed, '/events', batch(1))).headers.get('x-mp-rate-limit-percentage-used')).toBe(
      '92',
    );
  });

  it('is absent by default', async () => {
    const server = await start();
    expect((await post(server, '/events', batch(1))).headers.has('x-mp-rate-limit-percentage-used')).toBe(
      false,
    );
  });
});

describe('faults', () => {
  it('answers a status with Retry-After and rate-limit headers for the next N requests', async () => {
    const server = await start();
    const handle = server.fault({ status: 429, retryAfter: 2, rateLimitExceeded: 'org', times: 2 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(server, '/bulkevents', [batch(i)]));
    expect(answers.map((a) => a.status)).toEqual([429, 429, 202]);
    expect(answers[0]?.headers.get('retry-after')).toBe('2');
    expect(answers[0]?.headers.get('x-mp-rate-limit-exceeded')).toBe('org');
    expect(errorsOf(answers[0] as Answer)[0]?.code).toBe('TOO_MANY_REQUESTS');
    expect(answers[2]?.headers.has('retry-after')).toBe(false);
    expect(handle.hits).toBe(2);
    expect(server.requests.map((r) => r.fault)).toEqual(['status 429', 'status 429', undefined]);
    expect(server.requests.map((r) => r.batchCount)).toEqual([1, 1, 1]);
    expect(server.batches.map((b) => b.sourceRequestId)).toEqual(['req-2']);
    expect(server.stats.rejectedBatches).toBe(2);
  });

  it('sends given headers and body, and a status without Retry-After when none is given', async () => {
    const server = await start();
    server.fault({
      status: 503,
      headers: { 'x-test': 'yes' },
      body: { errors: [{ code: 'DOWN' }] },
      times: 1,
    });
    server.fault({ status: 500, body: 'plain text', times: 1 });
    const first = await post(server, '/events', batch(1));
    expect(first.status).toBe(503);
    expect(first.headers.get('x-test')).toBe('yes');
    expect(first.headers.has('retry-after')).toBe(false);
    expect(first.json).toEqual({ errors: [{ code: 'DOWN' }] });
    const second = await post(server, '/events', batch(1));
    expect([second.status, second.text]).toEqual([500, 'plain text']);
  });

  it('takes an HTTP date as Retry-After', async () => {
    const server = await start();
    const date = new Date(Date.now() + 3000).toUTCString();
    server.fault({ status: 429, retryAfter: date, times: 1 });
    expect((await post(server, '/events', batch(1))).headers.get('retry-after')).toBe(date);
  });

  it('applies only to matching paths and API keys, first match first', async () => {
    const server = await start({
      credentials: [
        { apiKey: KEY, apiSecret: SECRET },
        { apiKey: 'other', apiSecret: 'other-secret' },
      ],
    });
    server.fault({ status: 500, path: '/bulkevents' });
    server.fault({ status: 503, apiKey: 'other' });
    server.fault({ status: 502 });
    const other = { authorization: basic('other', 'other-secret') };
    expect((await post(server, '/bulkevents', [batch(1)])).status).toBe(500);
    expect((await post(server, '/bulkevents/historical', [batch(1)])).status).toBe(502);
    expect((await post(server, '/events', batch(1), other)).status).toBe(503);
    expect((await post(server, '/events', batch(1))).status).toBe(502);
    server.clearFaults();
    expect((await post(server, '/events', batch(1))).status).toBe(202);
  });

  it('stops applying a removed fault', async () => {
    const server = await start();
    const handle = server.fault({ status: 500 });
    expect((await post(server, '/events', batch(1))).status).toBe(500);
    handle.remove();
    expect((await post(server, '/events', batch(1))).status).toBe(202);
    expect(handle.hits).toBe(1);
  });

  it('applies to a fraction of requests drawn from the seeded random', async () => {
    const server = await start({ random: seeded(42) });
    const handle = server.fault({ status: 503, probability: 0.3 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await post(server, '/events', batch(i))).status);
    const replay = seeded(42);
    const expected = Array.from({ length: 40 }, () => (replay() < 0.3 ? 503 : 202));
    expect(statuses).toEqual(expected);
    expect(handle.hits).toBe(expected.filter((s) => s === 503).length);
    expect(handle.hits).toBeGreaterThan(0);
    expect(handle.hits).toBeLessThan(40);
  });

  it('resets the connection, which a fetch client sees as an error', async () => {
    const server = await start();
    const handle = server.fault({ reset: true, times: 1 });
    await expect(post(server, '/events', batch(1))).rejects.toThrow(TypeError);
    expect(server.requests[0]).toMatchObject({ status: 0, fault: 'reset', batchCount: 1 });
    expect(server.requests[0]?.respondedAt).toBeUndefined();
    expect(handle.hits).toBe(1);
    expect((await post(server, '/events', batch(1))).status).toBe(202);
  });

  it('delays before handling normally, or before a status', async () => {
    const server = await start();
    server.fault({ delayMs: 150, times: 1 });
    server.fault({ delayMs: 100, status: 503, times: 1 });
    expect((await post(server, '/events', batch(1))).status).toBe(202);
    expect((await post(server, '/events', batch(2))).status).toBe(503);
    const [first, second] = server.requests;
    expect(first?.fault).toBe('delay 150ms');
    expect(second?.fault).toBe('delay 100ms + status 503');
    // Timers may fire a millisecond early by rounding; the bound is a floor, not a speed check.
    expect((first?.respondedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(148);
    expect((second?.respondedAt ?? 0) - (second?.receivedAt ?? 0)).toBeGreaterThanOrEqual(98);
    expect(server.batches.map((b) => b.sourceRequestId)).toEqual(['req-1']);
  });

  it('stalls a request until close(), which still finishes promptly', async () => {
    const server = await start();
    server.fault({ stall: true });
    const pending = post(server, '/events', batch(1));
    pending.catch(() => undefined);
    await server.waitFor((s) => s.requests[0]?.fault === 'stall', { timeoutMs: 5000 });
    let settled = false;
    const markSettled = () => {
      settled = true;
    };
    pending.then(markSettled, markSettled);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    const outcome = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 10_000, 'still open')),
    ]);
    expect(outcome).toBe('closed');
    await expect(pending).rejects.toThrow(TypeError);
    expect(server.requests[0]?.status).toBe(0);
  });

  it('a delayed request is dropped by close() without answering', async () => {
    const server = await start();
    server.fault({ delayMs: 60_000 });
    const pending = post(server, '/events', batch(1));
    pending.catch(() => undefined);
    await server.waitFor((s) => s.requests[0]?.bodyBytes !== 0);
    await server.close();
    await expect(pending).rejects.toThrow(TypeError);
    expect(server.batches).toHaveLength(0);
  });

  it('refuses bad fault specs with a ConfigurationError naming the option', async () => {
    const server = await start();
    const option = (spec: object) => {
      try {
        server.fault(spec);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return (error as ConfigurationError).option;
      }
      return 'accepted';
    };
    expect(option({})).toBe('fault');
    expect(option({ status: 42 })).toBe('fault.status');
    expect(option({ status: 500, reset: true })).toBe('fault');
    expect(option({ retryAfter: 1 })).toBe('fault.retryAfter');
    expect(option({ status: 500, probability: 2 })).toBe('fault.probability');
    expect(option({ status: 500, times: -1 })).toBe('fault.times');
    expect(option({ delayMs: -5 })).toBe('fault.delayMs');
    expect(option({ stall: true, delayMs: 5 })).toBe('accepted');
  });
});

describe('shared rate limit', () => {
  it('answers 429 past the batches per second, counted over all clients, and recovers', async () => {
    const server = await start({ rateLimit: { batchesPerSecond: 5 } });
    const first = await post(server, '/bulkevents', [batch(1), batch(2), batch(3)]);
    expect(first.status).toBe(202);
    expect(first.headers.get('x-mp-rate-limit-percentage-used')).toBe('60');
    const over = await post(server, '/bulkevents', [batch(4), batch(5), batch(6)]);
    expect(over.status).toBe(429);
    expect(over.headers.get('x-mp-rate-limit-exceeded')).toBe('org');
    expect(over.headers.get('retry-after')).toBe('1');
    expect((await post(server, '/bulkevents', [batch(4), batch(5)])).status).toBe(202);
    // A second later the window is free again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await post(server, '/bulkevents', [batch(6), batch(7), batch(8)])).status).toBe(202);
    expect(server.stats).toMatchObject({ acceptedBatches: 8, rejectedBatches: 3 });
  });

  it('can leave Retry-After out', async () => {
    const server = await start({ rateLimit: { batchesPerSecond: 1, retryAfter: false } });
    await post(server, '/events', batch(1));
    const over = await post(server, '/events', batch(2));
    expect(over.status).toBe(429);
    expect(over.headers.has('retry-after')).toBe(false);
  });
});

describe('waitFor, reset and close', () => {
  it('resolves when the predicate holds after requests arrive', async () => {
    const server = await start();
    const waiting = server.waitFor((s) => s.stats.acceptedBatches >= 3, { timeoutMs: 5000 });
    await post(server, '/bulkevents', [batch(1), batch(2)]);
    await post(server, '/events', batch(3));
    await expect(waiting).resolves.toBeUndefined();
  });

  it('rejects on timeout, when the predicate throws, and when the server closes', async () => {
    const server = await start();
    await expect(server.waitFor(() => false, { timeoutMs: 30 })).rejects.toThrow(MParticleEventsError);
    await expect(
      server.waitFor(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const waiting = server.waitFor(() => false, { timeoutMs: 60_000 });
    await server.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(server.waitFor(() => true)).rejects.toThrow(/closed/);
  });

  it('reset() forgets requests, batches and counters but keeps faults', async () => {
    const server = await start();
    await post(server, '/events', batch(1));
    server.fault({ status: 500 });
    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(server.batches).toHaveLength(0);
    expect(server.stats).toEqual({
      requests: 0,
      acceptedBatches: 0,
      rejectedBatches: 0,
      duplicateBatches: 0,
      uniqueSourceRequestIds: 0,
    });
    expect(server.sourceRequestIds().size).toBe(0);
    expect((await post(server, '/events', batch(1))).status).toBe(500);
    server.clearFaults();
    await post(server, '/events', batch(1));
    expect(server.stats.duplicateBatches).toBe(0);
  });

  it('close() is idempotent and the server stops answering', async () => {
    const server = await start();
    await post(server, '/events', batch(1)); // leaves a keep-alive connection open
    const a = server.close();
    const b = server.close();
    expect(a).toBe(b);
    await a;
    await server.close();
    await expect(post(server, '/events', batch(2))).rejects.toThrow(TypeError);
  });
});

describe('options', () => {
  it('refuses bad options with a ConfigurationError naming the option', async () => {
    const cases: [FakeEventsApiOptions, string][] = [
      [{ credentials: [] }, 'credentials'],
      [{ credentials: { apiKey: '', apiSecret: 's' } }, 'credentials[0].apiKey'],
      [{ credentials: { apiKey: 'a:b', apiSecret: 's' } }, 'credentials[0].apiKey'],
      [{ maxRequestBytes: 0 }, 'maxRequestBytes'],
      [{ maxBatchesPerRequest: 1.5 }, 'maxBatchesPerRequest'],
      [{ rateLimit: { batchesPerSecond: 0 } }, 'rateLimit.batchesPerSecond'],
      [{ port: -1 }, 'port'],
    ];
    for (const [options, name] of cases) {
      const error = await startFakeEventsApi({ validateBatch: simpleValidator, ...options }).catch((e) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).option).toBe(name);
    }
  });
});

describe('throughput', () => {
  it('takes 2,000 batches over keep-alive connections from concurrent clients', async () => {
    const server = await start({ recordBodies: false });
    const requests = Array.from({ length: 40 }, (_, r) =>
      post(
        server,
        '/bulkevents',
        Array.from({ length: 50 }, (_, i) => batch(r * 50 + i)),
      ),
    );
    const answers = await Promise.all(requests);
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(server.stats).toMatchObject({ acceptedBatches: 2000, uniqueSourceRequestIds: 2000 });
  });
});
