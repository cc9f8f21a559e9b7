/**
 * The benchmark sink: a bare `node:http` server that every contender posts to.
 *
 * Run it as its own process (`fork`), so its work never shares an event loop with a contender. It listens
 * on 127.0.0.1, port 0, sends `{ type: 'ready', port }` over IPC, and answers 202 to any POST as soon as
 * the body has been read. It counts requests, bytes, batches and events, cheaply: by counting key
 * occurrences in the raw body, not by parsing it (parsing 30 MB a run would cost the sink more than the
 * contenders). Keep-alive stays on.
 *
 * Options (argv): `--stall` never answers a POST (keeps the socket open: the stalled-server run),
 * `--verify` also parses every body and counts distinct ids (the smoke test), `--timeline` records
 * arrival times (the limiter run).
 *
 * Counts are read with IPC (`{ type: 'stats', id }` → `{ type: 'stats', id, stats }`) or `GET /stats`;
 * `{ type: 'reset' }` clears them.
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

const stall = process.argv.includes('--stall');
const verify = process.argv.includes('--verify');
const timeline = process.argv.includes('--timeline');

const KEY_BATCH = Buffer.from('"source_request_id"');
const KEY_EVENT = Buffer.from('"event_type"');
const KEY_SEGMENT_EVENT = Buffer.from('"messageId"');

let stats;
let ids;
function reset() {
  stats = {
    requests: 0,
    bytes: 0,
    batches: 0,
    events: 0,
    connections: 0,
    maxRequestBytes: 0,
    maxBatchesPerRequest: 0,
    paths: {},
    retriedRequests: 0,
    timeline: timeline ? [] : undefined,
    verify: verify
      ? { parseErrors: 0, batches: 0, events: 0, distinctBatchIds: 0, distinctEventIds: 0 }
      : undefined,
  };
  ids = { batches: new Set(), events: new Set() };
}
reset();

function countOccurrences(buffer, key) {
  let count = 0;
  let at = buffer.indexOf(key);
  while (at !== -1) {
    count++;
    at = buffer.indexOf(key, at + key.length);
  }
  return count;
}

function verifyBody(path, body) {
  const v = stats.verify;
  let value;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    v.parseErrors++;
    return;
  }
  if (path === '/v1/batch') {
    for (const event of value.batch ?? []) {
      v.events++;
      ids.events.add(event.messageId);
    }
  } else {
    for (const batch of Array.isArray(value) ? value : [value]) {
      v.batches++;
      ids.batches.add(batch.source_request_id);
      for (const event of batch.events ?? []) {
        v.events++;
        ids.events.add(event.data?.source_message_id);
      }
    }
  }
  v.distinctBatchIds = ids.batches.size;
  v.distinctEventIds = ids.events.size;
}

const server = createServer({ keepAlive: true }, (req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    const body = JSON.stringify(stats);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const arrivedAt = performance.now();
  const chunks = [];
  let length = 0;
  req.on('data', (chunk) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
    const path = (req.url ?? '/').split('?')[0];
    let batches;
    let events;
    if (path === '/v1/batch') {
      // Segment: one request carries one "batch" of events.
      batches = 1;
      events = countOccurrences(body, KEY_SEGMENT_EVENT);
    } else {
      batches = path.endsWith('/events') ? 1 : countOccurrences(body, KEY_BATCH);
      events = countOccurrences(body, KEY_EVENT);
    }
    stats.requests++;
    stats.bytes += length;
    stats.batches += batches;
    stats.events += events;
    if (length > stats.maxRequestBytes) stats.maxRequestBytes = length;
    if (batches > stats.maxBatchesPerRequest) stats.maxBatchesPerRequest = batches;
    stats.paths[path] = (stats.paths[path] ?? 0) + 1;
    if (req.headers['x-retry-count'] !== undefined) stats.retriedRequests++;
    if (stats.timeline) stats.timeline.push([Math.round(arrivedAt * 1000) / 1000, batches]);
    if (stats.verify) verifyBody(path, body);
    if (stall) return; // never answer: the client sees a server that stopped responding
    res.writeHead(202, { 'content-length': '0' });
    res.end();
  });
});
server.on('connection', () => {
  stats.connections++;
});
// Longer than any client's idle timeout, so connections are reused rather than closed by the server.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 0;

process.on('message', (message) => {
  if (message?.type === 'stats') process.send({ type: 'stats', id: message.id, stats });
  else if (message?.type === 'reset') {
    reset();
    process.send({ type: 'reset', id: message.id });
  } else if (message?.type === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send({ type: 'ready', port: address.port });
});
