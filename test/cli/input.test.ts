import { describe, expect, it } from 'vitest';
import { BatchReader, type InputRecord } from '../../src/cli/input.js';

/** Feed `text` to the reader in chunks of `size` characters, to cross every boundary. */
async function read(
  text: string,
  size = text.length || 1,
): Promise<{ format: string | undefined; records: InputRecord[] }> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  const reader = new BatchReader(
    (async function* () {
      yield* chunks;
    })(),
  );
  const records: InputRecord[] = [];
  for await (const record of reader) records.push(record);
  return { format: reader.format, records };
}

const a = {
  environment: 'development',
  events: [{ event_type: 'custom_event', data: { event_name: 'a "}]' } }],
};
const b = { environment: 'production', user_identities: { email: 'b@example.com' } };

describe('BatchReader', () => {
  for (const size of [1, 3, 7, 64, 100_000]) {
    describe(`in chunks of ${size}`, () => {
      it('reads NDJSON line by line, with line numbers, skipping blank lines', async () => {
        const text = `${JSON.stringify(a)}\n\n${JSON.stringify(b)}\r\n   \n${JSON.stringify(a)}`;
        const { format, records } = await read(text, size);
        expect(format).toBe('ndjson');
        expect(records.map((r) => (r.kind === 'batch' ? [r.line, r.index, JSON.parse(r.text)] : r))).toEqual([
          [1, 0, a],
          [3, 1, b],
          [5, 2, a],
        ]);
      });

      it('reads a pretty-printed JSON array, each batch with the line it starts on', async () => {
        const text = `[\n  ${JSON.stringify(a, null, 2).replace(/\n/g, '\n  ')},\n  ${JSON.stringify(b)}\n]\n`;
        const { format, records } = await read(text, size);
        expect(format).toBe('json');
        const lines = text.split('\n');
        const secondLine = lines.findIndex((l) => l.includes('"production"')) + 1;
        expect(records.map((r) => (r.kind === 'batch' ? [r.line, r.index, JSON.parse(r.text)] : r))).toEqual([
          [2, 0, a],
          [secondLine, 1, b],
        ]);
      });

      it('reads one pretty-printed batch, and objects written one after another', async () => {
        const one = await read(`\uFEFF${JSON.stringify(a, null, 2)}\n`, size);
        expect(one.format).toBe('json');
        expect(one.records).toEqual([{ kind: 'batch', line: 1, index: 0, text: JSON.stringify(a, null, 2) }]);

        const two = await read(`${JSON.stringify(a, null, 2)}\n${JSON.stringify(b, null, 2)}`, size);
        expect(two.records.map((r) => r.kind === 'batch' && JSON.parse(r.text))).toEqual([a, b]);
        expect(two.records[1]).toMatchObject({ line: JSON.stringify(a, null, 2).split('\n').length + 1 });
      });

      it('reads an object whose first line opens a list of one-line objects as one batch', async () => {
        const text =
          '{"environment": "development", "events": [\n  {"event_type": "custom_event"},\n  {"event_type": "screen_view"}\n]}\n';
        const { format, records } = await read(text, size);
        expect(format).toBe('json');
        expect(records).toEqual([{ kind: 'batch', line: 1, index: 0, text: text.trim() }]);
      });

      it('hands array items that are not objects to the parser, which reports them', async () => {
        const { records } = await read('[1, "x", {"a":[1,2]}, null]', size);
        expect(records.map((r) => r.kind === 'batch' && r.text)).toEqual(['1', '"x"', '{"a":[1,2]}', 'null']);
      });

      it('keeps a bad NDJSON line to itself: the next lines are still read', async () => {
        const text = `{"broken": \n${JSON.stringify(b)}\n${JSON.stringify(a)}\n`;
        const { format, records } = await read(text, size);
        expect(format).toBe('ndjson');
        expect(records.map((r) => r.kind === 'batch' && [r.line, r.text.slice(0, 10)])).toEqual([
          [1, '{"broken":'],
          [2, JSON.stringify(b).slice(0, 10)],
          [3, JSON.stringify(a).slice(0, 10)],
        ]);
      });
    });
  }

  it('reports an empty input and an empty array as no batches', async () => {
    expect((await read('')).records).toEqual([]);
    expect((await read('  \n\n')).records).toEqual([]);
    expect((await read('[ ]')).records).toEqual([]);
  });

  it('stops at broken structure with the line of the problem', async () => {
    expect((await read('[\n{"a":1}\n{"b":2}]')).records).toEqual([
      { kind: 'batch', line: 2, index: 0, text: '{"a":1}' },
      { kind: 'error', line: 3, message: "expected ',' or ']' between batches" },
    ]);
    expect((await read('[{"a":1},,{"b":2}]')).records.at(-1)).toEqual({
      kind: 'error',
      line: 1,
      message: "unexpected ','",
    });
    expect((await read('[{"a":1},]')).records.at(-1)).toMatchObject({
      kind: 'error',
      message: "unexpected ']' after ','",
    });
    expect((await read('[{"a":1}] x')).records.at(-1)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining("after the closing ']'"),
    });
    expect((await read('{\n"a": [1}\n')).records).toEqual([
      { kind: 'error', line: 2, message: "unexpected '}': brackets do not match" },
    ]);
    expect((await read('{\n  "a": 1,\n  "b": {\n')).records).toEqual([
      {
        kind: 'error',
        line: 1,
        message: 'unexpected end of input: the batch starting on this line is incomplete',
      },
    ]);
    expect((await read('[{"a":1}\n')).records.at(-1)).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('array is not closed'),
    });
    expect((await read('"just a string"')).records).toEqual([
      { kind: 'error', line: 1, message: expect.stringContaining('expected a batch object') },
    ]);
  });

  it('does not hold the input: a long NDJSON stream is consumed as it is read', async () => {
    let produced = 0;
    let maxAhead = 0;
    let consumed = 0;
    const line = `${JSON.stringify(a)}\n`;
    const reader = new BatchReader(
      (async function* () {
        for (let i = 0; i < 20_000; i++) {
          produced++;
          maxAhead = Math.max(maxAhead, produced - consumed);
          yield line;
        }
      })(),
    );
    for await (const record of reader) {
      if (record.kind === 'batch') consumed++;
    }
    expect(consumed).toBe(20_000);
    // The reader pulls a chunk only when the previous one is used up (detection reads one ahead).
    expect(maxAhead).toBeLessThanOrEqual(2);
  });
});
