/**
 * Acceptance 2 and 3: mParticle's official sample batch, read losslessly, goes through parseBatch and
 * serializeBatch and comes back as the same JSON value, 64-bit numbers exact; and the two MPIDs of the
 * issue round-trip exactly through build and serialize.
 */
import { describe, expect, it } from 'vitest';
import { BatchBuilder, parseBatch, parseBatchJson, serializeBatch } from '../../src/index.js';
import { parseExact, sampleText, schemaErrors, validateDocumented } from './support.js';

const MPIDS = ['-7636538281262557000', '6558165446704400378'] as const;

describe("mParticle's sample batch", () => {
  it('round-trips through parseBatch and serializeBatch as the same JSON value, read with lossless-json', () => {
    const original = parseExact(sampleText());
    const out = serializeBatch(parseBatch(original));
    expect(parseExact(out)).toEqual(original);
  });

  it('keeps its 64-bit numbers exact (a plain JSON.parse would not)', () => {
    const out = serializeBatch(parseBatchJson(sampleText()));
    for (const literal of [
      '6558165446704400378',
      '-6518616552181726857',
      '-8602161397754364000',
      '6051321688317951794',
    ]) {
      expect(out).toContain(`:${literal}`);
      expect(BigInt(JSON.parse(literal) as number)).not.toBe(BigInt(literal));
    }
    expect(out).toContain('"mpid":-7636538281262557000');
  });

  it('round-trips through parseBatchJson too', () => {
    const out = serializeBatch(parseBatchJson(sampleText()));
    expect(parseExact(out)).toEqual(parseExact(sampleText()));
  });

  it('passes the schema once the documented deviations are allowed, and the official schema names exactly those', () => {
    const out = serializeBatch(parseBatchJson(sampleText()));
    expect(validateDocumented(JSON.parse(out))).toBe(true);
    // The official schema rejects mParticle's own sample: orientation 'unknown', a null source_message_id
    // and a null commerce screen_name (see docs-vs-schema.test.ts).
    const errors = schemaErrors(out).join('\n');
    expect(errors).toContain('/device_current_state/device_orientation');
    expect(errors).toContain('/events/8/data/source_message_id');
    expect(errors).toContain('/events/13/data/screen_name');
  });
});

describe('64-bit IDs', () => {
  it.each(MPIDS)(
    'mpid %s round-trips exactly through build and serialize, given as string or bigint',
    (mpid) => {
      for (const input of [mpid, BigInt(mpid)]) {
        const batch = new BatchBuilder({ environment: 'production' }).mpid(input).build();
        expect(batch.mpid).toBe(mpid);
        const text = serializeBatch(batch);
        expect(text).toContain(`"mpid":${mpid}`);
        expect((parseExact(text) as { mpid: bigint }).mpid).toBe(BigInt(mpid));
        expect(serializeBatch(parseBatchJson(text))).toBe(text);
      }
    },
  );

  it('accepts a safe-integer number and writes it as an integer', () => {
    const batch = new BatchBuilder().mpid(9007199254740991).build();
    expect(batch.mpid).toBe('9007199254740991');
    expect(serializeBatch(batch)).toContain('"mpid":9007199254740991,');
  });

  it('rejects a number beyond 2^53, which has already lost precision', () => {
    expect(() => new BatchBuilder().mpid(-7636538281262557000).build()).toThrow(/mpid: .*lost precision/);
  });

  it('rejects values outside the signed 64-bit range, and non-integers', () => {
    expect(() => new BatchBuilder().mpid(2n ** 63n).build()).toThrow(/mpid: out of 64-bit integer range/);
    expect(() => new BatchBuilder().mpid('12.5').build()).toThrow(/mpid: expected a decimal integer string/);
    expect(() => new BatchBuilder().mpid(1.5).build()).toThrow(/mpid: expected an integer/);
  });

  it('session_id, event_id, event_num and the profile and crash IDs are exact in the JSON', () => {
    const batch = new BatchBuilder()
      .mpid(1n)
      .customEvent({
        event_name: 'x',
        session_id: -9223372036854775808n,
        event_id: '9223372036854775807',
        event_num: 0,
      })
      .event({
        event_type: 'profile',
        data: { profile_event_type: 'signup', previous_mpid: '0', current_mpid: 6558165446704400378n },
      })
      .event({
        event_type: 'crash_report',
        data: { severity: 's', message: 'm', ios_image_base_address: 2n ** 64n - 1n },
      })
      .build();
    const text = serializeBatch(batch);
    for (const literal of [
      '"session_id":-9223372036854775808',
      '"event_id":9223372036854775807',
      '"event_num":0',
      '"previous_mpid":0',
      '"current_mpid":6558165446704400378',
      '"ios_image_base_address":18446744073709551615',
    ]) {
      expect(text).toContain(literal);
    }
  });

  it('canonicalizes IDs: "-0", padded and 19-digit strings; unsigned IDs refuse negatives', () => {
    const batch = new BatchBuilder()
      .mpid(' 42 ')
      .customEvent({ event_name: 'a', session_id: '-0', event_id: '9223372036854775807' })
      .event({
        event_type: 'crash_report',
        data: { severity: 's', message: 'm', ios_image_size: '18446744073709551615' },
      })
      .build();
    expect(batch.mpid).toBe('42');
    expect(batch.events?.[0]?.data).toMatchObject({ session_id: '0', event_id: '9223372036854775807' });
    const bad = () =>
      new BatchBuilder()
        .mpid('9223372036854775808')
        .customEvent({ event_name: 'a', session_id: '007' })
        .event({ event_type: 'crash_report', data: { severity: 's', message: 'm', ios_image_size: '-1' } })
        .build();
    expect(bad).toThrow(/mpid: out of 64-bit integer range/);
    expect(bad).toThrow(/session_id: expected a decimal integer string/);
    expect(bad).toThrow(/ios_image_size: out of unsigned 64-bit integer range/);
  });

  it('the writer knows paths, not names: an attribute called "mpid" stays a string', () => {
    const batch = new BatchBuilder()
      .mpid(7n)
      .userAttributes({ mpid: '123', session_id: '456' })
      .customEvent({
        event_name: 'x',
        custom_attributes: { mpid: '123', event_id: '9' },
        custom_flags: { session_id: '1' },
      })
      .build();
    const text = serializeBatch(batch);
    expect(text).toContain('"user_attributes":{"mpid":"123","session_id":"456"}');
    expect(text).toContain('"custom_attributes":{"mpid":"123","event_id":"9"}');
    expect(text).toContain('"custom_flags":{"session_id":"1"}');
  });

  it('JSON.stringify(batch) does not throw and writes IDs as strings', () => {
    const batch = new BatchBuilder()
      .mpid(-7636538281262557000n)
      .customEvent({ event_name: 'x', session_id: 1n })
      .build();
    const text = JSON.stringify(batch);
    expect(text).toContain('"mpid":"-7636538281262557000"');
    // serializeBatch differs only in writing the IDs bare.
    const exact = parseExact(serializeBatch(batch)) as {
      mpid: bigint;
      events: { data: { session_id: number } }[];
    };
    const loose = JSON.parse(text);
    expect(exact.mpid).toBe(-7636538281262557000n);
    expect(exact.events[0]?.data.session_id).toBe(1);
    expect({ ...exact, mpid: String(exact.mpid), events: loose.events }).toEqual(loose);
    expect(loose.events[0].data.session_id).toBe('1');
  });
});
