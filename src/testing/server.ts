/**
 * The fake Events API server: a real HTTP server on loopback that answers like mParticle
 * (events-api.md), records what it received, and injects faults on demand.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ConfigurationError, MParticleEventsError } from '../errors.js';
import { parseJsonLossless } from '../internal/int64.js';
import { MAX_BATCHES_PER_REQUEST, MAX_REQUEST_BYTES } from '../limits.js';
import { type AuthResult, CredentialStore } from './auth.js';
import { type ActiveFault, FaultRegistry } from './faults.js';
import { RateWindow } from './rate-window.js';
import {
  batchProblems,
  countBatches,
  describeBadBatch,
  errorBody,
  isObject,
  pathOf,
  type Route,
  routeOf,
} from './rules.js';
import type {
  FakeCredentials,
  FakeEventsApi,
  FakeEventsApiOptions,
  FakeEventsApiStats,
  FaultHandle,
  FaultSpec,
  ReceivedBatch,
  ReceivedRequest,
} from './types.js';

/**
 * Start a fake of mParticle's Events API on a real HTTP server (127.0.0.1, a free port), for tests and
 * demos.
 *
 * It behaves as events-api.md describes the real service: `POST /v2/events` takes one batch,
 * `POST /v2/bulkevents` and `/v2/bulkevents/historical` take an array of at most 100; HTTP Basic auth is
 * checked (401 when missing, 403 when wrong); each batch is validated with the SDK's own rules, and a
 * request with any bad batch gets 400 with mParticle's `{"errors":[{"code","message"}]}` body naming each
 * bad batch's index and path; a body over 256,000 bytes gets 413; success is 202 with an empty body.
 * Repeated `source_request_id`s are counted. Other paths get 404, other methods 405, and a
 * `Content-Encoding` other than identity 415 (gzip support is unknown, events-api.md §9 question 1).
 *
 * Where mParticle's behaviour is unknown, the fake is strict, so a client's mistake shows in tests: a bulk
 * request with one bad batch is refused whole (mParticle may answer 202 and drop it, events-api.md §1.2),
 * and the historical rules give 400 rather than a silent drop.
 *
 * Faults ({@link FakeEventsApi.fault}) make it answer a status (with `Retry-After` and rate-limit
 * headers), delay, stall or reset connections, for the next N requests or a random fraction of them.
 *
 * @param options - credentials, limits, what to record; every field has a default.
 * @returns the running server; `await server.close()` when done.
 * @throws `ConfigurationError` (as a rejection) when an option is invalid; its `option` names it.
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi({ credentials: { apiKey: 'key', apiSecret: 'secret' } });
 * const response = await fetch(`${server.url}/events`, {
 *   method: 'POST',
 *   headers: {
 *     authorization: `Basic ${btoa('key:secret')}`,
 *     'content-type': 'application/json',
 *   },
 *   body: JSON.stringify({ environment: 'development', user_identities: { customer_id: '42' }, events: [] }),
 * });
 * console.log(response.status, server.batches.length); // 202 1
 * await server.close();
 * ```
 */
export async function startFakeEventsApi(options: FakeEventsApiOptions = {}): Promise<FakeEventsApi> {
  const resolved = resolveOptions(options);
  let validateBatch: ((batch: unknown) => void) | undefined;
  if (resolved.validate) validateBatch = options.validateBatch ?? (await loadParseBatch());
  const fake = new FakeServer(resolved, validateBatch);
  await fake.listen(resolved.host, resolved.port);
  return fake;
}

/** The SDK's own batch check, loaded only when a server validates with it. */
async function loadParseBatch(): Promise<(batch: unknown) => void> {
  const { parseBatch } = await import('../batch/parse.js');
  return (batch) => {
    parseBatch(batch);
  };
}

interface ResolvedOptions {
  credentials: FakeCredentials[];
  validate: boolean;
  maxRequestBytes: number;
  maxBatchesPerRequest: number;
  rateLimitPercentageUsed: (() => number) | undefined;
  rateLimit: { batchesPerSecond: number; retryAfter: number | false } | undefined;
  recordBodies: boolean;
  random: () => number;
  host: string;
  port: number;
}

function resolveOptions(options: FakeEventsApiOptions): ResolvedOptions {
  const list = options.credentials === undefined ? [DEFAULT_CREDENTIALS] : [options.credentials].flat();
  if (list.length === 0) throw new ConfigurationError('credentials', 'give at least one key/secret pair');
  list.forEach((pair, i) => {
    for (const field of ['apiKey', 'apiSecret'] as const) {
      const value: unknown = pair?.[field];
      if (typeof value !== 'string' || value === '' || (field === 'apiKey' && value.includes(':'))) {
        const what = field === 'apiKey' ? 'a non-empty string without ":"' : 'a non-empty string';
        throw new ConfigurationError(`credentials[${i}].${field}`, `expected ${what}`);
      }
    }
  });
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value <= 0) throw new ConfigurationError(name, 'expected an integer > 0');
    return value;
  };
  const { rateLimitPercentageUsed: used, rateLimit, random, port, host, validateBatch } = options;
  if (used !== undefined && typeof used !== 'function' && !Number.isFinite(used)) {
    throw new ConfigurationError('rateLimitPercentageUsed', 'expected a number or a function');
  }
  if (rateLimit !== undefined) {
    if (!(Number.isFinite(rateLimit?.batchesPerSecond) && rateLimit.batchesPerSecond > 0)) {
      throw new ConfigurationError('rateLimit.batchesPerSecond', 'expected a number > 0');
    }
    const retryAfter = rateLimit.retryAfter;
    if (
      retryAfter !== undefined &&
      retryAfter !== false &&
      !(Number.isInteger(retryAfter) && retryAfter >= 0)
    ) {
      throw new ConfigurationError('rateLimit.retryAfter', 'expected whole seconds >= 0 or false');
    }
  }
  if (random !== undefined && typeof random !== 'function') {
    throw new ConfigurationError('random', 'expected a function returning numbers in [0, 1)');
  }
  if (validateBatch !== undefined && typeof validateBatch !== 'function') {
    throw new ConfigurationError('validateBatch', 'expected a function');
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new ConfigurationError('port', 'expected an integer between 0 and 65535');
  }
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    throw new ConfigurationError('host', 'expected a host name or address');
  }
  return {
    credentials: list.map(({ apiKey, apiSecret }) => ({ apiKey, apiSecret })),
    validate: options.validate ?? true,
    maxRequestBytes: positive('maxRequestBytes', options.maxRequestBytes, MAX_REQUEST_BYTES),
    maxBatchesPerRequest: positive(
      'maxBatchesPerRequest',
      options.maxBatchesPerRequest,
      MAX_BATCHES_PER_REQUEST,
    ),
    rateLimitPercentageUsed: used === undefined ? undefined : typeof used === 'function' ? used : () => used,
    rateLimit: rateLimit && {
      batchesPerSecond: rateLimit.batchesPerSecond,
      retryAfter: rateLimit.retryAfter ?? 1,
    },
    recordBodies: options.recordBodies ?? true,
    random: random ?? Math.random,
    host: host ?? '127.0.0.1',
    port: port ?? 0,
  };
}

const DEFAULT_CREDENTIALS: FakeCredentials = { apiKey: 'test-key', apiSecret: 'test-secret' };
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;
const WAIT_POLL_MS = 10;
const DEFAULT_WAIT_MS = 5000;

/** A request whose body has been read, on its way to an answer. */
interface Pending {
  req: IncomingMessage;
  res: ServerResponse;
  record: ReceivedRequest;
  route: Route | undefined;
  auth: AuthResult;
  /** `undefined` when the body was over the size limit. */
  text: string | undefined;
  parsed: { ok: true; value: unknown } | { ok: false; message: string } | undefined;
}

/** What the rules say about a request: refuse it with a status and messages, or accept its batches. */
type Verdict =
  | { status: number; messages: string[]; headers?: Record<string, string> }
  | { batches: Record<string, unknown>[] };

function refuse(status: number, messages: string | string[], headers?: Record<string, string>): Verdict {
  return { status, messages: [messages].flat(), ...(headers ? { headers } : {}) };
}

interface Waiter {
  check(): void;
  fail(error: Error): void;
}

class FakeServer implements FakeEventsApi {
  readonly #options: ResolvedOptions;
  readonly #validateBatch: ((batch: unknown) => void) | undefined;
  readonly #credentials: CredentialStore;
  readonly #faults: FaultRegistry;
  readonly #window = new RateWindow();
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #waiters = new Set<Waiter>();
  readonly #requests: ReceivedRequest[] = [];
  readonly #batches: ReceivedBatch[] = [];
  /** `apiKey \n source_request_id`: mParticle deduplicates per API key (events-api.md §1.7). */
  readonly #seen = new Set<string>();
  readonly #ids = new Set<string>();
  #counts = { requests: 0, acceptedBatches: 0, rejectedBatches: 0, duplicateBatches: 0 };
  #nextId = 0;
  #origin = '';
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedOptions, validateBatch: ((batch: unknown) => void) | undefined) {
    this.#options = options;
    this.#validateBatch = validateBatch;
    this.#credentials = new CredentialStore(options.credentials);
    this.#faults = new FaultRegistry(options.random);
    this.#server = createServer((req, res) => this.#onRequest(req, res));
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        const address = this.#server.address();
        const actualPort = typeof address === 'object' && address ? address.port : port;
        this.#origin = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
        resolve();
      });
    });
  }

  get url(): string {
    return `${this.#origin}/v2`;
  }

  get origin(): string {
    return this.#origin;
  }

  get batches(): ReceivedBatch[] {
    return this.#batches;
  }

  get requests(): ReceivedRequest[] {
    return this.#requests;
  }

  get stats(): FakeEventsApiStats {
    return { ...this.#counts, uniqueSourceRequestIds: this.#ids.size };
  }

  sourceRequestIds(): Set<string> {
    return new Set(this.#ids);
  }

  fault(spec: FaultSpec): FaultHandle {
    return this.#faults.add(spec);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  reset(): void {
    this.#requests.length = 0;
    this.#batches.length = 0;
    this.#seen.clear();
    this.#ids.clear();
    this.#window.clear();
    this.#counts = { requests: 0, acceptedBatches: 0, rejectedBatches: 0, duplicateBatches: 0 };
  }

  waitFor(
    predicate: (server: FakeEventsApi) => boolean,
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    return new Promise((resolve, reject) => {
      let poll: NodeJS.Timeout | undefined;
      let deadline: NodeJS.Timeout | undefined;
      const finish = (error?: unknown) => {
        clearInterval(poll);
        clearTimeout(deadline);
        this.#waiters.delete(waiter);
        if (error === undefined) resolve();
        else reject(error);
      };
      const waiter: Waiter = {
        check: () => {
          try {
            if (predicate(this)) finish();
          } catch (error) {
            finish(error ?? new Error('waitFor predicate threw'));
          }
        },
        fail: (error) => finish(error),
      };
      if (this.#closing) return reject(new MParticleEventsError('waitFor: the fake server is closed'));
      this.#waiters.add(waiter);
      waiter.check();
      if (!this.#waiters.has(waiter)) return;
      poll = setInterval(waiter.check, WAIT_POLL_MS);
      deadline = setTimeout(
        () => finish(new MParticleEventsError(`waitFor: condition not met within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      for (const waiter of [...this.#waiters])
        waiter.fail(new MParticleEventsError('waitFor: the fake server closed'));
      // close() stops accepting; the open, delayed and stalled connections are destroyed so it finishes now.
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter.check();
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = Date.now();
    const path = pathOf(req.url);
    const auth = this.#credentials.check(req.headers.authorization);
    const record: ReceivedRequest = {
      id: ++this.#nextId,
      method: req.method ?? 'GET',
      path,
      apiKey: auth.apiKey,
      bodyBytes: 0,
      batchCount: 0,
      status: 0,
      receivedAt,
    };
    this.#requests.push(record);
    this.#counts.requests++;

    const limit = this.#options.maxRequestBytes;
    const chunks: Buffer[] = [];
    let bytes = 0;
    // Read a body past the limit to its end, keeping none of it, so the 413 reaches a client that is
    // still writing and the connection stays usable.
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('error', () => this.#notify());
    req.on('end', () => {
      record.bodyBytes = bytes;
      const route = routeOf(path);
      const text = bytes <= limit ? Buffer.concat(chunks, bytes).toString('utf8') : undefined;
      const pending: Pending = { req, res, record, route, auth, text, parsed: undefined };
      if (route !== undefined && text !== undefined && record.method === 'POST') {
        pending.parsed = parseBody(text);
        if (pending.parsed.ok) record.batchCount = countBatches(route, pending.parsed.value);
      }
      this.#dispatch(pending);
    });
  }

  /** Apply the first matching fault, if any, else handle normally. */
  #dispatch(pending: Pending): void {
    const fault = this.#faults.take({ path: pending.record.path, apiKey: pending.auth.apiKey });
    if (!fault) {
      this.#handle(pending);
      return;
    }
    pending.record.fault = fault.description;
    const delayMs = fault.spec.delayMs;
    if (delayMs === undefined || fault.spec.stall) {
      this.#applyFault(pending, fault);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#applyFault(pending, fault);
    }, delayMs);
    this.#timers.add(timer);
  }

  #applyFault(pending: Pending, fault: ActiveFault): void {
    const { spec } = fault;
    if (spec.stall) {
      // Never answer; close() destroys the socket.
      this.#notify();
    } else if (spec.reset) {
      pending.req.socket.destroy();
      this.#notify();
    } else if (spec.status === undefined) {
      this.#handle(pending);
    } else {
      const headers: Record<string, string> = {};
      if (spec.retryAfter !== undefined) headers['Retry-After'] = String(spec.retryAfter);
      if (spec.rateLimitExceeded !== undefined) headers['X-mp-rate-limit-exceeded'] = spec.rateLimitExceeded;
      let body = '';
      if (spec.body !== undefined) {
        body = typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
        if (typeof spec.body !== 'string') Object.assign(headers, JSON_HEADERS);
      } else if (spec.status >= 400) {
        body = errorBody(spec.status, `Injected fault: ${fault.description}`);
        Object.assign(headers, JSON_HEADERS);
      }
      Object.assign(headers, spec.headers);
      this.#respond(pending, spec.status, headers, body);
    }
  }

  /** Answer as the real service would: refuse with an mParticle error body, or accept with 202. */
  #handle(pending: Pending): void {
    const verdict = this.#judge(pending);
    if ('batches' in verdict) {
      this.#accept(pending, verdict.batches);
    } else {
      const body = errorBody(verdict.status, ...verdict.messages);
      this.#respond(pending, verdict.status, { ...JSON_HEADERS, ...verdict.headers }, body);
    }
  }

  /** The real service's rules, in the order it checks them: route, method, auth, size, JSON, batches. */
  #judge(pending: Pending): Verdict {
    const { record, route, auth, parsed, req } = pending;
    if (route === undefined) return refuse(404, `No such endpoint: ${record.path}`);
    if (record.method !== 'POST') return refuse(405, `Use POST for ${record.path}`, { Allow: 'POST' });
    if (!auth.ok) return refuse(auth.status, auth.message);
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      // Whether mParticle takes compressed bodies is unknown (events-api.md §9 question 1).
      return refuse(415, `Content-Encoding "${encoding}" is not supported`);
    }
    if (pending.text === undefined) {
      // The real status is unknown (events-api.md §9 question 2); the fake chooses 413.
      const limit = this.#options.maxRequestBytes;
      return refuse(413, `Request body is ${record.bodyBytes} bytes; the limit is ${limit} bytes`);
    }
    if (!parsed?.ok) return refuse(400, parsed?.message ?? 'Malformed JSON');

    const body = parsed.value;
    let batches: unknown[];
    if (route === 'events') {
      if (!isObject(body)) return refuse(400, '/v2/events takes one batch object');
      batches = [body];
    } else {
      if (!Array.isArray(body)) return refuse(400, `${record.path} takes a JSON array of batches`);
      if (body.length === 0) return refuse(400, 'The request contains no batches');
      const max = this.#options.maxBatchesPerRequest;
      // events-api.md §1.2: at most 100 batches per bulk request.
      if (body.length > max)
        return refuse(400, `The request has ${body.length} batches; at most ${max} are allowed`);
      batches = body;
    }

    const now = Date.now();
    const bad: string[] = [];
    batches.forEach((batch, index) => {
      const problems = batchProblems(batch, this.#validateBatch, route === 'historical', now);
      if (problems.length > 0) bad.push(describeBadBatch(route === 'events' ? undefined : index, problems));
    });
    if (bad.length > 0) return refuse(400, bad);

    const rateLimit = this.#options.rateLimit;
    if (rateLimit && !this.#window.admit(batches.length, rateLimit.batchesPerSecond, now)) {
      const headers: Record<string, string> = { 'X-mp-rate-limit-exceeded': 'org' };
      if (rateLimit.retryAfter !== false) headers['Retry-After'] = String(rateLimit.retryAfter);
      return refuse(429, `Over the rate limit of ${rateLimit.batchesPerSecond} batches per second`, headers);
    }
    return { batches: batches as Record<string, unknown>[] };
  }

  #accept(pending: Pending, batches: Record<string, unknown>[]): void {
    const { record } = pending;
    const apiKey = pending.auth.apiKey as string;
    const keep = this.#options.recordBodies;
    for (const batch of batches) {
      const id = typeof batch.source_request_id === 'string' ? batch.source_request_id : undefined;
      if (id !== undefined) {
        const scoped = `${apiKey}\n${id}`;
        if (this.#seen.has(scoped)) this.#counts.duplicateBatches++;
        else this.#seen.add(scoped);
        this.#ids.add(id);
      }
      this.#batches.push({
        batch: keep ? batch : undefined,
        sourceRequestId: id,
        path: record.path,
        receivedAt: record.receivedAt,
        requestId: record.id,
        apiKey,
      });
    }
    this.#counts.acceptedBatches += batches.length;
    // events-api.md §1.5: 202 Accepted, no body.
    this.#respond(pending, 202, {}, '');
  }

  #respond(pending: Pending, status: number, headers: Record<string, string>, body: string): void {
    const { record, res } = pending;
    record.status = status;
    record.respondedAt = Date.now();
    if (status >= 400) this.#counts.rejectedBatches += record.batchCount;
    if (status >= 200 && status < 300) {
      const used = this.#percentageUsed(record.respondedAt);
      if (used !== undefined) headers['X-mp-rate-limit-percentage-used'] = String(used);
    }
    if (!res.destroyed && !res.writableEnded) {
      res.writeHead(status, headers);
      res.end(body);
    }
    this.#notify();
  }

  /** `X-mp-rate-limit-percentage-used` for a 2xx (events-api.md §1.5), when the server has one. */
  #percentageUsed(now: number): number | undefined {
    const { rateLimitPercentageUsed, rateLimit } = this.#options;
    let value: number | undefined;
    if (rateLimitPercentageUsed) {
      try {
        value = rateLimitPercentageUsed();
      } catch {
        value = undefined;
      }
    } else if (rateLimit) value = (100 * this.#window.used(now)) / rateLimit.batchesPerSecond;
    return value !== undefined && Number.isFinite(value) ? Math.max(0, Math.round(value)) : undefined;
  }
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: parseJsonLossless(text) };
  } catch (error) {
    return {
      ok: false,
      message: `Malformed JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
