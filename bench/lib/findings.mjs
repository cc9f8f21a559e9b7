/**
 * The measurements behind design choices in the client, as functions (bench/findings.mjs prints them;
 * test/bench/smoke.test.ts runs them small).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import Bottleneck from 'bottleneck';
import ky from 'ky';

/** When each of `jobs` Bottleneck jobs starts, with a concurrency cap that would let all run at once. */
export async function bottleneckStarts(jobs = 40) {
  const limiter = new Bottleneck({ maxConcurrent: jobs, minTime: 0 });
  const started = performance.now();
  const starts = [];
  await Promise.all(
    Array.from({ length: jobs }, () =>
      limiter.schedule(async () => {
        starts.push(performance.now() - started);
        await new Promise((resolve) => setImmediate(resolve));
      }),
    ),
  );
  await limiter.stop();
  const gaps = starts.slice(1).map((t, i) => t - starts[i]);
  gaps.sort((a, b) => a - b);
  return { jobs, maxConcurrent: jobs, medianGapMs: gaps[gaps.length >> 1], lastStartMs: starts.at(-1) };
}

/**
 * CPU per request of one POST of a full bulk request's size (about 254 kB) to the sink with `node:http`,
 * `fetch` and ky, 10 at a time, `requests` each per round; also counts the requests made.
 */
export async function transportCpu(sink, requests = 500, rounds = 3) {
  const batch = JSON.stringify({
    environment: 'production',
    events: Array.from({ length: 10 }, () => ({
      event_type: 'custom_event',
      data: { event_name: 'x'.repeat(200), custom_attributes: { a: 'y'.repeat(80) } },
    })),
  });
  const body = new TextEncoder().encode(`[${Array.from({ length: 69 }, () => batch).join(',')}]`);
  const url = new URL(sink.url('/v2/bulkevents'));
  const headers = { 'content-type': 'application/json', authorization: 'Basic YmVuY2g6YmVuY2g=' };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const ways = {
    'node:http': () =>
      new Promise((resolve, reject) => {
        const request = http.request(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } },
          (response) => {
            response.resume();
            response.on('end', resolve);
          },
        );
        request.on('error', reject);
        request.end(body);
      }),
    fetch: async () => {
      const response = await fetch(url, { method: 'POST', headers, body });
      await response.arrayBuffer();
    },
    ky: async () => {
      const response = await ky.post(url, {
        headers,
        body,
        retry: 0,
        timeout: false,
        throwHttpErrors: false,
      });
      await response.arrayBuffer();
    },
  };
  const cpu = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, send] of Object.entries(ways)) {
      const before = process.cpuUsage();
      let next = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next++ < requests) await send();
        }),
      );
      const used = process.cpuUsage(before);
      cpu[name].push((used.user + used.system) / 1000 / requests);
    }
  }
  agent.destroy();
  return { bodyBytes: body.length, requests, rounds, cpuMsPerRequest: cpu };
}
