/**
 * Progress output for long CLI runs: a bar redrawn in place on a terminal, plain periodic lines
 * otherwise (CI logs, files), always on stderr so stdout stays for the result.
 *
 * Internal to the CLI: not part of the public API.
 */

/** The bit of a writable stream progress output needs. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Where to draw. A stream with `isTTY` gets the bar; any other gets plain lines. */
  stream: ProgressStream;
  /** How many items the run will handle. */
  total: number;
  /** What is being counted, for the plain lines: `sent`. */
  verb: string;
  /** Least time between two plain lines, in milliseconds. */
  lineIntervalMs: number;
  /** The clock, injectable for tests. */
  now?: () => number;
}

/** Least time between two redraws of the bar: fast enough to look live, cheap at any rate. */
const REDRAW_MS = 100;

/** Counts, rate and estimated time left, drawn as a bar or as plain lines. */
export class Progress {
  private readonly options: ProgressOptions;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(options: ProgressOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.started = this.now();
    // Plain lines are for long runs in logs: the first comes one interval in, so short runs stay quiet.
    if (options.stream.isTTY !== true) this.lastDraw = this.started;
  }

  /** Report how many items are done so far (delivered or failed), and how many of those failed. */
  update(done: number, failed: number): void {
    const now = this.now();
    const tty = this.options.stream.isTTY === true;
    if (now - this.lastDraw < (tty ? REDRAW_MS : this.options.lineIntervalMs)) return;
    this.lastDraw = now;
    this.draw(done, failed, now);
  }

  /** Draw the final state and, on a terminal, end the line. */
  finish(done: number, failed: number): void {
    if (this.options.stream.isTTY === true) {
      this.draw(done, failed, this.now());
      if (this.drawn) this.options.stream.write('\n');
    }
  }

  private draw(done: number, failed: number, now: number): void {
    const { stream, total, verb } = this.options;
    const elapsedMs = now - this.started;
    if (stream.isTTY === true) {
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 60));
      stream.write(
        `\r${renderBar(done, total, width)} ${describeProgress(done, failed, total, elapsedMs)}\x1b[K`,
      );
    } else {
      stream.write(`${verb} ${describeProgress(done, failed, total, elapsedMs)}\n`);
    }
    this.drawn = true;
  }
}

/** `12,345/100,000 (12%), 2,700/s, ETA 28s, 3 failed`: counts, rate, time left. */
export function describeProgress(done: number, failed: number, total: number, elapsedMs: number): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const left = total - done;
  const eta = left <= 0 ? '0s' : rate > 0 ? formatDuration((left / rate) * 1000) : '?';
  const parts = [
    `${formatCount(done)}/${formatCount(total)} (${percent}%)`,
    `${formatCount(Math.round(rate))}/s`,
    `ETA ${eta}`,
  ];
  if (failed > 0) parts.push(`${formatCount(failed)} failed`);
  return parts.join(', ');
}

/** `[=========>          ]`, `width` characters between the brackets. */
export function renderBar(done: number, total: number, width: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(ratio * width);
  const head = filled > 0 && filled < width ? '>' : '';
  const body = '='.repeat(Math.max(0, filled - head.length));
  return `[${body}${head}${' '.repeat(width - body.length - head.length)}]`;
}

/** `1h02m`, `3m07s`, `42s`, `850ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `100,000`: thousands separated, whatever the locale, so output is stable across machines. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
