/**
 * Runs child processes of the fleet fixture (bundled once with esbuild into a temp dir) and measures what
 * a fake server received: aggregate rate and the busiest sliding one-second window.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface ChildMessage {
  type: string;
  t: number;
  [key: string]: unknown;
}

export interface FleetChild {
  name: string;
  process: ChildProcess;
  messages: ChildMessage[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Bundle a fixture into its own temp dir under the repository's .tmp/ (git-ignored), so that what the bundle
 * leaves to runtime resolution (the client's dynamic import of ioredis) resolves from node_modules; returns
 * the script path and a cleanup.
 */
export async function bundleFixture(fixture: string): Promise<{ script: string; cleanup: () => void }> {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'ratelimit-'));
  const script = join(dir, 'child.cjs');
  await build({
    entryPoints: [fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
  });
  return { script, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startChild(script: string, name: string, env: Record<string, string>): FleetChild {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: ChildMessage[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line) as ChildMessage);
    } catch {
      messages.push({ type: 'text', t: Date.now(), line });
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      const t = Date.now();
      if (stderr.trim()) messages.push({ type: 'stderr', t, text: stderr.slice(0, 2000) });
      messages.push({ type: 'exit', t, code: code ?? signal });
      resolve(code ?? signal ?? -1);
    });
  });
  return { name, process: child, messages, exited };
}

/** The most arrivals within any window [t, t + windowMs) that starts at an arrival. */
export function maxInWindow(sortedTimes: number[], windowMs = 1000): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < sortedTimes.length; i++) {
    const start = sortedTimes[i] as number;
    if (j < i) j = i;
    while (j < sortedTimes.length && (sortedTimes[j] as number) < start + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/** Where the busiest window of {@link maxInWindow} starts (the first, if several tie). */
export function busiestWindowStart(sortedTimes: number[], windowMs = 1000): number | undefined {
  let best = 0;
  let at: number | undefined;
  let j = 0;
  for (let i = 0; i < sortedTimes.length; i++) {
    const start = sortedTimes[i] as number;
    if (j < i) j = i;
    while (j < sortedTimes.length && (sortedTimes[j] as number) < start + windowMs) j++;
    if (j - i > best) {
      best = j - i;
      at = start;
    }
  }
  return at;
}

/** Arrivals per second from the first arrival to the last. */
export function averageRate(sortedTimes: number[]): number {
  if (sortedTimes.length < 2) return 0;
  const span = (sortedTimes.at(-1) as number) - (sortedTimes[0] as number);
  return ((sortedTimes.length - 1) * 1000) / span;
}

/** Arrivals within [from, to). */
export function countBetween(sortedTimes: number[], from: number, to: number): number {
  return sortedTimes.filter((t) => t >= from && t < to).length;
}

/** The first time t ≥ from at which the window [t, t + 1000) holds at least `target` arrivals. */
export function firstFullWindow(sortedTimes: number[], from: number, target: number): number | undefined {
  let j = 0;
  for (let i = 0; i < sortedTimes.length; i++) {
    const start = sortedTimes[i] as number;
    if (start < from) continue;
    if (j < i) j = i;
    while (j < sortedTimes.length && (sortedTimes[j] as number) < start + 1000) j++;
    if (j - i >= target) return start;
  }
  return undefined;
}

/** What a fake server in its own process received. */
export interface RemoteDump {
  stats: {
    requests: number;
    acceptedBatches: number;
    duplicateBatches: number;
    uniqueSourceRequestIds: number;
  };
  /** `[source_request_id, receivedAt]` per accepted batch, in arrival order. */
  batches: [string, number][];
}

/** The fake Events API running in a child process (see fixtures/fake-server-child.ts). */
export class RemoteFakeServer {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #waiting: ((message: ChildMessage) => void)[] = [];

  private constructor(child: ChildProcess, url: string) {
    this.#child = child;
    this.url = url;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.#waiting.shift()?.(JSON.parse(line) as ChildMessage);
    });
  }

  static async start(script: string): Promise<RemoteFakeServer> {
    const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    // The fake server is the measuring instrument: on a busy machine a descheduled server stamps a backlog
    // of arrivals at once. A higher priority, where the OS allows it, keeps its clock honest.
    try {
      if (child.pid) setPriority(child.pid, -10);
    } catch {
      // Not permitted (not root): measure at normal priority.
    }
    const url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.once('line', (line) => {
        lines.close();
        const message = JSON.parse(line) as ChildMessage;
        if (message.type === 'listening') resolve(message.url as string);
        else reject(new Error(line));
      });
      child.once('exit', (code) => reject(new Error(`fake server exited with ${code}`)));
    });
    return new RemoteFakeServer(child, url);
  }

  #ask(command: string): Promise<ChildMessage> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#child.stdin?.write(`${command}\n`);
    });
  }

  async accepted(): Promise<number> {
    return (await this.#ask('count')).accepted as number;
  }

  async reset(): Promise<void> {
    await this.#ask('reset');
  }

  async dump(): Promise<RemoteDump> {
    return (await this.#ask('dump')) as unknown as RemoteDump;
  }

  /** Poll until at least `count` batches were accepted. */
  async waitForAccepted(count: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.accepted()) < count) {
      if (Date.now() > deadline)
        throw new Error(`fewer than ${count} batches accepted after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin?.write('close\n');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
