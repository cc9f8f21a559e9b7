/**
 * The CLI's validation pass: reads the whole input once, checks every batch with the SDK's own rules
 * (and the historical endpoint's, events-api.md §2.4, when sending there), and keeps the first problems
 * with their line and path. Memory stays flat: batches are dropped once checked.
 *
 * Internal to the CLI: not part of the public API.
 */
import { type Batch, parseBatchJson } from '../batch/index.js';
import { ValidationError } from '../errors.js';
import { historicalIssues } from '../transport/historical.js';
import { BatchReader, type InputFormat } from './input.js';
import type { InputSource } from './source.js';

/** One problem found in the input, located by line and, inside a batch, by path. */
export interface InputProblem {
  /** 1-based line where the batch starts (or where the input's structure broke). */
  line: number;
  /** 0-based position of the batch in the input, when the problem belongs to one batch. */
  item?: number;
  /** Where in the batch, `events[0].data.event_name`; empty for the batch as a whole. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** What the validation pass found. */
export interface CheckResult {
  /** How the input was written. */
  format: InputFormat | undefined;
  /** Batches read, valid or not. */
  batches: number;
  /** Batches with at least one problem. */
  invalidBatches: number;
  /** The first problems, in input order, at most `maxProblems`. */
  problems: InputProblem[];
  /** All problems found, including those not kept. */
  problemCount: number;
  /** The input's structure broke (bad brackets, truncated): reading stopped there. */
  structural: boolean;
}

/** Options of {@link checkInput}. */
export interface CheckOptions {
  /** Also apply the historical endpoint's rules (events-api.md §2.4). */
  historical: boolean;
  /** How many problems to keep; the rest are only counted. */
  maxProblems: number;
  /** Called after each batch, for progress output. */
  onBatch?: (checked: number) => void;
  /** The clock for the 72-hour rule, injectable for tests. */
  now?: () => number;
}

/** Parse one batch's JSON text with the SDK's rules; the problems found, or the batch. */
export function checkBatchText(
  text: string,
  historical: boolean,
  now: number,
): { ok: true; batch: Batch } | { ok: false; problems: { path: string; message: string }[] } {
  let batch: Batch;
  try {
    batch = parseBatchJson(text);
  } catch (error) {
    if (error instanceof ValidationError) {
      return { ok: false, problems: error.issues.map((i) => ({ path: i.path, message: i.message })) };
    }
    return {
      ok: false,
      problems: [{ path: '', message: error instanceof Error ? error.message : String(error) }],
    };
  }
  if (historical) {
    // The client's own pre-send check for the historical endpoint (events-api.md §2.4).
    const issues = historicalIssues(batch, now);
    if (issues.length > 0)
      return { ok: false, problems: issues.map((i) => ({ path: i.path, message: i.message })) };
  }
  return { ok: true, batch };
}

/** Read the whole input once and check every batch in it. */
export async function checkInput(source: InputSource, options: CheckOptions): Promise<CheckResult> {
  const reader = new BatchReader(source.read());
  const now = (options.now ?? Date.now)();
  const result: CheckResult = {
    format: undefined,
    batches: 0,
    invalidBatches: 0,
    problems: [],
    problemCount: 0,
    structural: false,
  };
  const keep = (problem: InputProblem): void => {
    result.problemCount++;
    if (result.problems.length < options.maxProblems) result.problems.push(problem);
  };
  for await (const record of reader) {
    if (record.kind === 'error') {
      result.structural = true;
      keep({ line: record.line, path: '', message: record.message });
      break;
    }
    result.batches++;
    const checked = checkBatchText(record.text, options.historical, now);
    if (!checked.ok) {
      result.invalidBatches++;
      for (const problem of checked.problems) keep({ line: record.line, item: record.index, ...problem });
    }
    options.onBatch?.(result.batches);
  }
  result.format = reader.format;
  return result;
}

/** `line 17: events[0].data.event_name: Too small…`, with the item number for JSON arrays. */
export function formatProblem(problem: InputProblem, format: InputFormat | undefined): string {
  const where =
    format === 'json' && problem.item !== undefined
      ? `line ${problem.line} (batch ${problem.item})`
      : `line ${problem.line}`;
  return `${where}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}
