/**
 * Acceptance 8 of issue 3: credentials are absent from every error, log line, event and inspected object.
 * Every path that produces text is driven (success, 400, 401, 403, 429, 5xx, timeout, connection refused,
 * close at a deadline, bad options), everything is captured, and none of it may hold the secret, the
 * Authorization value or the full API key.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventsClient } from '../../src/client.js';
import type { FakeEventsApi } from '../../src/testing/index.js';
import { startFakeEventsApi } from '../../src/testing/index.js';
import { basicAuthorization } from '../../src/transport/http.js';
import { makeBatch } from './support.js';

const API_KEY = 'KEY-7f3a9c1e5b2d4f60';
const API_SECRET = 'SECRET-d41d8cd98f00b204e9800998ecf8427e';
const WRONG_SECRET = 'WRONG-SECRET-0a1b2c3d4e5f';
const forbidden = [
  API_SECRET,
  WRONG_SECRET,
  API_KEY,
  basicAuthorization(API_KEY, API_SECRET).slice('Basic '.length),
  basicAuthorization(API_KEY, WRONG_SECRET).slice('Basic '.length),
  `${API_KEY}:${API_SECRET}`,
];

let server: FakeEventsApi;
const captured: string[] = [];

function capture(value: unknown): void {
  captured.push(inspect(value, { depth: 20, showHidden: true, getters: true }));
  try {
    captured.push(JSON.stringify(value) ?? '');
  } catch {
    // Not serializable: the inspect output above covers it.
  }
  if (value instanceof Error) captured.push(String(value), value.stack ?? '');
}

function observed(client: EventsClient): EventsClient {
  for (const event of [
    'request',
    'response',
    'retry',
    'rateLimited',
    'dropped',
    'deadLetter',
    'error',
    'pace',
    'rateLimitFallback',
    'rateLimitRestored',
  ] as const) {
    client.on(event, (payload) => capture(payload));
  }
  return client;
}

const logger = {
  debug: (message: string, context?: unknown) => capture([message, context]),
  info: (message: string, context?: unknown) => capture([message, context]),
  warn: (message: string, context?: unknown) => capture([message, context]),
  error: (message: string, context?: unknown) => capture([message, context]),
};

function make(extra: Partial<ConstructorParameters<typeof EventsClient>[0]> = {}): EventsClient {
  return observed(
    new EventsClient({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      baseUrl: server.url,
      timeoutMs: 300,
      retry: { retries: 1, minDelayMs: 5, maxDelayMs: 10 },
      logger,
      onDeadLetter: (failure) => capture(failure),
      ...extra,
    }),
  );
}

beforeAll(async () => {
  server = await startFakeEventsApi({ credentials: { apiKey: API_KEY, apiSecret: API_SECRET } });
});

afterAll(async () => {
  await server.close();
});

it('never shows credentials in errors, logs, events, reports or inspected clients', async () => {
  const client = make();
  capture(client);
  capture(Object.keys(client));
  captured.push(String(client), `${client.baseUrl}`);
  expect(Object.keys(client)).toEqual([]);

  capture(await client.send(makeBatch(1)));

  for (const fault of [
    { status: 400 },
    { status: 401 },
    { status: 429, retryAfter: 0, rateLimitExceeded: 'org' },
    { status: 503 },
    { stall: true as const },
    { reset: true as const },
  ]) {
    const handle = server.fault(fault);
    capture(await client.send(makeBatch(2)).catch((e: unknown) => e));
    handle.remove();
  }

  // 403 from the server itself: a wrong secret.
  capture(
    await make({ apiSecret: WRONG_SECRET })
      .send(makeBatch(3))
      .catch((e: unknown) => e),
  );

  // Connection refused: a loopback port nothing listens on.
  const refused = make({ baseUrl: 'http://127.0.0.1:1/v2' });
  capture(await refused.send(makeBatch(4)).catch((e: unknown) => e));

  // Cut short by close() at its deadline.
  const stalled = server.fault({ stall: true });
  const closing = make({ timeoutMs: 10_000 });
  void closing.enqueue(makeBatch(5));
  capture(await closing.close({ timeoutMs: 200 }));
  capture(closing);
  stalled.remove();

  // Bad options: the error names the option, never the value of a secret.
  try {
    new EventsClient({
      apiKey: API_KEY,
      apiSecret: API_SECRET,
      baseUrl: `https://${API_KEY}:${API_SECRET}@x.test/v2`,
    });
  } catch (error) {
    capture(error);
  }

  capture(await client.close());
  capture(client);

  expect(captured.length).toBeGreaterThan(50);
  const all = captured.join('\n');
  // The capture is real: it holds the errors and log lines it should.
  expect(all).toMatch(/BadRequestError/);
  expect(all).toMatch(/AuthenticationError/);
  expect(all).toMatch(/TimeoutError/);
  expect(all).toMatch(/ConnectionError/);
  expect(all).toMatch(/ClientClosedError/);
  expect(all).toMatch(/\[mparticle-events\]/);
  expect(all).toMatch(/rate-limited/); // the 'pace' event of the 429
  expect(all).toMatch(/KEY-…/);
  for (const secret of forbidden) expect(all).not.toContain(secret);
});
