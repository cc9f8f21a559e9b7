/**
 * Child processes for the benchmarks: the sink server, and one process per contender run, so each has
 * its own event loop and its own peak RSS.
 */
import { fork } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Path of a script under bench/. */
export function benchPath(relative) {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/**
 * Starts bench/sink.mjs in its own process and returns a handle: `port`, `url(path)`, `stats()`,
 * `reset()` and `close()`.
 */
export async function startSink({ stall = false, verify = false, timeline = false } = {}) {
  const args = [];
  if (stall) args.push('--stall');
  if (verify) args.push('--verify');
  if (timeline) args.push('--timeline');
  const child = fork(benchPath('sink.mjs'), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: BENCH_DIR,
    execArgv: [], // not the parent's flags (vitest's, or --input-type)
  });
  const pending = new Map();
  let nextId = 0;
  child.on('message', (message) => {
    const waiter = pending.get(message?.id);
    if (waiter) {
      pending.delete(message.id);
      waiter(message);
    }
  });
  const port = await new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message?.type === 'ready') {
        child.off('message', onMessage);
        resolve(message.port);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`sink exited before it was ready (code ${code})`)));
  });
  const request = (type) =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      child.send({ type, id });
    });
  return {
    port,
    url: (path = '') => `http://127.0.0.1:${port}${path}`,
    async stats() {
      return (await request('stats')).stats;
    },
    async reset() {
      await request('reset');
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs `script` (a path under bench/) in a fresh Node process and resolves with the `{ type: 'result' }`
 * message it sends. Its stderr is kept and shown only if it fails.
 */
export function runChild(script, options, { execArgv = [], timeoutMs = 600_000 } = {}) {
  // Children run in bench/: a relative SDK path means relative to where the caller runs.
  const sent = options.sdkPath ? { ...options, sdkPath: resolvePath(options.sdkPath) } : options;
  return new Promise((resolve, reject) => {
    const child = fork(benchPath(script), [JSON.stringify(sent)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv,
      cwd: BENCH_DIR,
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 20_000) stderr += d;
    });
    child.stdout.on('data', (d) => {
      if (stdout.length < 20_000) stdout += d;
    });
    let result;
    child.on('message', (message) => {
      if (message?.type === 'result') result = message.result;
      else if (message?.type === 'error') result = { error: message.error };
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result && !result.error) resolve(result);
      else {
        const reason = result?.error ?? `exited with ${signal ?? code} and no result`;
        reject(new Error(`${script} ${options.contender ?? ''}: ${reason}\n${stderr}${stdout}`.trim()));
      }
    });
  });
}

/** The options a child was started with (first argv), and a way to report back. */
export function childContext() {
  const options = JSON.parse(process.argv[2] ?? '{}');
  return {
    options,
    done(result) {
      process.send({ type: 'result', result }, () => process.exit(0));
    },
    fail(error) {
      const text = error instanceof Error ? `${error.stack ?? error.message}` : String(error);
      process.send({ type: 'error', error: text }, () => process.exit(1));
    },
  };
}

/** Peak resident set size of this process so far, in bytes (`maxRSS` is in kilobytes). */
export function peakRss() {
  return process.resourceUsage().maxRSS * 1024;
}

/** Loads our SDK: the module at `sdkPath` (a bundle the smoke test made), else the built dist/index.js. */
export async function loadSdk(sdkPath) {
  return import(sdkPath ? pathToFileURL(sdkPath).href : new URL('../../dist/index.js', import.meta.url).href);
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function yieldToIo() {
  return new Promise((resolve) => setImmediate(resolve));
}
