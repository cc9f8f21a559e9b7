#!/usr/bin/env node
/**
 * Issue 6 acceptance 1 and 2 at the full size, run by hand (the test suite runs them scaled down in
 * test/ratelimit/fleet.test.ts): four Node processes, each with a SharedRateLimiter on one redis-server and a
 * budget of 200 batches per second, each pushing 2,000 batches as fast as the limiter lets it to a fake
 * Events API in a process of its own. Prints the aggregate rate, the busiest sliding one-second window and
 * what arrived; then the same with one process killed mid-run.
 *
 * Usage: node scripts/ratelimit-acceptance.mjs [--count 2000] [--processes 4] [--rate 200]
 * Needs redis-server on PATH. Builds nothing in dist/: the processes are bundled with esbuild into a temp dir.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
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

const dir = mkdtempSync(join(tmpdir(), 'mparticle-events-acceptance-'));
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

const [fakeScript, childScript] = await Promise.all([bundle('fake-server-child'), bundle('fleet-child')]);
const port = await freePort();
const redis = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  {
    stdio: 'ignore',
  },
);
owned.push(redis);
await new Promise((resolve) => setTimeout(resolve, 500));
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

async function run(label, killOne) {
  await ask('reset');
  const startAt = Date.now() + 3000;
  const procs = Array.from({ length: N }, (_, i) =>
    start(process.execPath, [childScript], {
      NAME: `p${i}`,
      REDIS_PORT: String(port),
      SERVER_URL: url,
      RATE: String(RATE),
      COUNT: String(COUNT),
      START_AT: String(startAt),
    }),
  );
  let killedAt;
  if (killOne) {
    while ((await ask('count')).accepted < RATE * 5) await new Promise((r) => setTimeout(r, 50));
    killedAt = Date.now();
    procs[0].child.kill('SIGKILL');
  }
  const codes = await Promise.all(procs.map((p) => p.exited));
  const dump = await ask('dump');
  const times = dump.batches.map(([, t]) => t).sort((a, b) => a - b);
  const span = (times.at(-1) - times[0]) / 1000;
  const ids = new Set(dump.batches.map(([id]) => id));
  console.log(`\n${label}`);
  console.log(`  exit codes: ${codes.join(', ')}`);
  console.log(
    `  batches received: ${dump.stats.acceptedBatches} (${ids.size} distinct, ${dump.stats.duplicateBatches} duplicates)`,
  );
  console.log(
    `  aggregate rate: ${((times.length - 1) / span).toFixed(1)} batches/s over ${span.toFixed(1)} s`,
  );
  console.log(
    `  busiest sliding 1 s window: ${maxInWindow(times)} batches (limit ${Math.round(RATE * 1.1)})`,
  );
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
    const after = times.filter((t) => t >= killedAt + 1000 && t < killedAt + 5000).length / 4;
    console.log(
      `  killed p0 at +${killedAt - times[0]} ms; a full (>= 90%) window again after ${recovered} ms`,
    );
    console.log(`  survivors' aggregate over the 4 s after the first: ${after.toFixed(1)} batches/s`);
  }
}

await run(`Acceptance 1: ${N} processes x ${COUNT} batches at a shared ${RATE}/s`, false);
await run(`Acceptance 2: the same, one process killed mid-run`, true);
await ask('close');
redis.kill('SIGKILL');
