#!/usr/bin/env node
/**
 * Issue 6 acceptance 1–3 at the issue's full size, end to end, run by hand (the test suite runs them scaled
 * down in test/ratelimit/fleet.test.ts, through the same child): four Node processes, each with an
 * `EventsClient` whose `rateLimit.redis` points at one redis-server and a shared budget of 200 batches per
 * second, each sending 2,000 batches with one `send()` to a fake Events API in a process of its own. Prints
 * the aggregate rate, the busiest sliding one-second window and what arrived; then the same with one process
 * killed mid-run; then with Redis stopped for a few seconds mid-run and restarted.
 *
 * Usage: node scripts/ratelimit-acceptance.mjs [--count 2000] [--processes 4] [--rate 200]
 * Needs redis-server on PATH. Builds nothing in dist/: the processes are bundled with esbuild into a temp
 * dir under .tmp/ (so the client's on-demand import of ioredis resolves from node_modules).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    processes: { type: 'string', default: '4' },
    rate: { type: 'string', default: '200' },
  },
});
const COUNT = Number(values.count);
const N = Number(values.processes);
const RATE = Number(values.rate);

mkdirSync(join(root, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(root, '.tmp', 'ratelimit-acceptance-'));
const owned = [];
process.on('exit', () => {
  for (const child of owned) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function bundle(name) {
  const outfile = join(dir, `${name}.cjs`);
  await build({
    entryPoints: [join(root, 'test/ratelimit/fixtures', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawn a process that speaks JSON lines on stdout; `next()` resolves with its next message. */
function start(command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  owned.push(child);
  const messages = [];
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      message = { type: 'text', line };
    }
    messages.push(message);
    waiting.shift()?.(message);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  return { child, messages, exited, next };
}

function maxInWindow(times) {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (j < times.length && times[j] < times[i] + 1000) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

function countBetween(times, from, to) {
  return times.filter((t) => t >= from && t < to).length;
}

/** Start redis-server on `port` and resolve once it accepts connections. */
function startRedis(port) {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  owned.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        child.stdout.resume();
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
}

async function stopRedis(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const [fakeScript, childScript] = await Promise.all([bundle('fake-server-child'), bundle('fleet-child')]);
const port = await freePort();
let redis = await startRedis(port);
const fake = start(process.execPath, [fakeScript]);
// The fake server is the measuring instrument: on a busy machine a descheduled server stamps a backlog
// of arrivals at once. A higher priority, where allowed, keeps its clock honest.
try {
  setPriority(fake.child.pid, -10);
} catch {}
const { url } = await fake.next();
const ask = async (command) => {
  const reply = fake.next();
  fake.child.stdin.write(`${command}\n`);
  return reply;
};
const waitForAccepted = async (n) => {
  while ((await ask('count')).accepted < n) await new Promise((r) => setTimeout(r, 50));
};

/** One run; `disturb` is 'kill' (one process killed mid-run), 'redis' (Redis stopped 3 s mid-run) or none. */
async function run(label, disturb) {
  await ask('reset');
  const startAt = Date.now() + 3000;
  // With Redis down, each process falls back to RATE / EXPECTED: 2 makes the local limit plainly visible.
  const expected = disturb === 'redis' ? 2 : N;
  const procs = Array.from({ length: N }, (_, i) =>
    start(process.execPath, [childScript], {
      NAME: `p${i}`,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      SERVER_URL: url,
      RATE: String(RATE),
      COUNT: String(COUNT),
      EXPECTED: String(expected),
      START_AT: String(startAt),
    }),
  );
  let killedAt;
  let stoppedAt;
  let restartedAt;
  if (disturb === 'kill') {
    await waitForAccepted(RATE * 5);
    killedAt = Date.now();
    procs[0].child.kill('SIGKILL');
  } else if (disturb === 'redis') {
    await waitForAccepted(RATE * 5);
    stoppedAt = Date.now();
    await stopRedis(redis);
    await new Promise((r) => setTimeout(r, 3000));
    restartedAt = Date.now();
    redis = await startRedis(port);
  }
  const codes = await Promise.all(procs.map((p) => p.exited));
  const dump = await ask('dump');
  const times = dump.batches.map(([, t]) => t).sort((a, b) => a - b);
  const span = (times.at(-1) - times[0]) / 1000;
  const ids = new Set(dump.batches.map(([id]) => id));
  console.log(`\n${label}`);
  console.log(`  exit codes: ${codes.join(', ')}`);
  const done = procs.map((p) => p.messages.find((m) => m.type === 'done'));
  console.log(
    `  client reports: ${done.map((d) => (d ? `${d.accepted} accepted/${d.failed} failed in ${d.requests} requests` : 'none')).join('; ')}`,
  );
  console.log(
    `  batches received: ${dump.stats.acceptedBatches} (${ids.size} distinct, ${dump.stats.duplicateBatches} duplicates)`,
  );
  console.log(
    `  aggregate rate: ${((times.length - 1) / span).toFixed(1)} batches/s over ${span.toFixed(1)} s`,
  );
  if (disturb !== 'redis') {
    console.log(
      `  busiest sliding 1 s window: ${maxInWindow(times)} batches (limit ${Math.round(RATE * 1.1)})`,
    );
  }
  if (killedAt) {
    let recovered;
    for (let i = 0, j = 0; i < times.length; i++) {
      if (times[i] < killedAt) continue;
      if (j < i) j = i;
      while (j < times.length && times[j] < times[i] + 1000) j++;
      if (j - i >= RATE * 0.9) {
        recovered = times[i] - killedAt;
        break;
      }
    }
    const after = countBetween(times, killedAt + 1000, killedAt + 5000) / 4;
    console.log(
      `  killed p0 at +${killedAt - times[0]} ms; a full (>= 90%) window again after ${recovered} ms`,
    );
    console.log(`  survivors' aggregate over the 4 s after the first: ${after.toFixed(1)} batches/s`);
  }
  if (stoppedAt) {
    const fallbacks = procs.map((p) => p.messages.find((m) => m.type === 'fallback'));
    const restores = procs.map((p) => p.messages.find((m) => m.type === 'restored'));
    const restoredAt = Math.max(...restores.map((m) => m?.t ?? Number.NaN));
    const during =
      countBetween(times, stoppedAt + 500, restartedAt) / ((restartedAt - stoppedAt - 500) / 1000);
    const end = times.at(-1);
    const after = countBetween(times, restoredAt + 500, end) / ((end - restoredAt - 500) / 1000);
    console.log(
      `  Redis stopped at +${stoppedAt - times[0]} ms for ${restartedAt - stoppedAt} ms; ` +
        `'rateLimitFallback' from ${fallbacks.filter(Boolean).length}/${N} clients ` +
        `(${Math.max(...fallbacks.map((m) => (m ? m.t - stoppedAt : Number.NaN)))} ms after the stop at most, ` +
        `local rate ${fallbacks[0]?.localRate}/s each), 'rateLimitRestored' from ` +
        `${restores.filter(Boolean).length}/${N} (${restoredAt - restartedAt} ms after the restart at most)`,
    );
    const shared = [...times.filter((t) => t < stoppedAt), ...times.filter((t) => t >= restoredAt + 500)];
    const local = times.filter((t) => t >= stoppedAt && t < restoredAt + 500);
    console.log(
      `  busiest sliding 1 s window: ${maxInWindow(shared)} batches on the shared budget ` +
        `(limit ${Math.round(RATE * 1.1)}), ${maxInWindow(local)} around the outage ` +
        `(local limit ${N} x ${RATE / expected}/s while Redis was down)`,
    );
    console.log(
      `  aggregate while Redis was down: ${during.toFixed(1)} batches/s (${N} x ${RATE / expected} expected); ` +
        `after every client restored: ${after.toFixed(1)} batches/s over ${((end - restoredAt - 500) / 1000).toFixed(1)} s`,
    );
  }
}

await run(`Acceptance 1: ${N} EventsClient processes x ${COUNT} batches at a shared ${RATE}/s`);
await run('Acceptance 2: the same, one process killed mid-run', 'kill');
await run('Acceptance 3: the same, Redis stopped for 3 s mid-run and restarted', 'redis');
await ask('close');
redis.kill('SIGKILL');
