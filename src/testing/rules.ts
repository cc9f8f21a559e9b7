/**
 * The request and batch rules the fake enforces, and mParticle's error body (events-api.md §1.6).
 * Internal to the fake server.
 */
import { STATUS_CODES } from 'node:http';
import type { ValidationIssue } from '../errors.js';
import { HISTORICAL_MIN_AGE_MS } from '../limits.js';

/** The three Events API routes (events-api.md §1.2). */
export type Route = 'events' | 'bulkevents' | 'historical';

const ROUTES: ReadonlyMap<string, Route> = new Map([
  ['/v2/events', 'events'],
  ['/v2/bulkevents', 'bulkevents'],
  ['/v2/bulkevents/historical', 'historical'],
]);

/** The route a path names, or `undefined` for any other path. */
export function routeOf(path: string): Route | undefined {
  return ROUTES.get(path);
}

/** The path of a request target, without its query string. */
export function pathOf(target: string | undefined): string {
  if (!target) return '/';
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

/** mParticle's error body: `{"errors":[{"code":…,"message":…}]}` (events-api.md §1.6). */
export function errorBody(status: number, ...messages: string[]): string {
  const code = errorCode(status);
  return JSON.stringify({ errors: messages.map((message) => ({ code, message })) });
}

/** The error code for a status: `BAD_REQUEST` for 400 (the documented example), else the reason phrase. */
export function errorCode(status: number): string {
  return (STATUS_CODES[status] ?? 'ERROR').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** How many batches a parsed body holds for a route: 1 for an `/events` object, the length of a bulk array. */
export function countBatches(route: Route | undefined, body: unknown): number {
  if (route === undefined) return 0;
  if (route === 'events') return isObject(body) ? 1 : 0;
  return Array.isArray(body) ? body.length : 0;
}

/** Whether a value is a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Everything wrong with one batch, each as `path: message` (the path relative to the batch). Empty when
 * the batch passes.
 */
export function batchProblems(
  batch: unknown,
  validateBatch: ((batch: unknown) => void) | undefined,
  historical: boolean,
  now: number,
): string[] {
  if (!isObject(batch)) return ['(batch): expected a batch object'];
  const problems: string[] = [];
  if (validateBatch) {
    try {
      validateBatch(batch);
    } catch (error) {
      const issues = issuesOf(error);
      if (issues.length > 0) {
        for (const issue of issues) problems.push(`${issue.path || '(batch)'}: ${issue.message}`);
      } else {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (historical) problems.push(...historicalProblems(batch, now));
  }
  return problems;
}

/**
 * The issues of a `ValidationError`. Read by shape, not `instanceof`: the `mparticle-events` and
 * `mparticle-events/testing` bundles each hold a copy of the error classes, and a user's validator may
 * throw either.
 */
function issuesOf(error: unknown): Pick<ValidationIssue, 'path' | 'message'>[] {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (issue): issue is ValidationIssue =>
      isObject(issue) && typeof issue.path === 'string' && typeof issue.message === 'string',
  );
}

/**
 * The historical endpoint's rules (events-api.md §2.4): the batch has events, every event has
 * `timestamp_unixtime_ms`, and every one is at least 72 hours old. Whether mParticle answers 4xx or
 * 202-then-drops is unknown (§9 question 4); the fake answers 400 so a client's mistake shows.
 */
export function historicalProblems(batch: Record<string, unknown>, now: number): string[] {
  const events = batch.events;
  if (!Array.isArray(events) || events.length === 0) {
    return ['events: the historical endpoint needs at least one event'];
  }
  const problems: string[] = [];
  events.forEach((event, index) => {
    const path = `events[${index}].data.timestamp_unixtime_ms`;
    const data = isObject(event) ? event.data : undefined;
    const raw = isObject(data) ? data.timestamp_unixtime_ms : undefined;
    // Lossless parsing turns integers beyond 2^53 into decimal strings; a timestamp is far below that,
    // but a string that is a number is read as one.
    const timestamp =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw !== '' ? Number(raw) : NaN;
    if (raw === undefined || raw === null) {
      problems.push(`${path}: required on the historical endpoint`);
    } else if (!Number.isFinite(timestamp)) {
      problems.push(`${path}: expected epoch milliseconds`);
    } else if (now - timestamp < HISTORICAL_MIN_AGE_MS) {
      problems.push(`${path}: must be at least 72 hours old on the historical endpoint`);
    }
  });
  return problems;
}

/** One error message for a bad batch: its index (bulk requests only), then its first problems. */
export function describeBadBatch(index: number | undefined, problems: readonly string[]): string {
  const shown = problems.slice(0, 5).join('; ');
  const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
  return `${index === undefined ? '' : `batch[${index}]: `}${shown}${more}`;
}
