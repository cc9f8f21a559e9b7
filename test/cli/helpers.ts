/**
 * Helpers for the CLI tests: in-process runs with captured output, and batch files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type CliIo, runCli } from '../../src/cli/run.js';

/** A captured output stream. */
export class Capture {
  readonly chunks: string[] = [];
  isTTY: boolean;
  columns = 100;

  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }

  write(text: string): boolean {
    this.chunks.push(text);
    return true;
  }

  get text(): string {
    return this.chunks.join('');
  }
}

/** Credentials the fake Events API accepts by default. */
export const FAKE_ENV = { MPARTICLE_API_KEY: 'test-key', MPARTICLE_API_SECRET: 'test-secret' };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json: () => Record<string, unknown>;
}

/** Run the CLI in-process with the given arguments, environment and stdin text. */
export async function cli(
  argv: string[],
  options: {
    env?: Record<string, string | undefined>;
    stdin?: string;
    tty?: boolean;
    progressIntervalMs?: number;
  } = {},
): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture(options.tty ?? false);
  const io: CliIo = {
    // Several chunks, so the stdin reader sees chunk boundaries.
    stdin: Readable.from(chunked(options.stdin ?? '', 1000)),
    stdout,
    stderr,
    env: options.env ?? {},
    ...(options.progressIntervalMs !== undefined && { progressIntervalMs: options.progressIntervalMs }),
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text, json: () => JSON.parse(stdout.text) };
}

function chunked(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** A valid batch with one custom event, identified by `customer_id`. */
export function batch(n: number, extra: { timestamp?: number } = {}): Record<string, unknown> {
  return {
    environment: 'development',
    user_identities: { customer_id: `customer-${n}` },
    events: [
      {
        event_type: 'custom_event',
        data: {
          event_name: `event ${n}`,
          custom_event_type: 'other',
          ...(extra.timestamp !== undefined && { timestamp_unixtime_ms: extra.timestamp }),
        },
      },
    ],
  };
}

/** A temporary directory, removed by the returned function. */
export async function tempDir(): Promise<{
  dir: string;
  file: (name: string, text: string) => Promise<string>;
  remove: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'mparticle-events-cli-test-'));
  return {
    dir,
    file: async (name, text) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** NDJSON text of the given batches. */
export function ndjson(batches: unknown[]): string {
  return `${batches.map((b) => JSON.stringify(b)).join('\n')}\n`;
}
