/**
 * The CLI's streaming input reader: splits a JSON batch, a JSON array of batches or NDJSON into one
 * JSON text per batch, with the line each starts on, without ever holding more than one batch.
 *
 * Internal to the CLI: not part of the public API.
 */

/** How the input was written, as detected from its first lines. */
export type InputFormat = 'ndjson' | 'json';

/** One batch's JSON text, or a problem that stopped the reader. */
export type InputRecord =
  | {
      kind: 'batch';
      /** 1-based line where the batch starts. */
      line: number;
      /** 0-based position of the batch in the input. */
      index: number;
      /** The batch, as JSON text (not yet parsed). */
      text: string;
    }
  | {
      kind: 'error';
      /** 1-based line of the problem. */
      line: number;
      /** What is wrong with the input's structure. Reading stops after it. */
      message: string;
    };

const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c; // ,
const NEWLINE = 0x0a; // \n

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Reads batches from text chunks (a decoded file or stdin stream). The format is detected from the
 * content: a first non-blank line that is a whole JSON object (or one that is not, followed by a line that
 * is) means NDJSON, where every non-blank line is a batch and a bad line does not hide the
 * next; otherwise the input is one JSON value, an object (one batch, or several written one after another)
 * or an array of batches, split by a scanner that tracks strings and brackets.
 */
export class BatchReader implements AsyncIterable<InputRecord> {
  /** The detected format, known once the first record has been read. */
  format: InputFormat | undefined;
  private readonly source: AsyncIterable<string>;

  constructor(source: AsyncIterable<string>) {
    this.source = source;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<InputRecord> {
    const iterator = this.source[Symbol.asyncIterator]();
    let pending = '';
    let done = false;
    const more = async (): Promise<boolean> => {
      if (done) return false;
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return false;
      }
      pending += next.value;
      return true;
    };

    // Detection needs at most the first two non-blank lines.
    let format: InputFormat | undefined;
    for (;;) {
      if (pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
      const first = firstNonBlankLine(pending, 0);
      if (first) {
        const c = first.text.charCodeAt(0);
        if (c !== OPEN_OBJECT) {
          format = 'json';
          break;
        }
        if (first.complete || done) {
          if (isJsonObject(first.text)) {
            format = 'ndjson';
            break;
          }
          // A broken first line is NDJSON when the next line is a whole object of its own; in a
          // pretty-printed object the next line is a key or a nested value, rarely a complete object.
          const second = firstNonBlankLine(pending, first.end);
          if ((second && (second.complete || done)) || done) {
            format = second && isJsonObject(second.text) ? 'ndjson' : 'json';
            break;
          }
        }
      } else if (done) {
        format = 'json';
        break;
      }
      await more();
    }
    this.format = format;

    const rest = (async function* (): AsyncGenerator<string> {
      if (pending) yield pending;
      pending = '';
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })();
    yield* format === 'ndjson' ? splitLines(rest) : scanJson(rest);
  }
}

function firstNonBlankLine(
  text: string,
  from: number,
): { text: string; end: number; complete: boolean } | undefined {
  let start = from;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl === -1 ? undefined : nl).trim();
    if (line) return { text: line, end: nl === -1 ? text.length : nl + 1, complete: nl !== -1 };
    if (nl === -1) return undefined;
    start = nl + 1;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** NDJSON: every non-blank line is one batch. */
async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<InputRecord> {
  let carry = '';
  let line = 0;
  let index = 0;
  const emit = (raw: string): InputRecord | undefined => {
    line++;
    const text = raw.trim();
    return text ? { kind: 'batch', line, index: index++, text } : undefined;
  };
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl !== -1) {
      const record = emit(carry + chunk.slice(0, nl));
      carry = '';
      if (record) yield record;
      start = nl + 1;
      for (nl = chunk.indexOf('\n', start); nl !== -1; nl = chunk.indexOf('\n', start)) {
        const next = emit(chunk.slice(start, nl));
        if (next) yield next;
        start = nl + 1;
      }
    }
    carry += chunk.slice(start);
  }
  if (carry) {
    const record = emit(carry);
    if (record) yield record;
  }
}

/**
 * One JSON value: an object (or several, one after another) or an array whose items are the batches.
 * Structural errors stop the scan; an item's own syntax errors are left to the JSON parser, which reports
 * them against the item's line.
 */
async function* scanJson(chunks: AsyncIterable<string>): AsyncGenerator<InputRecord> {
  let line = 1;
  let index = 0;
  /** Open brackets, innermost last. In array mode the outer `[` is the first entry. */
  const stack: number[] = [];
  let arrayMode = false;
  let arrayClosed = false;
  /** In array mode, whether an item is needed before the next `,` or `]`. */
  let expectItem = true;
  let sawItem = false;
  let inString = false;
  let escaped = false;
  /** The current item's text so far, and the line it started on; `parts` is empty between items. */
  let parts: string[] = [];
  let itemStart = -1;
  let itemLine = 0;
  let scalar = false;

  const fail = (message: string): InputRecord => ({ kind: 'error', line, message });

  for await (const chunk of chunks) {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      if (itemStart !== -1 || parts.length > 0) {
        // Inside an item.
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        if (scalar) {
          if (c === COMMA || c === CLOSE_ARRAY || isSpace(c)) {
            parts.push(chunk.slice(itemStart === -1 ? 0 : itemStart, i));
            yield { kind: 'batch', line: itemLine, index: index++, text: parts.join('') };
            parts = [];
            itemStart = -1;
            scalar = false;
            i--; // the delimiter is handled between items
            if (c === NEWLINE) line--;
          }
          continue;
        }
        if (c === QUOTE) inString = true;
        else if (c === OPEN_OBJECT || c === OPEN_ARRAY) stack.push(c);
        else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          const open = stack.pop();
          if (open !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) {
            yield fail(`unexpected '${String.fromCharCode(c)}': brackets do not match`);
            return;
          }
          if (stack.length === (arrayMode ? 1 : 0)) {
            parts.push(chunk.slice(itemStart === -1 ? 0 : itemStart, i + 1));
            yield { kind: 'batch', line: itemLine, index: index++, text: parts.join('') };
            parts = [];
            itemStart = -1;
          }
        }
        continue;
      }

      // Between items.
      if (isSpace(c)) continue;
      if (arrayClosed) {
        yield fail(`unexpected '${String.fromCharCode(c)}' after the closing ']'`);
        return;
      }
      if (arrayMode) {
        if (c === COMMA) {
          if (expectItem) {
            yield fail(`unexpected ','`);
            return;
          }
          expectItem = true;
          continue;
        }
        if (c === CLOSE_ARRAY) {
          if (expectItem && sawItem) {
            yield fail(`unexpected ']' after ','`);
            return;
          }
          stack.pop();
          arrayClosed = true;
          continue;
        }
        if (!expectItem) {
          yield fail(`expected ',' or ']' between batches`);
          return;
        }
        expectItem = false;
        sawItem = true;
      } else if (c === OPEN_ARRAY && index === 0) {
        arrayMode = true;
        stack.push(c);
        continue;
      } else if (c !== OPEN_OBJECT) {
        yield fail(
          `unexpected '${String.fromCharCode(c)}': expected a batch object, an array of batches or NDJSON`,
        );
        return;
      }
      // Start of an item.
      itemStart = i;
      itemLine = line;
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) stack.push(c);
      else if (c === QUOTE) inString = true;
      else scalar = true;
      if (c === QUOTE) scalar = true;
    }
    if (itemStart !== -1 || parts.length > 0) {
      parts.push(chunk.slice(itemStart === -1 ? 0 : itemStart));
      itemStart = -1;
    }
  }
  if (parts.length > 0) {
    if (scalar && !inString) {
      yield { kind: 'batch', line: itemLine, index: index++, text: parts.join('') };
      if (arrayMode && !arrayClosed) yield fail(`unexpected end of input: the array is not closed`);
    } else {
      yield {
        kind: 'error',
        line: itemLine,
        message: 'unexpected end of input: the batch starting on this line is incomplete',
      };
    }
    return;
  }
  if (arrayMode && !arrayClosed) yield fail(`unexpected end of input: the array is not closed`);
}
