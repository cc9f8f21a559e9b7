/**
 * The historical endpoint's rules (events-api.md §2.4), checked before sending: mParticle does not
 * process a batch on `/v2/bulkevents/historical` that has no events, has an event without
 * `timestamp_unixtime_ms`, or has one less than 72 hours old, and it is undocumented whether that is an
 * error or a silent drop (§9 question 4). So the client refuses such batches itself. Internal.
 */
import type { ValidationIssue } from '../errors.js';
import { HISTORICAL_MIN_AGE_MS } from '../limits.js';

/** Every broken historical-endpoint rule of one batch, with paths relative to the batch. */
export function historicalIssues(batch: unknown, now: number): ValidationIssue[] {
  const events = (batch as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0) {
    return [
      {
        path: 'events',
        segments: ['events'],
        code: 'too_small',
        message: 'the historical endpoint needs at least one event (events-api.md §2.4)',
      },
    ];
  }
  const issues: ValidationIssue[] = [];
  events.forEach((event, i) => {
    const raw = (event as { data?: { timestamp_unixtime_ms?: unknown } } | null)?.data?.timestamp_unixtime_ms;
    const path = `events[${i}].data.timestamp_unixtime_ms`;
    const segments = ['events', i, 'data', 'timestamp_unixtime_ms'];
    const timestamp = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      issues.push({
        path,
        segments,
        code: 'invalid_type',
        message:
          'required on the historical endpoint: every event needs its own timestamp (events-api.md §2.4)',
      });
      return;
    }
    const ageMs = now - timestamp;
    if (ageMs < HISTORICAL_MIN_AGE_MS) {
      const hours = Math.floor(ageMs / 3_600_000);
      issues.push({
        path,
        segments,
        code: 'too_big',
        message: `must be at least 72 hours old on the historical endpoint (events-api.md §2.4); it is ${
          ageMs < 0 ? 'in the future' : `${hours} hours old`
        }`,
      });
    }
  });
  return issues;
}
