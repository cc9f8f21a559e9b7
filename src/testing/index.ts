/**
 * `mparticle-events/testing`: a fake of mParticle's Events API for tests and demos.
 *
 * {@link startFakeEventsApi} starts a real HTTP server on 127.0.0.1 that checks credentials, validates
 * batches with the SDK's own rules, enforces the documented limits, answers like mParticle, records what
 * it received and injects faults (statuses with `Retry-After`, delays, stalls, connection resets).
 *
 * @example
 * ```ts
 * import { startFakeEventsApi } from 'mparticle-events/testing';
 *
 * const server = await startFakeEventsApi();
 * server.fault({ status: 503, times: 1 }); // the first request fails, the retry succeeds
 * // … point a client's baseUrl at server.url and send …
 * await server.waitFor((s) => s.stats.acceptedBatches === 1);
 * await server.close();
 * ```
 *
 * @packageDocumentation
 */

// Fake Events API server (src/testing/server.ts)
export { startFakeEventsApi } from './server.js';

// Types (src/testing/types.ts)
export type {
  FakeCredentials,
  FakeEventsApi,
  FakeEventsApiOptions,
  FakeEventsApiStats,
  FaultHandle,
  FaultSpec,
  ReceivedBatch,
  ReceivedRequest,
} from './types.js';
