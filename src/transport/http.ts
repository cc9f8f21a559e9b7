/**
 * One HTTP attempt: POST a body with ky, under a timeout that holds whatever the `fetch` does, and turn
 * the outcome into a response record or a `TimeoutError` / `ConnectionError`. Internal.
 *
 * ky's own retry and timeout are off: p-retry owns retries (src/client.ts), and the timeout here races
 * the whole attempt (headers and body) against a timer, so an injected fetch that ignores its abort
 * signal still cannot hold an attempt past `timeoutMs`. Response bodies are always read or cancelled,
 * late ones included (edge runtimes warn about bodies left unread; peer-sdks.md §5 point 6).
 */
import type { KyInstance } from 'ky';
import { ConnectionError, TimeoutError } from '../errors.js';
import type { NodeResponse, NodeTransport } from './node-http.js';
import type { FetchLike } from './options.js';
import { unrefTimer, whenAborted } from './timers.js';

/**
 * ky, loaded on first use. On Node the client sends with `node:http` and never needs it; importing ky
 * builds a `Request` to probe the runtime, which makes Node load undici (about 13 MB and 35 ms) for
 * nothing (docs/BENCHMARKS.md, "Findings that shaped the code").
 */
let kyLoading: Promise<KyInstance> | undefined;
function loadKy(): Promise<KyInstance> {
  kyLoading ??= import('ky').then((module) => {
    // The CommonJS build bundles ky as a chunk of its own; importing CommonJS gives its exports object as
    // `default`, with ky one level down.
    const found: unknown = module.default;
    return (typeof found === 'function' ? found : (found as { default: KyInstance }).default) as KyInstance;
  });
  return kyLoading;
}

/** What one attempt sends. */
export interface AttemptRequest {
  readonly url: string;
  /** The body: UTF-8 bytes as the client sends it (packing.ts `requestBody`), or text. */
  readonly body: string | Uint8Array<ArrayBuffer>;
  /** The full `Authorization` header value. */
  readonly authorization: string;
  readonly timeoutMs: number;
  /** Aborts the attempt at once, rejecting with the signal's reason (the client's close deadline). */
  readonly signal?: AbortSignal;
  readonly fetch?: FetchLike | undefined;
  /** `node:http`, when the runtime has it (src/transport/node-http.ts); not used when `fetch` is given. */
  readonly transport?: NodeTransport | undefined;
}

/** What the server answered. */
export interface AttemptResponse {
  readonly status: number;
  /** Response headers, names lower-cased. */
  readonly headers: Record<string, string>;
  /** The body parsed as JSON when it is JSON, else its text, else `undefined`. */
  readonly body: unknown;
}

/** The `Authorization` value for HTTP Basic with the key and secret, UTF-8 encoded (events-api.md §1.4). */
export function basicAuthorization(apiKey: string, apiSecret: string): string {
  const bytes = new TextEncoder().encode(`${apiKey}:${apiSecret}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * POST `body` once. Resolves with the response for any HTTP status; rejects with `TimeoutError` when
 * `timeoutMs` passes first, `ConnectionError` when no HTTP answer came, or the signal's reason when
 * `signal` aborts.
 */
export async function postOnce(request: AttemptRequest): Promise<AttemptResponse> {
  const method = 'POST';
  const { url, timeoutMs, signal } = request;
  if (signal?.aborted) throw signal.reason;

  const controller = new AbortController();
  const timedOut = new TimeoutError(method, url, timeoutMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(timedOut);
      reject(timedOut);
    }, timeoutMs);
    unrefTimer(timer);
  });
  timeout.catch(() => {});
  const outer = signal ? whenAborted(signal) : undefined;
  const onOuterAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  const losers = outer ? [timeout, outer.promise] : [timeout];
  const headers = {
    authorization: request.authorization,
    'content-type': 'application/json',
    accept: 'application/json',
  };

  const exchange =
    request.transport && !request.fetch
      ? nodeExchange(request.transport, url, request.body, headers, controller.signal)
      : fetchExchange(request, headers, controller.signal);
  let answered = false;
  try {
    const response = await exchange.answer(losers);
    answered = true;
    return { status: response.status, headers: response.headers, body: parseBody(response.text) };
  } catch (error) {
    if (error === timedOut) throw timedOut;
    if (signal?.aborted) throw signal.reason;
    throw new ConnectionError(method, url, error);
  } finally {
    clearTimeout(timer);
    outer?.dispose();
    signal?.removeEventListener('abort', onOuterAbort);
    if (!answered) {
      // The attempt was given up (timeout, abort) or failed while reading: abort it, and make sure a
      // response that arrives late, or a body half read, is let go rather than left holding the connection.
      controller.abort(timedOut);
      exchange.giveUp();
    }
  }
}

/** One attempt's HTTP exchange, whichever way it is sent. */
interface Exchange {
  /** The whole answer (status, headers, body text), or the first of `losers` to reject. */
  answer(losers: readonly Promise<never>[]): Promise<NodeResponse>;
  /** Let go of anything still arriving after the attempt was given up (its signal is aborted already). */
  giveUp(): void;
}

/** Over `node:http`: the aborted signal destroys the request and its connection, nothing more to do. */
function nodeExchange(
  transport: NodeTransport,
  url: string,
  body: AttemptRequest['body'],
  headers: Record<string, string>,
  signal: AbortSignal,
): Exchange {
  const posted = transport.post(url, body, headers, signal);
  // It may reject after losing the race (aborted at the timeout): that is handled, not unhandled.
  posted.catch(() => {});
  return { answer: (losers) => Promise.race([posted, ...losers]), giveUp: () => {} };
}

/** Through ky and `fetch`, reading the body with our own reader so a stalled one can be cancelled. */
function fetchExchange(
  request: AttemptRequest,
  headers: Record<string, string>,
  signal: AbortSignal,
): Exchange {
  const responsePromise = loadKy().then((ky) =>
    ky.post(request.url, {
      body: request.body,
      headers,
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      signal,
      ...(request.fetch ? { fetch: request.fetch } : {}),
    }),
  );
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    async answer(losers) {
      const response = await Promise.race([responsePromise, ...losers]);
      // Our own reader, so a body that stalls can be cancelled even when the fetch does not tie it to the
      // abort signal.
      reader = response.body?.getReader();
      const text = reader ? await Promise.race([readAll(reader), ...losers]) : '';
      const names: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        names[name.toLowerCase()] = value;
      });
      return { status: response.status, headers: names, text };
    },
    giveUp() {
      if (reader) reader.cancel().catch(() => {});
      else {
        responsePromise.then(
          (late) => late.body?.cancel().catch(() => {}),
          () => {},
        );
      }
    },
  };
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
