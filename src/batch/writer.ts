/**
 * The batch JSON writer behind `serializeBatch`: the exact JSON text sent to mParticle. Internal.
 *
 * In a built batch, 64-bit IDs are decimal strings; the writer knows where those fields are (never by
 * name alone: a custom attribute called "mpid" stays a string) and writes them as bare integers, first in
 * their object. Everything else goes through `JSON.stringify`, as few calls as possible, which keeps this
 * at about the cost of one `JSON.stringify` of the batch.
 *
 * @module
 */

/** Top-level 64-bit ID fields (events-api.md §3.1). */
const BATCH_INT64: ReadonlySet<string> = new Set(['mpid', 'batch_id', 'origin_mpid']);

/** 64-bit ID fields of an event's `data` (events-api.md §3.3, §3.4: common, profile, crash_report). */
const DATA_INT64 = [
  'event_id',
  'session_id',
  'event_num',
  'previous_mpid',
  'current_mpid',
  'ios_image_base_address',
  'ios_image_size',
] as const;
const DATA_INT64_SET: ReadonlySet<string> = new Set(DATA_INT64);

type Json = Record<string, unknown>;

/**
 * The JSON text of an object whose `int64` keys hold decimal strings to write bare, and whose `nested`
 * key, when it holds a list, holds events to write with {@link writeEvents}. Those keys are written
 * first; everything else goes through one `JSON.stringify` (key order does not change a JSON value).
 */
function writeObject(source: Json, int64: ReadonlySet<string>, nested: string | undefined): string {
  const parts: string[] = [];
  const rest: Json = {};
  let restEmpty = true;
  for (const key in source) {
    const value = source[key];
    if (value === undefined) continue;
    if (typeof value === 'string' && int64.has(key)) parts.push(`${JSON.stringify(key)}:${value}`);
    else if (key === nested && Array.isArray(value))
      parts.push(`${JSON.stringify(key)}:${writeEvents(value)}`);
    else {
      rest[key] = value;
      restEmpty = false;
    }
  }
  if (!restEmpty) parts.push(JSON.stringify(rest).slice(1, -1));
  return `{${parts.join(',')}}`;
}

/** Whether an event's data holds a 64-bit ID or nested events, which `JSON.stringify` cannot write. */
function needsRawWriter(event: unknown): boolean {
  const data = (event as Json | null | undefined)?.data as Json | null | undefined;
  if (data === null || typeof data !== 'object') return false;
  for (const key of DATA_INT64) if (typeof data[key] === 'string') return true;
  return Array.isArray(data.breadcrumbs);
}

/** The JSON text of a validated batch object. */
export function writeBatch(batch: object): string {
  const source = batch as Json;
  const events = source.events;
  const rawEvents = Array.isArray(events) && events.some(needsRawWriter);
  let int64 = rawEvents;
  for (const key of BATCH_INT64) if (typeof source[key] === 'string') int64 = true;
  // The common case (no 64-bit ID anywhere) is one JSON.stringify.
  if (!int64) return JSON.stringify(batch);
  return writeObject(source, BATCH_INT64, rawEvents ? 'events' : undefined);
}

/** The JSON text of an events array. */
export function writeEvents(events: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i++) {
    if (i > 0) out += ',';
    out += writeEvent(events[i] as Json);
  }
  return `${out}]`;
}

/** The JSON text of one validated event: `{ event_type, data }`. */
export function writeEvent(event: Json): string {
  if (!needsRawWriter(event)) return JSON.stringify(event);
  const data = writeObject(event.data as Json, DATA_INT64_SET, 'breadcrumbs');
  return `{"event_type":${JSON.stringify(event.event_type)},"data":${data}}`;
}
