/**
 * The compiled leaf predicates of src/internal/zod.ts: a value a predicate accepts must be one zod itself
 * accepts and returns unchanged, for every kind of leaf the compiler handles; anything it does not know
 * is left to zod.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CUSTOM_EVENT_TYPES } from '../../src/events/custom-event.js';
import { compileLeaf, int32, jsonNumber, limitedString, uuid } from '../../src/internal/zod.js';

const LEAVES: Record<string, z.ZodType> = {
  string: z.string(),
  'string max': z.string().max(5),
  'string min max': z.string().min(2).max(4),
  limitedString: limitedString(10, 'names', 1),
  regex: z.string().regex(/^[a-c]+$/),
  'global regex': z.string().regex(/b/g),
  uuid,
  enum: z.enum(['a', 'b', 'c']),
  'enum default': z.enum(CUSTOM_EVENT_TYPES).default('other'),
  literal: z.literal('x'),
  'literals mixed': z.literal([1, 'one', true]),
  number: z.number(),
  jsonNumber,
  int32,
  'refined number': z.number().refine((n) => n % 2 === 0),
  boolean: z.boolean(),
  optional: z.string().max(3).optional(),
  nullable: z.number().nullable(),
  'optional nullable': z.enum(['a']).nullable().optional(),
};

/** Values near each leaf's edges, and anything at all. */
const values = fc.oneof(
  fc.anything(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', 'a', 'abc', 'abcd', 'bbb', 'x', 'one', 'other', 'navigation', ...CUSTOM_EVENT_TYPES),
  fc.constantFrom('0f129dcb-d5b9-450b-9003-a38a7b7e946d', '0F129DCB-D5B9-450B-9003-A38A7B7E946D', '0f129dcb'),
  fc.double(),
  fc.integer(),
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, -0, 1, true, false),
  fc.constantFrom(null, undefined, Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2, 4),
);

describe('compileLeaf', () => {
  for (const [name, schema] of Object.entries(LEAVES)) {
    it(`${name}: a value the predicate accepts, zod accepts unchanged`, () => {
      const accepts = compileLeaf(schema);
      expect(accepts).toBeTypeOf('function');
      let accepted = 0;
      fc.assert(
        fc.property(values, (value) => {
          if (!accepts?.(value)) return;
          accepted++;
          const result = schema.safeParse(value);
          expect(result.success).toBe(true);
          expect(Object.is(result.data, value)).toBe(true);
        }),
        { numRuns: 2_000, seed: 5 },
      );
      // The predicate is not vacuous: it accepted something.
      expect(accepted).toBeGreaterThan(0);
    });
  }

  it('agrees with zod on the values of the model’s own leaves', () => {
    // Both directions on plain cases: a predicate may only defer to zod for a value zod refuses.
    const cases: [z.ZodType, unknown, boolean][] = [
      [limitedString(3, 'x', 1), 'abc', true],
      [limitedString(3, 'x', 1), 'abcd', false],
      [limitedString(3, 'x', 1), '', false],
      [jsonNumber, 2 ** 53, false],
      [jsonNumber, -(2 ** 53 - 1), true],
      [int32, 2 ** 31, false],
      [int32, 1.5, false],
      [uuid, '0f129dcb-d5b9-450b-9003-a38a7b7e946d', true],
      [uuid, '0f129dcb-d5b9-450b-9003-a38a7b7e946', false],
    ];
    for (const [schema, value, ok] of cases) {
      expect(compileLeaf(schema)?.(value)).toBe(ok);
      expect(schema.safeParse(value).success).toBe(ok);
    }
  });

  it('leaves to zod what it does not know: formats, coercion, transforms, conditional or custom checks', () => {
    const unknown = [
      z.email(),
      z.url(),
      z.coerce.string(),
      z.string().transform((s) => s.trim()),
      z.string().superRefine(() => {}),
      z.string().trim(),
      z.array(z.string()),
      z.object({ a: z.string() }),
      z.bigint(),
    ];
    for (const schema of unknown) expect(compileLeaf(schema as z.ZodType)).toBeUndefined();
  });
});
