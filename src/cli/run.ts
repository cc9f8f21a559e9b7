/**
 * The `mparticle-events` command line: `send`, `validate`, `demo`, `--help`, `--version`.
 *
 * Every command is a function of its arguments and streams, so tests run it in-process;
 * `src/cli/index.ts` only wires it to the process.
 *
 * Internal to the CLI: not part of the public API.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import pkg from '../../package.json' with { type: 'json' };
import { EventsClient } from '../client.js';
import { ConfigurationError } from '../errors.js';
import type { Pod } from '../transport/options.js';
import { type CheckResult, checkInput, formatProblem } from './check.js';
import { runDemo } from './demo.js';
import { formatCount, formatDuration, Progress } from './progress.js';
import { type SendResult, sendInput } from './send.js';
import { fileSource, type InputSource, InputUnavailableError, stdinSource } from './source.js';

/** The streams and environment a CLI run uses; the process's own in production, fakes in tests. */
export interface CliIo {
  /** Read by `send -` and `validate -`. */
  stdin: NodeJS.ReadableStream;
  /** Results: the summary, `--json` output, help and version. */
  stdout: CliOutput;
  /** Progress, validation errors and diagnostics. */
  stderr: CliOutput;
  /** Where credentials (`MPARTICLE_API_KEY`, `MPARTICLE_API_SECRET`) and `MPARTICLE_POD` come from. */
  env: Record<string, string | undefined>;
  /** Least time between two plain progress lines when stderr is not a terminal. Default 5000 ms. */
  progressIntervalMs?: number;
}

/** A writable text stream: `process.stdout` and `process.stderr` fit. */
export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Exit codes: 0 and 1 tell full from partial delivery; the others follow BSD sysexits(3). */
export const EXIT = {
  /** Everything validated and, for `send`, every batch was accepted. */
  ok: 0,
  /** Some batches failed to deliver (they are in `--failed-out` when given). */
  partial: 1,
  /** The input is invalid: nothing was sent. */
  badInput: 2,
  /** The command line is wrong. */
  usage: 64,
  /** The input file cannot be read. */
  noInput: 66,
  /** An unexpected internal error. */
  software: 70,
  /** The configuration is wrong or incomplete (missing credentials, bad pod or URL). */
  config: 78,
} as const;

/** Problems kept and shown; the rest are counted. Bounded so a broken 100,000-line file stays readable. */
const MAX_PROBLEMS_SHOWN = 50;
const MAX_PROBLEMS_JSON = 1000;

const USAGE = `Usage: mparticle-events <command> [options]

Commands:
  send <file|->       Validate every batch in the file (or stdin), then send them all
  validate <file|->   Check every batch against the Events API's rules; nothing is sent
  demo                Send realistic batches to a local fake Events API and print a summary

The input is a JSON batch, a JSON array of batches, or NDJSON (one batch a line), detected from
its content. Every batch is checked before anything is sent: one bad batch stops the whole file.

Options for send:
  --pod <pod>           mParticle pod: us1, us2, eu1 or au1 (default: $MPARTICLE_POD, else us1)
  --base-url <url>      Send to this base URL instead of the pod's (a proxy, a fake server)
  --historical          Send to /v2/bulkevents/historical, for backfill older than 30 days;
                        every event needs a timestamp at least 72 hours old
  --dry-run             Validate, and report what would be sent; send nothing
  --rate <n|off>        Most batches per second (default 270, mParticle's default limit)
  --failed-out <file>   Write batches that could not be delivered to this file, as NDJSON;
                        \`send\` accepts that file again
Options for send and validate:
  --json                Print a machine-readable summary on stdout
  --quiet               No progress and no summary; problems only
Other:
  -h, --help            Show this help
  -v, --version         Show the version

Credentials are read from the environment only: MPARTICLE_API_KEY and MPARTICLE_API_SECRET.

Exit codes: 0 success; 1 some batches failed to deliver; 2 invalid input, nothing sent;
64 usage error; 66 input not readable; 78 configuration error (missing credentials, bad option).
`;

/** Arguments that look like credentials. They would end up in shell history and process lists. */
const CREDENTIAL_ARG = /^--?(api[-_]?)?(key|secret|password|token)(=.*)?$/i;

class UsageError extends Error {}

/** Run the CLI with `argv` (without `node` and the script path) and return the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`mparticle-events: ${error.message}\nRun 'mparticle-events --help' for usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof InputUnavailableError) {
      io.stderr.write(`mparticle-events: ${error.message}\n`);
      return EXIT.noInput;
    }
    io.stderr.write(
      `mparticle-events: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT.software;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const credential = argv.find((arg) => CREDENTIAL_ARG.test(arg));
  if (credential !== undefined) {
    // Name the flag, never echo its value.
    const flag = credential.split('=')[0];
    throw new UsageError(
      `${flag}: credentials are never taken from arguments (they would show in shell history and process ` +
        'lists). Set MPARTICLE_API_KEY and MPARTICLE_API_SECRET in the environment instead.',
    );
  }
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      io.stderr.write(USAGE);
      return EXIT.usage;
    case '-h':
    case '--help':
    case 'help':
      io.stdout.write(USAGE);
      return EXIT.ok;
    case '-v':
    case '--version':
    case 'version':
      io.stdout.write(`${pkg.version}\n`);
      return EXIT.ok;
    case 'validate':
      return validateCommand(rest, io);
    case 'send':
      return sendCommand(rest, io);
    case 'demo':
      return demoCommand(rest, io);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

interface CommonFlags {
  json: boolean;
  quiet: boolean;
  historical: boolean;
}

function parse(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error),
    );
  }
}

function onePath(positionals: string[], command: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: missing input file (use - for stdin)`);
  if (positionals.length > 1)
    throw new UsageError(`${command}: expected one input file, got ${positionals.length}`);
  return positionals[0] as string;
}

async function openSource(path: string, io: CliIo, replayable: boolean): Promise<InputSource> {
  return path === '-' ? stdinSource(io.stdin, replayable) : fileSource(path);
}

async function validateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    historical: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const flags = commonFlags(values);
  const source = await openSource(onePath(positionals, 'validate'), io, false);
  const started = Date.now();
  try {
    const check = await runCheck(source, flags, io);
    const ok = isValid(check);
    if (flags.json) {
      writeJson(io, {
        command: 'validate',
        ok,
        input: source.name,
        ...checkSummary(check),
        durationMs: Date.now() - started,
        peakRssBytes: peakRssBytes(),
      });
    } else if (!flags.quiet && ok) {
      io.stdout.write(
        `${source.name}: ${formatCount(check.batches)} batches, all valid (${check.format}).\n`,
      );
    }
    return ok ? EXIT.ok : EXIT.badInput;
  } finally {
    await source.dispose();
  }
}

async function sendCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    historical: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    pod: { type: 'string' },
    'base-url': { type: 'string' },
    rate: { type: 'string' },
    'failed-out': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const flags = commonFlags(values);
  const path = onePath(positionals, 'send');
  const dryRun = values['dry-run'] === true;
  const rate = parseRate(values.rate as string | undefined);
  const pod = (values.pod as string | undefined) ?? emptyToUndefined(io.env.MPARTICLE_POD);
  const baseUrl = values['base-url'] as string | undefined;
  const failedOut = values['failed-out'] as string | undefined;

  // A dry run checks everything a real run does, credentials included; it only skips the network.
  const apiKey = emptyToUndefined(io.env.MPARTICLE_API_KEY);
  const apiSecret = emptyToUndefined(io.env.MPARTICLE_API_SECRET);
  if (!apiKey || !apiSecret) {
    const missing = [!apiKey && 'MPARTICLE_API_KEY', !apiSecret && 'MPARTICLE_API_SECRET'].filter(Boolean);
    io.stderr.write(
      `mparticle-events: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set. ` +
        'Credentials are read from the environment only.\n',
    );
    return EXIT.config;
  }
  // Built before reading anything, so a bad --pod or --base-url fails at once, not after a long validation.
  let client: EventsClient;
  try {
    client = new EventsClient({
      apiKey,
      apiSecret,
      ...(pod !== undefined && { pod: pod as Pod }),
      ...(baseUrl !== undefined && { baseUrl }),
      ...(rate !== undefined && { rateLimit: rate === 'off' ? false : { batchesPerSecond: rate } }),
    });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const reason = error.message.replace(/^Invalid option "[^"]*": /, '');
    io.stderr.write(`mparticle-events: ${optionName(error.option)}: ${reason}\n`);
    return EXIT.config;
  }

  const started = Date.now();
  const endpoint = `${client.baseUrl}/bulkevents${flags.historical ? '/historical' : ''}`;
  const summary = (check: CheckResult, fields: Record<string, unknown>): Record<string, unknown> => ({
    command: 'send',
    input: path === '-' ? 'stdin' : path,
    endpoint,
    dryRun,
    historical: flags.historical,
    ...fields,
    ...checkSummary(check),
    durationMs: Date.now() - started,
    peakRssBytes: peakRssBytes(),
  });
  let source: InputSource | undefined;
  try {
    source = await openSource(path, io, !dryRun);
    const check = await runCheck(source, flags, io);
    if (!isValid(check)) {
      if (flags.json) writeJson(io, summary(check, { ok: false, accepted: 0, failed: 0 }));
      else io.stderr.write('Nothing was sent.\n');
      return EXIT.badInput;
    }
    if (dryRun) {
      if (flags.json) writeJson(io, summary(check, { ok: true, accepted: 0, failed: 0 }));
      else if (!flags.quiet) {
        io.stdout.write(
          `Dry run: ${formatCount(check.batches)} valid batches (${check.format}) would be sent to ${endpoint}. ` +
            'Nothing was sent.\n',
        );
      }
      return EXIT.ok;
    }

    const progress = flags.quiet
      ? undefined
      : new Progress({
          stream: io.stderr,
          total: check.batches,
          verb: 'sent',
          lineIntervalMs: io.progressIntervalMs ?? 5000,
        });
    const result = await sendInput(source, client, {
      historical: flags.historical,
      failedOut,
      onProgress: (done, failed) => progress?.update(done, failed),
    });
    progress?.finish(result.accepted + result.failed, result.failed);
    const ok = result.failed === 0;
    if (flags.json) {
      writeJson(
        io,
        summary(check, {
          ok,
          accepted: result.accepted,
          failed: result.failed,
          retried: result.retried,
          requests: result.requests,
          failures: result.failures,
          ...(failedOut !== undefined && result.failed > 0 && { failedOut }),
        }),
      );
    } else if (!flags.quiet || !ok) {
      (ok ? io.stdout : io.stderr).write(describeSend(result, Date.now() - started, endpoint, failedOut));
    }
    return ok ? EXIT.ok : EXIT.partial;
  } finally {
    // Nothing is queued (sendInput awaits every send), so this returns at once.
    await client.close({ timeoutMs: 0 });
    await source?.dispose();
  }
}

async function demoCommand(args: readonly string[], io: CliIo): Promise<number> {
  parse(args, {});
  return runDemo(io);
}

function commonFlags(values: Record<string, string | boolean | undefined>): CommonFlags {
  return { json: values.json === true, quiet: values.quiet === true, historical: values.historical === true };
}

function parseRate(raw: string | undefined): number | 'off' | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'off') return 'off';
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new UsageError(`--rate: expected a positive number of batches per second or 'off', got '${raw}'`);
  }
  return rate;
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The command-line flag behind a client option, for messages. */
function optionName(option: string): string {
  if (option === 'baseUrl') return '--base-url';
  if (option === 'pod') return '--pod';
  if (option.startsWith('rateLimit')) return '--rate';
  if (option === 'apiKey') return 'MPARTICLE_API_KEY';
  if (option === 'apiSecret') return 'MPARTICLE_API_SECRET';
  return option;
}

async function runCheck(source: InputSource, flags: CommonFlags, io: CliIo): Promise<CheckResult> {
  // On a terminal, a live count while a big file is checked; the line is cleared when done.
  const live = io.stderr.isTTY === true && !flags.quiet;
  let lastDraw = 0;
  const check = await checkInput(source, {
    historical: flags.historical,
    maxProblems: flags.json ? MAX_PROBLEMS_JSON : MAX_PROBLEMS_SHOWN,
    ...(live && {
      onBatch: (checked: number) => {
        const now = Date.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        io.stderr.write(`\rvalidating ${source.name}: ${formatCount(checked)} batches\x1b[K`);
      },
    }),
  });
  if (live && lastDraw > 0) io.stderr.write('\r\x1b[K');
  if (!isValid(check) && !flags.json) {
    for (const problem of check.problems) io.stderr.write(`${formatProblem(problem, check.format)}\n`);
    const hidden = check.problemCount - check.problems.length;
    if (hidden > 0) io.stderr.write(`… and ${formatCount(hidden)} more problems\n`);
    io.stderr.write(
      check.batches === 0 && check.problemCount === 0
        ? `${source.name}: no batches found\n`
        : `${source.name}: ${formatCount(check.invalidBatches)} of ${formatCount(check.batches)} batches invalid` +
            `${check.structural ? '; the input is malformed and was read only up to the line shown' : ''}.\n`,
    );
  }
  return check;
}

function isValid(check: CheckResult): boolean {
  return check.problemCount === 0 && check.batches > 0;
}

function checkSummary(check: CheckResult): Record<string, unknown> {
  return {
    format: check.format ?? null,
    batches: check.batches,
    invalidBatches: check.invalidBatches,
    problemCount: check.problemCount,
    problems: check.problems,
  };
}

function describeSend(
  result: SendResult,
  elapsedMs: number,
  endpoint: string,
  failedOut: string | undefined,
): string {
  const lines = [
    `Sent ${formatCount(result.accepted + result.failed)} batches to ${endpoint} in ${formatDuration(elapsedMs)}: ` +
      `${formatCount(result.accepted)} accepted, ${formatCount(result.failed)} failed, ` +
      `${formatCount(result.retried)} retried, ${formatCount(result.requests)} requests.`,
  ];
  for (const failure of result.failures) lines.push(`  failed: ${failure}`);
  if (result.failed > 0) {
    lines.push(
      failedOut !== undefined
        ? `Failed batches were written to ${failedOut}; send that file again to retry them.`
        : 'Use --failed-out <file> to keep the failed batches for another try.',
    );
  }
  return `${lines.join('\n')}\n`;
}

function writeJson(io: CliIo, summary: Record<string, unknown>): void {
  io.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** Peak resident memory of this process, for the `--json` summary of long runs. */
function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
