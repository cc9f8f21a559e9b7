import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_BYTES, MAX_BATCHES_PER_REQUEST, MAX_REQUEST_BYTES } from '../../src/limits.js';
import {
  bulkBodyBytes,
  type Encoded,
  encodeJson,
  oversizeProblem,
  packRequests,
  requestBody,
  takeRequest,
  utf8ByteLength,
} from '../../src/transport/packing.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function item(bytes: number, tag = 0): Encoded & { tag: number; json: string } {
  // A JSON object of exactly `bytes` bytes: {"p":"xxxx"} is 8 bytes of frame.
  const json = `{"p":"${'x'.repeat(Math.max(0, bytes - 8))}"}`;
  return fromJson(json, tag);
}

function fromJson(json: string, tag = 0): Encoded & { tag: number; json: string } {
  const data = encodeJson(json);
  return { json, data, bytes: data.length, tag };
}

describe('utf8ByteLength', () => {
  it('matches TextEncoder for any string, astral characters and lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 500 },
    );
    for (const text of ['', 'a', 'é', '€', '😀', '\ud800', '\udc00x', 'a\ud83d']) {
      expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
    }
  });

  it('matches TextEncoder for long strings too (measured natively where Buffer exists)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 256, maxLength: 2_000 }), (text) => {
        expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 200 },
    );
    for (const unit of ['a', 'é', '😀', '\ud800', '\udc00x', 'a\ud83d']) {
      const text = unit.repeat(300);
      expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
    }
  });
});

describe('oversizeProblem', () => {
  it('refuses a batch over 128 KB, naming the limit', () => {
    expect(oversizeProblem(MAX_BATCH_BYTES)).toBeUndefined();
    expect(oversizeProblem(MAX_BATCH_BYTES + 1)).toMatch(/128000 bytes per batch \(MAX_BATCH_BYTES\)/);
  });

  it('refuses a batch that cannot fit a smaller request limit', () => {
    expect(oversizeProblem(1_000, { maxBatches: 100, maxBytes: 500 })).toMatch(/cannot fit a request/);
  });
});

describe('packRequests', () => {
  it('never exceeds the byte or count limit, and keeps every batch exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 8, max: 130_000 }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 100 }),
        (sizes, maxBatches) => {
          const items = sizes.map((s, i) => item(Math.min(s, MAX_BATCH_BYTES), i));
          const requests = packRequests(items, { maxBatches, maxBytes: MAX_REQUEST_BYTES });
          const seen = requests.flat().map((r) => r.tag);
          expect(seen.sort((a, b) => a - b)).toEqual(items.map((i) => i.tag));
          for (const request of requests) {
            expect(request.length).toBeGreaterThan(0);
            expect(request.length).toBeLessThanOrEqual(maxBatches);
            const body = requestBody(request, true);
            expect(body.length).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
            expect(body.length).toBe(encoder.encode(decoder.decode(body)).length);
            // Batches keep their relative order inside a request.
            const tags = request.map((r) => r.tag);
            expect(tags).toEqual([...tags].sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fills requests: small batches go into the gaps large ones leave', () => {
    const items = [item(120_000, 0), item(120_000, 1), item(120_000, 2), item(10_000, 3), item(10_000, 4)];
    const requests = packRequests(items);
    expect(requests.map((r) => r.map((i) => i.tag))).toEqual([
      [0, 1, 3],
      [2, 4],
    ]);
  });

  it('packs 1,000 small batches into requests of 100', () => {
    const requests = packRequests(Array.from({ length: 1_000 }, (_, i) => item(200, i)));
    expect(requests).toHaveLength(10);
    expect(requests.every((r) => r.length === MAX_BATCHES_PER_REQUEST)).toBe(true);
  });
});

describe('takeRequest', () => {
  it('takes batches from the head while they fit, stopping at the first that does not', () => {
    const items = [item(100_000), item(100_000), item(60_000), item(10)];
    expect(takeRequest(items)).toBe(2);
    expect(takeRequest(items.slice(2))).toBe(2);
    expect(takeRequest([])).toBe(0);
    expect(takeRequest(Array.from({ length: 150 }, () => item(10)))).toBe(100);
    expect(
      takeRequest(
        Array.from({ length: 150 }, () => item(10)),
        { maxBatches: 13, maxBytes: 1_000 },
      ),
    ).toBe(13);
  });
});

describe('requestBody and bulkBodyBytes', () => {
  it('builds a JSON array whose size bulkBodyBytes predicts, or the single batch as is', () => {
    const items = [item(20), item(30), fromJson('{"name":"é😀"}')];
    expect(items[2]?.bytes).toBe(utf8ByteLength('{"name":"é😀"}'));
    const body = requestBody(items, true);
    // The bytes are exactly the UTF-8 of the JSON array text, and as long as bulkBodyBytes says.
    const text = `[${items.map((i) => i.json).join(',')}]`;
    expect(body).toEqual(encoder.encode(text));
    expect(JSON.parse(decoder.decode(body))).toHaveLength(3);
    expect(body.length).toBe(
      bulkBodyBytes(
        items.reduce((s, i) => s + i.bytes, 0),
        items.length,
      ),
    );
    const first = items[0] as Encoded & { json: string };
    expect(decoder.decode(requestBody([first], false))).toBe(first.json);
    expect(decoder.decode(requestBody([first], true))).toBe(`[${first.json}]`);
    // A lone surrogate is written as U+FFFD, 3 bytes, as utf8ByteLength counts it.
    const lone = fromJson('"\ud800"');
    expect(lone.bytes).toBe(utf8ByteLength('"\ud800"'));
    expect(requestBody([lone], false)).toEqual(encoder.encode(lone.json));
    expect(bulkBodyBytes(0, 0)).toBe(2);
  });
});
