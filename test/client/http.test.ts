import { describe, expect, it } from 'vitest';
import { ConnectionError, TimeoutError } from '../../src/errors.js';
import { basicAuthorization, postOnce } from '../../src/transport/http.js';
import type { FetchLike } from '../../src/transport/options.js';

const url = 'http://127.0.0.1:9/v2/events';
const authorization = basicAuthorization('key', 'secret');

describe('basicAuthorization', () => {
  it('matches the docs example (events-api.md §1.4) and encodes UTF-8', () => {
    expect(basicAuthorization('example-api-key', 'example-api-secret')).toBe(
      'Basic ZXhhbXBsZS1hcGkta2V5OmV4YW1wbGUtYXBpLXNlY3JldA==',
    );
    const decoded = new TextDecoder().decode(
      Uint8Array.from(atob(basicAuthorization('clé', 'sécret').slice(6)), (c) => c.charCodeAt(0)),
    );
    expect(decoded).toBe('clé:sécret');
  });
});

describe('postOnce', () => {
  it('sends the body with auth and JSON headers, and parses a JSON error body', async () => {
    let seen: Request | undefined;
    let sentBody = '';
    const fetch: FetchLike = async (input) => {
      seen = input as Request;
      sentBody = await seen.text();
      return new Response('{"errors":[{"code":"BAD_REQUEST","message":"nope"}]}', {
        status: 400,
        headers: { 'X-Mp-Rate-Limit-Percentage-Used': '12' },
      });
    };
    const response = await postOnce({ url, body: '{"a":1}', authorization, timeoutMs: 1_000, fetch });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ code: 'BAD_REQUEST', message: 'nope' }] });
    expect(response.headers['x-mp-rate-limit-percentage-used']).toBe('12');
    expect(seen?.method).toBe('POST');
    expect(seen?.headers.get('authorization')).toBe(authorization);
    expect(seen?.headers.get('content-type')).toBe('application/json');
    expect(sentBody).toBe('{"a":1}');
  });

  it('gives undefined for an empty body and the text for a non-JSON one', async () => {
    const empty: FetchLike = async () => new Response(null, { status: 202 });
    expect(
      (await postOnce({ url, body: '{}', authorization, timeoutMs: 1_000, fetch: empty })).body,
    ).toBeUndefined();
    const text: FetchLike = async () => new Response('Bad Gateway', { status: 502 });
    expect((await postOnce({ url, body: '{}', authorization, timeoutMs: 1_000, fetch: text })).body).toBe(
      'Bad Gateway',
    );
  });

  it('times out even when the fetch ignores the abort signal', async () => {
    const ignoresSignal: FetchLike = () => new Promise<Response>(() => {});
    const started = Date.now();
    const attempt = postOnce({ url, body: '{}', authorization, timeoutMs: 100, fetch: ignoresSignal });
    await expect(attempt).rejects.toBeInstanceOf(TimeoutError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('times out when headers arrive but the body stalls, and cancels that body', async () => {
    let cancelled = false;
    const stallingBody: FetchLike = async () =>
      new Response(
        new ReadableStream({
          pull: () => new Promise(() => {}),
          cancel: () => {
            cancelled = true;
          },
        }),
        { status: 202 },
      );
    await expect(
      postOnce({ url, body: '{}', authorization, timeoutMs: 100, fetch: stallingBody }),
    ).rejects.toBeInstanceOf(TimeoutError);
    await new Promise((r) => setTimeout(r, 20));
    expect(cancelled).toBe(true);
  });

  it('cancels the body of a response that arrives after the timeout', async () => {
    let cancelled = false;
    const late: FetchLike = () =>
      new Promise((resolve) =>
        setTimeout(
          () =>
            resolve(
              new Response(
                new ReadableStream({
                  start: (c) => c.enqueue(new TextEncoder().encode('{}')),
                  cancel: () => {
                    cancelled = true;
                  },
                }),
                { status: 202 },
              ),
            ),
          150,
        ),
      );
    await expect(
      postOnce({ url, body: '{}', authorization, timeoutMs: 50, fetch: late }),
    ).rejects.toBeInstanceOf(TimeoutError);
    await new Promise((r) => setTimeout(r, 200));
    expect(cancelled).toBe(true);
  });

  it('wraps a network failure in ConnectionError, keeping the cause', async () => {
    const cause = new TypeError('fetch failed');
    const failing: FetchLike = async () => {
      throw cause;
    };
    const error = await postOnce({ url, body: '{}', authorization, timeoutMs: 1_000, fetch: failing }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.cause).toBe(cause);
    expect(error.url).toBe(url);
  });

  it('rejects with the signal reason when the caller aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('closing');
    const never: FetchLike = () => new Promise(() => {});
    const attempt = postOnce({
      url,
      body: '{}',
      authorization,
      timeoutMs: 5_000,
      fetch: never,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 20);
    await expect(attempt).rejects.toBe(reason);
    await expect(
      postOnce({ url, body: '{}', authorization, timeoutMs: 5_000, fetch: never, signal: controller.signal }),
    ).rejects.toBe(reason);
  });
});
