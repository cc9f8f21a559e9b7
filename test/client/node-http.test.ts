/**
 * The Node transport (src/transport/node-http.ts) against a plain node:http server the test controls:
 * what it sends and reads, keep-alive, and every way an attempt can end early.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsClient } from '../../src/client.js';
import { ConnectionError, TimeoutError } from '../../src/errors.js';
import { basicAuthorization, postOnce } from '../../src/transport/http.js';
import { createNodeTransport } from '../../src/transport/node-http.js';
import { makeBatch } from './support.js';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  socket: Socket;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
const sockets = new Set<Socket>();
const closedSockets = new Set<Socket>();

function route(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  switch (request.url) {
    case '/ok':
      response.writeHead(202, [
        ['Content-Type', 'application/json'],
        ['X-Multi', 'a'],
        ['X-Multi', 'b'],
      ]);
      response.end('{"ok":true}');
      return;
    case '/echo':
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`${request.headers['content-length']}:${body.toString('utf8')}`);
      return;
    case '/stall':
      return; // never answers
    case '/half':
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      return; // never finishes the body
    case '/reset':
      request.socket.destroy();
      return;
    default:
      // The client's endpoints.
      response.writeHead(202, { 'content-length': '0' });
      response.end();
  }
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ path: request.url ?? '', headers: request.headers, body, socket: request.socket });
      route(request, response, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => closedSockets.add(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const authorization = basicAuthorization('key', 'secret');
const headers = { authorization, 'content-type': 'application/json', accept: 'application/json' };

function transport() {
  const t = createNodeTransport(4);
  if (!t) throw new Error('node:http should be available in Node');
  return t;
}

describe('createNodeTransport', () => {
  it('posts bytes or text with the right Content-Length and reads status, headers and body', async () => {
    const t = transport();
    try {
      const ok = await t.post(
        `${base}/ok`,
        new TextEncoder().encode('{"a":1}'),
        headers,
        new AbortController().signal,
      );
      expect(ok).toEqual({
        status: 202,
        headers: expect.objectContaining({ 'content-type': 'application/json', 'x-multi': 'a, b' }),
        text: '{"ok":true}',
      });
      const text = '{"name":"é😀"}';
      const echoed = await t.post(`${base}/echo`, text, headers, new AbortController().signal);
      expect(echoed.text).toBe(`${new TextEncoder().encode(text).length}:${text}`);
      const last = seen.at(-1) as Seen;
      expect(last.headers.authorization).toBe(authorization);
      expect(last.headers['content-type']).toBe('application/json');
    } finally {
      t.close();
    }
  });

  it('keeps one connection alive across requests, and close() ends it', async () => {
    const t = transport();
    const before = seen.length;
    await t.post(`${base}/ok`, '{}', headers, new AbortController().signal);
    await t.post(`${base}/ok`, '{}', headers, new AbortController().signal);
    const [first, second] = seen.slice(before) as [Seen, Seen];
    expect(second.socket).toBe(first.socket);
    expect(closedSockets.has(first.socket)).toBe(false);
    t.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedSockets.has(first.socket)).toBe(true);
  });

  it('closes a connection left idle, but not one waiting on a slow answer', async () => {
    const t = createNodeTransport(4, 100);
    if (!t) throw new Error('node:http should be available in Node');
    try {
      const before = seen.length;
      // '/echo' answers at once; the connection then sits idle past 100 ms and is closed.
      await t.post(`${base}/echo`, '{}', headers, new AbortController().signal);
      const socket = (seen[before] as Seen).socket;
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(closedSockets.has(socket)).toBe(true);
      // A request still waiting past the idle time is not cut: it ends by its own signal.
      const controller = new AbortController();
      const slow = t.post(`${base}/stall`, '{}', headers, controller.signal);
      const outcome = slow.then(
        () => 'answered',
        () => 'aborted',
      );
      await new Promise((resolve) => setTimeout(resolve, 400));
      const waiting = seen.at(-1) as Seen;
      expect(closedSockets.has(waiting.socket)).toBe(false);
      controller.abort();
      expect(await outcome).toBe('aborted');
    } finally {
      t.close();
    }
  });

  it('is undefined where the runtime has no process.getBuiltinModule (edge runtimes)', () => {
    const original = process.getBuiltinModule;
    try {
      (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      expect(createNodeTransport(4)).toBeUndefined();
    } finally {
      process.getBuiltinModule = original;
    }
  });
});

describe('postOnce over node:http', () => {
  it('parses a JSON body', async () => {
    const t = transport();
    try {
      const response = await postOnce({
        url: `${base}/ok`,
        body: '{}',
        authorization,
        timeoutMs: 1_000,
        transport: t,
      });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ ok: true });
    } finally {
      t.close();
    }
  });

  it('times out on a server that never answers, or stops mid-body, and ends that connection', async () => {
    const t = transport();
    try {
      for (const path of ['/stall', '/half']) {
        const before = seen.length;
        const started = Date.now();
        const attempt = postOnce({
          url: `${base}${path}`,
          body: '{}',
          authorization,
          timeoutMs: 150,
          transport: t,
        });
        await expect(attempt).rejects.toBeInstanceOf(TimeoutError);
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(140);
        expect(elapsed).toBeLessThan(2_000);
        const socket = (seen.slice(before)[0] as Seen).socket;
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(closedSockets.has(socket)).toBe(true);
      }
    } finally {
      t.close();
    }
  });

  it('turns a reset connection into a ConnectionError, and an outer abort into its reason', async () => {
    const t = transport();
    try {
      await expect(
        postOnce({ url: `${base}/reset`, body: '{}', authorization, timeoutMs: 1_000, transport: t }),
      ).rejects.toBeInstanceOf(ConnectionError);
      const controller = new AbortController();
      const reason = new Error('closing');
      const attempt = postOnce({
        url: `${base}/stall`,
        body: '{}',
        authorization,
        timeoutMs: 5_000,
        signal: controller.signal,
        transport: t,
      });
      setTimeout(() => controller.abort(reason), 30);
      await expect(attempt).rejects.toBe(reason);
    } finally {
      t.close();
    }
  });
});

describe('EventsClient transport choice', () => {
  it('sends with node:http on Node, and with fetch when one is given', async () => {
    // undici's fetch adds `sec-fetch-mode`; node:http sends only the headers it is given.
    const viaNode = new EventsClient({
      apiKey: 'k',
      apiSecret: 's',
      baseUrl: `${base}/v2`,
      rateLimit: false,
    });
    const viaFetch = new EventsClient({
      apiKey: 'k',
      apiSecret: 's',
      baseUrl: `${base}/v2`,
      rateLimit: false,
      fetch: globalThis.fetch,
    });
    try {
      let before = seen.length;
      expect((await viaNode.send(makeBatch(1))).accepted).toBe(1);
      expect((seen.slice(before)[0] as Seen).headers['sec-fetch-mode']).toBeUndefined();
      before = seen.length;
      expect((await viaFetch.send(makeBatch(2))).accepted).toBe(1);
      expect((seen.slice(before)[0] as Seen).headers['sec-fetch-mode']).toBe('cors');
    } finally {
      await viaNode.close();
      await viaFetch.close();
    }
  });
});

describe('loading', () => {
  it('importing the package and making a client on Node loads neither undici (ky) nor bottleneck (only a fetch option, an edge runtime or rateLimit.redis needs them)', async () => {
    const { build } = await import('esbuild');
    const { mkdir, mkdtemp, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { execFile } = await import('node:child_process');
    // Inside the repository, so the bundle's external packages resolve from its node_modules.
    const root = new URL('../..', import.meta.url).pathname;
    await mkdir(join(root, '.tmp'), { recursive: true });
    const dir = await mkdtemp(join(root, '.tmp', 'load-'));
    try {
      const entry = join(dir, 'sdk.mjs');
      await build({
        entryPoints: [new URL('../../src/index.ts', import.meta.url).pathname],
        outfile: entry,
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        logLevel: 'silent',
        absWorkingDir: root,
      });
      const script = `
        const { createRequire } = await import('node:module');
        const sdk = await import(${JSON.stringify(entry)});
        const client = new sdk.EventsClient({ apiKey: 'k', apiSecret: 's', baseUrl: 'http://127.0.0.1:9/v2' });
        const undici = process.moduleLoadList.some((m) => m.includes('undici'));
        const cache = Object.keys(createRequire(import.meta.url).cache);
        const bottleneck = cache.some((path) => path.includes('/bottleneck/'));
        await client.close();
        console.log(JSON.stringify({ undici, bottleneck, exported: typeof sdk.EventsClient }));`;
      const out = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: dir }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        ),
      );
      expect(JSON.parse(out)).toEqual({ undici: false, bottleneck: false, exported: 'function' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
