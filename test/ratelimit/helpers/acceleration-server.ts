/**
 * A tiny Events API stand-in with an acceleration limit, which the fake server does not model: it refuses
 * (429, `X-mp-rate-limit-exceeded: acceleration`, no Retry-After) any request that would take the batches
 * accepted in the last second above `growth` × those accepted in the second before (or `base`, whichever is
 * larger). A sender that jumps straight to its full rate is refused until the allowance has grown; one that
 * ramps up gently is not. Accepted requests carry `X-mp-rate-limit-percentage-used: 50`.
 */
import { createServer, type Server } from 'node:http';

export interface AccelerationServer {
  url: string;
  /** Batches accepted, by source_request_id (a retry of an accepted batch would show as 2). */
  accepted: Map<string, number>;
  attempts: number;
  refusals: number;
  close(): Promise<void>;
}

export async function startAccelerationServer(options: {
  base: number;
  growth: number;
}): Promise<AccelerationServer> {
  const log: { t: number; n: number }[] = [];
  const state = { attempts: 0, refusals: 0, accepted: new Map<string, number>() };
  const sum = (from: number, to: number) =>
    log.reduce((acc, e) => (e.t > from && e.t <= to ? acc + e.n : acc), 0);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // /bulkevents takes an array, /events one batch.
      const body = JSON.parse(Buffer.concat(chunks).toString()) as
        | { source_request_id: string }
        | { source_request_id: string }[];
      const batches = Array.isArray(body) ? body : [body];
      const now = Date.now();
      state.attempts++;
      const allowed = Math.max(options.base, options.growth * sum(now - 2000, now - 1000));
      if (sum(now - 1000, now) + batches.length > allowed) {
        state.refusals++;
        res.writeHead(429, {
          'content-type': 'application/json',
          'x-mp-rate-limit-exceeded': 'acceleration',
        });
        res.end('{"errors":[{"code":"TOO_MANY_REQUESTS","message":"acceleration"}]}');
        return;
      }
      log.push({ t: now, n: batches.length });
      for (const b of batches)
        state.accepted.set(b.source_request_id, (state.accepted.get(b.source_request_id) ?? 0) + 1);
      res.writeHead(202, { 'x-mp-rate-limit-percentage-used': '50' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/v2`,
    get accepted() {
      return state.accepted;
    },
    get attempts() {
      return state.attempts;
    },
    get refusals() {
      return state.refusals;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
