/**
 * The client's HTTP on Node: `node:http` and `node:https` with a keep-alive agent per client. Internal.
 *
 * On Node, ky and `fetch` cost four to six times the CPU of `node:http` for a full bulk request (ky builds
 * a `Request` and clones it for every attempt, undici moves the body through web streams): 1.2–1.8 ms
 * against 0.2–0.3 ms per 254 kB POST, a third of the client's time in the throughput benchmark, and
 * each body held three times until the garbage collector frees the copies (docs/BENCHMARKS.md, "Findings
 * that shaped the code"). So on Node the client sends with `node:http`; ky and `fetch` send everywhere
 * else (edge runtimes, browsers), and whenever the caller passes its own `fetch`.
 *
 * The modules are looked up with `process.getBuiltinModule` (Node 20.16+), not imported: the core bundle
 * stays free of Node imports and runs unchanged where there is no `node:http` (test/client/edge.test.ts).
 *
 * @module
 */

// The few parts of `node:http` / `node:https` used here, typed locally: the core imports nothing of Node's,
// not even types.
interface IncomingLike {
  readonly statusCode?: number | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

interface ClientRequestLike {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  end(body: string | Uint8Array): unknown;
}

interface AgentLike {
  destroy(): void;
}

interface HttpModuleLike {
  Agent: new (options: { keepAlive: boolean; maxSockets: number; timeout: number }) => AgentLike;
  request(
    url: string,
    options: { method: string; agent: AgentLike; signal: AbortSignal; headers: Record<string, string> },
    callback: (response: IncomingLike) => void,
  ): ClientRequestLike;
}

/** What one POST answered. */
export interface NodeResponse {
  readonly status: number;
  /** Response headers, names lower-cased; repeated headers joined with `, `. */
  readonly headers: Record<string, string>;
  readonly text: string;
}

/** Sends POSTs over keep-alive connections; `close()` ends them. */
export interface NodeTransport {
  post(
    url: string,
    body: string | Uint8Array,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<NodeResponse>;
  /** Close every connection, idle or not. */
  close(): void;
}

type GetBuiltinModule = (id: string) => unknown;

/**
 * How long a connection may sit idle before the client closes it. Shorter than the 5 s servers commonly
 * keep an idle connection (Node's own default), so the client does not send on a connection the server is
 * closing at that moment; undici's default is the same 4 s.
 */
export const IDLE_CONNECTION_MS = 4_000;

/**
 * A transport over `node:http` / `node:https`, or `undefined` where they are not available. At most
 * `maxSockets` connections per host and protocol, each closed after `idleMs` unused; idle connections do
 * not keep the process alive (Node's agent unrefs a socket while it waits in the pool). The agent's
 * timeout only closes idle connections: a slow answer is the attempt timeout's business (http.ts).
 */
export function createNodeTransport(
  maxSockets: number,
  idleMs = IDLE_CONNECTION_MS,
): NodeTransport | undefined {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: GetBuiltinModule } }).process
    ?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return undefined;
  let http: HttpModuleLike | undefined;
  let https: HttpModuleLike | undefined;
  try {
    // Bare names (Node accepts both): the bundle carries no `node:` specifier for edge bundlers to refuse.
    http = getBuiltinModule('http') as HttpModuleLike | undefined;
    https = getBuiltinModule('https') as HttpModuleLike | undefined;
  } catch {
    return undefined;
  }
  if (!http?.request || !https?.request) return undefined;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets, timeout: idleMs });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets, timeout: idleMs });

  return {
    post(url, body, headers, signal) {
      return new Promise<NodeResponse>((resolve, reject) => {
        const secure = url.startsWith('https:');
        const request = (secure ? https : http).request(
          url,
          {
            method: 'POST',
            agent: secure ? httpsAgent : httpAgent,
            signal,
            headers: {
              ...headers,
              'content-length': String(typeof body === 'string' ? utf8Length(body) : body.byteLength),
            },
          },
          (response: IncomingLike) => {
            // Chunks are decoded once at the end: most answers (202) have no body at all.
            const chunks: Uint8Array[] = [];
            response.on('data', (chunk: Uint8Array) => {
              chunks.push(chunk);
            });
            response.on('end', () => {
              const text = chunks.length === 0 ? '' : decode(chunks);
              resolve({ status: response.statusCode ?? 0, headers: flatHeaders(response.headers), text });
            });
            // A connection closed mid-body, or the signal aborted while reading.
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function decode(chunks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder();
  let text = '';
  for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

function flatHeaders(headers: IncomingLike['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
