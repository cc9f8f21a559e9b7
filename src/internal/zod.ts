/**
 * Zod building blocks shared by the batch model: 64-bit integers, timestamps, attribute maps, IP
 * addresses, and the conversion of zod's issues into {@link ValidationIssue}s.
 *
 * Internal: not part of the public API. Every schema here is built once, at module load.
 */
import { z } from 'zod';
import type { ValidationIssue } from '../errors.js';
import { assignOwn } from './copy.js';
import { type Int64Input, int64Problem, toInt64String } from './int64.js';

/** A value that may also be absent or `null`, as most fields of the Events API's schema allow. */
export function opt<T extends z.ZodType>(schema: T): z.ZodOptional<z.ZodNullable<T>> {
  return schema.nullable().optional();
}

// Checks: the structural schemas of the model (objects, maps, lists, events, 64-bit integers) are zod
// schemas whose work is a plain function. Nested in one another they call each other's function
// directly, and run zod's own schemas (strings, enums, numbers, …) the way zod runs nested schemas;
// a top-level `safeParse` goes through zod as usual and finalizes every issue with zod's messages.

/** An issue as a check reports it; zod finalizes it (message, path) when the parse ends. */
type RawIssue = z.core.$ZodRawIssue;
/** zod's context for one parse, shared by the schemas it runs. */
type ParseContext = z.core.ParseContextInternal<z.core.$ZodIssue>;

/** What a check returns for an invalid value, after pushing its issues. */
export const INVALID: unique symbol = Symbol('invalid');

/** A check: the value to keep (a fresh copy for objects and lists), or {@link INVALID}. */
export type Check = (value: unknown, issues: RawIssue[], ctx: ParseContext) => unknown;

const CHECK: unique symbol = Symbol('mparticle-events.check');

/** A zod schema that validates with `check`; nested in other checked schemas, `check` is called directly. */
export function checked<Out, In>(check: Check): z.ZodType<Out, In> {
  const schema = z.custom<In>().transform((input, refinement) => {
    const out = check(input, refinement.issues, { async: false } as ParseContext);
    return out === INVALID ? z.NEVER : (out as Out);
  });
  Object.defineProperty(schema, CHECK, { value: check });
  return schema as unknown as z.ZodType<Out, In>;
}

/**
 * Check a value with any schema, putting its issues under `key`: a checked schema's function is called,
 * any other schema is run as zod runs the fields of its own objects.
 */
export function runSchema(
  schema: z.ZodType,
  value: unknown,
  issues: RawIssue[],
  ctx: ParseContext,
  key?: PropertyKey,
): unknown {
  const start = issues.length;
  const own = (schema as { [CHECK]?: Check })[CHECK];
  let out: unknown;
  if (own) out = own(value, issues, ctx);
  else if (leafAccepts(schema, value)) return value;
  else {
    // `_zod.run` is zod 4's core run hook (what its own objects call for their fields); package.json pins
    // zod to ~4.6 so a change to it cannot arrive unnoticed, and test/batch covers every schema it runs.
    const payload = schema._zod.run({ value, issues: [] }, ctx) as z.core.ParsePayload;
    for (const issue of payload.issues) issues.push(issue);
    out = payload.value;
  }
  if (issues.length === start) return out;
  if (key !== undefined) {
    for (let i = start; i < issues.length; i++) {
      const issue = issues[i] as RawIssue;
      issues[i] = { ...issue, path: [key, ...(issue.path ?? [])] } as RawIssue;
    }
  }
  return INVALID;
}

// Leaves: zod's scalar schemas (strings with lengths and patterns, enums, literals, numbers, booleans) are
// compiled once into a plain predicate that says whether zod would accept a value and return it
// unchanged. A value the predicate accepts skips zod; any other value goes through zod, which gives the
// result and the issue. Only rules whose meaning is certain are compiled; a schema with anything else
// (coercion, transforms, formats such as email, conditional checks) always runs through zod. test/internal
// compares the predicates with zod on generated values.

/** A compiled leaf: true when zod would accept the value and return it unchanged. */
export type LeafPredicate = (value: unknown) => boolean;

const LEAF: unique symbol = Symbol('mparticle-events.leaf');

interface ZodDefLike {
  type?: string;
  coerce?: boolean;
  format?: string;
  entries?: Record<string, unknown>;
  values?: unknown[];
  innerType?: z.ZodType;
  checks?: { _zod: { def: CheckDefLike } }[];
}

interface CheckDefLike {
  type?: string;
  check?: string;
  maximum?: number;
  minimum?: number;
  format?: string;
  pattern?: RegExp;
  fn?: (value: unknown) => unknown;
  when?: unknown;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The predicate for a leaf schema, or `undefined` when it has a rule this compiler does not know. */
export function compileLeaf(schema: z.ZodType): LeafPredicate | undefined {
  const def = (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
  if (def.coerce) return undefined;
  let base: LeafPredicate;
  switch (def.type) {
    case 'default':
    case 'optional': {
      // A present value is checked by the inner schema; an absent one never reaches a leaf check.
      const inner = def.innerType === undefined ? undefined : compileLeaf(def.innerType);
      return inner && ((v) => v !== undefined && inner(v));
    }
    case 'nullable': {
      const inner = def.innerType === undefined ? undefined : compileLeaf(def.innerType);
      return inner && ((v) => v === null || inner(v));
    }
    case 'string':
      if (def.format !== undefined) return undefined;
      base = (v) => typeof v === 'string';
      break;
    case 'number':
      if (def.format === 'int32') {
        base = (v) => typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
      } else if (def.format !== undefined) return undefined;
      else base = (v) => typeof v === 'number' && Number.isFinite(v);
      break;
    case 'boolean':
      base = (v) => typeof v === 'boolean';
      break;
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      base = (v) => values.has(v);
      break;
    }
    case 'literal': {
      const values = new Set(def.values ?? []);
      base = (v) => values.has(v);
      break;
    }
    default:
      return undefined;
  }
  const rules: LeafPredicate[] = [];
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    // zod's length checks come with a `when` that skips values without a length: a string always has one.
    const lengthCheck = (c.check === 'max_length' || c.check === 'min_length') && def.type === 'string';
    if (c.when !== undefined && !lengthCheck) return undefined;
    if (c.check === 'max_length' && typeof c.maximum === 'number') {
      const max = c.maximum;
      rules.push((v) => (v as string).length <= max);
    } else if (c.check === 'min_length' && typeof c.minimum === 'number') {
      const min = c.minimum;
      rules.push((v) => (v as string).length >= min);
    } else if (c.check === 'string_format' && c.format === 'regex' && c.pattern instanceof RegExp) {
      const pattern = c.pattern;
      rules.push((v) => {
        pattern.lastIndex = 0;
        return pattern.test(v as string);
      });
    } else if (c.check === 'custom' && c.type === 'custom' && typeof c.fn === 'function') {
      // `.refine(fn)`: zod passes when fn returns a truthy value (a promise would be an async refine).
      const fn = c.fn;
      rules.push((v) => {
        const result = fn(v);
        return !!result && !(result instanceof Promise);
      });
    } else return undefined;
  }
  if (rules.length === 0) return base;
  if (rules.length === 1) {
    const [rule] = rules as [LeafPredicate];
    return (v) => base(v) && rule(v);
  }
  return (v) => {
    if (!base(v)) return false;
    for (const rule of rules) if (!rule(v)) return false;
    return true;
  };
}

/** Whether zod would accept `value` for `schema` unchanged, by its compiled predicate (false when none). */
function leafAccepts(schema: z.ZodType, value: unknown): boolean {
  let predicate = (schema as { [LEAF]?: LeafPredicate | null })[LEAF];
  if (predicate === undefined) {
    predicate = compileLeaf(schema) ?? null;
    Object.defineProperty(schema, LEAF, { value: predicate });
  }
  return predicate?.(value) === true;
}

/** A custom issue: what is wrong, in words. */
function customIssue(message: string, input: unknown, path?: PropertyKey[]): RawIssue {
  return path === undefined ? { code: 'custom', message, input } : { code: 'custom', message, input, path };
}

/** Reports an issue at a path below the value being checked and returns {@link INVALID}. */
export type Reject = (message: string, path?: PropertyKey[]) => typeof INVALID;

/** A `reject` that reports issues about `input` (one per map or list, not one per value). */
function rejecter(issues: RawIssue[], input: unknown): Reject {
  return (message, path) => {
    issues.push(customIssue(message, input, path));
    return INVALID;
  };
}

/** A check written with `reject`: for values checked by hand (scalars, lists of scalars). */
export function checkWith(check: (value: unknown, reject: Reject) => unknown): Check {
  return (value, issues) => check(value, rejecter(issues, value));
}

const SHORT_DECIMAL = /^-?(?:0|[1-9][0-9]{0,17})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A 64-bit ID (mpid, session_id, event_id, …): a bigint, a decimal string or a safe-integer number in,
 * a canonical decimal string out, which `serializeBatch` writes as a bare JSON integer (events-api.md §3.1).
 */
export function int64Id(unsigned = false): z.ZodType<string, Int64Input> {
  const min = unsigned ? 0n : INT64_MIN;
  const max = unsigned ? UINT64_MAX : INT64_MAX;
  return checked((value, issues) => {
    // The usual forms, already canonical, without parsing: up to 18 digits always fit 64 bits.
    if (
      typeof value === 'string' &&
      SHORT_DECIMAL.test(value) &&
      value !== '-0' &&
      !(unsigned && value[0] === '-')
    ) {
      return value;
    }
    if (typeof value === 'bigint' && value >= min && value <= max) return value.toString();
    if (typeof value === 'number' && Number.isSafeInteger(value) && (!unsigned || value >= 0))
      return String(value);
    const problem = int64Problem(value, unsigned);
    if (problem === undefined) return toInt64String(value as Int64Input);
    issues.push(customIssue(problem, value));
    return INVALID;
  });
}

/**
 * A 64-bit integer that is a quantity rather than an ID (a duration, a byte count): accepted in any form
 * an Int64 is, kept as a number, so it must be a safe integer.
 */
export function int64Number(min = Number.MIN_SAFE_INTEGER): z.ZodType<number, Int64Input> {
  return checked((value, issues) => {
    const out = int64AsNumber(value);
    const problem = typeof out === 'string' ? out : out < min ? `expected an integer >= ${min}` : undefined;
    if (problem === undefined) return out;
    issues.push(customIssue(problem, value));
    return INVALID;
  });
}

function int64AsNumber(value: unknown): number | string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const problem = int64Problem(value);
  if (problem !== undefined) return problem;
  const n = Number(typeof value === 'string' ? value.trim() : value);
  return Number.isSafeInteger(n) ? n : 'integer is beyond 2^53 and cannot be kept exactly as a number';
}

/**
 * A millisecond timestamp as the builder takes it: epoch milliseconds (a safe integer, a bigint or a
 * decimal string) or a `Date`. Built batches hold plain numbers.
 *
 * @example
 * ```ts
 * import type { TimestampInput } from 'mparticle-events';
 *
 * const when: TimestampInput = new Date('2024-05-01T12:00:00Z');
 * ```
 */
export type TimestampInput = Int64Input | Date;

/**
 * Epoch milliseconds (events-api.md §2.3): a `Date`, a safe integer, a bigint or a decimal string in;
 * a non-negative safe-integer number out.
 */
export const timestampMs: z.ZodType<number, TimestampInput> = checked((value, issues) => {
  let out: number | string;
  if (value instanceof Date) {
    out = value.getTime();
    if (Number.isNaN(out)) out = 'invalid Date';
  } else out = int64AsNumber(value);
  if (typeof out === 'number' && out >= 0) return out;
  const problem =
    typeof out === 'string'
      ? `expected epoch milliseconds (a safe integer, bigint, decimal string or Date): ${out}`
      : 'expected epoch milliseconds >= 0';
  issues.push(customIssue(problem, value));
  return INVALID;
});

/**
 * Whether a number survives a trip through JSON text exactly: finite, and within ±2^53. A larger number
 * prints as an integer literal that lossless readers (`parseBatchJson`) keep as a string, and that
 * others round, so it is rejected; pass such values as strings.
 */
export function isExactNumber(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER;
}

const INEXACT =
  'numbers must be within ±2^53 (9007199254740991) to stay exact in JSON; send larger values as strings';

/** A JSON number: finite (zod rejects NaN and Infinity) and within ±2^53 (events-api.md §3.4 "decimal"). */
export const jsonNumber = z
  .number()
  .refine((n) => Math.abs(n) <= Number.MAX_SAFE_INTEGER, { message: INEXACT });

/** A 32-bit signed integer (events-api.md §3.4: positions, checkout steps, session numbers). */
export const int32 = z.int32();

/** The schema's `Uuid` pattern (events-api.md §3.3 `session_uuid`, §6.1 advertising IDs). */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A UUID string, as the schema's `Uuid` definition requires. */
export const uuid = z
  .string()
  .regex(UUID_PATTERN, 'expected a UUID such as 0f129dcb-d5b9-450b-9003-a38a7b7e946d');

/** A string of at most `max` UTF-16 code units, with the reason for the limit in the message. */
export function limitedString(max: number, what: string, min = 0): z.ZodString {
  const s = z.string().max(max, `${what} must be at most ${max} characters (mParticle's limit)`);
  return min > 0 ? s.min(min, `${what} must not be empty`) : s;
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectTypeIssue(input: unknown, what = 'object'): RawIssue {
  return {
    code: 'invalid_type',
    expected: 'object',
    input,
    message: `Invalid input: expected ${what}, received ${describe(input)}`,
  };
}

// Maps

/** Keys that would change an object's prototype or shadow its constructor if assigned naively. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isObjectLike(value) && Object.prototype.toString.call(value) === '[object Object]';
}

/** How one map is checked: its keys, its size, and how each value is checked and copied. */
export interface MapRules {
  /** What an entry is, for messages: `custom attribute`. */
  what: string;
  /** Longest key in characters. */
  maxKeyLength?: number;
  /** Most entries. */
  maxEntries?: number;
  /** Rewrite a key before it is checked and kept (GDPR purposes are trimmed and lower-cased). */
  canonicalKey?: (key: string) => string;
  /** Check one value: by hand with `reject`, or with a schema. */
  value: ((value: unknown, reject: Reject) => unknown) | z.ZodType;
}

/**
 * A string-keyed map checked entry by entry on a copy, so a key such as `__proto__` is rejected before any
 * assignment could touch a prototype, whatever object the input came from.
 */
export function safeMap<In, Out>(rules: MapRules): z.ZodType<Record<string, Out>, Record<string, In>> {
  return checked((input, issues, ctx) => {
    if (!isPlainObject(input)) {
      issues.push(objectTypeIssue(input, `an object of ${rules.what}s`));
      return INVALID;
    }
    return checkMap(rules, input, issues, ctx);
  });
}

/**
 * The work of {@link safeMap}. The input is copied once with a spread: its getters run once, and a key
 * such as `__proto__` becomes a plain own key. Maps whose keys are kept as given (all but consent
 * purposes) are checked on that copy, which is the result, changed only where a check changed a value:
 * in V8 a spread clones the object's layout at once, where adding the entries one by one to a fresh object
 * made this check a tenth of the cost of building a batch. Renamed keys go into a fresh object.
 */
function checkMap(
  rules: MapRules,
  input: Record<string, unknown>,
  issues: RawIssue[],
  ctx: ParseContext,
): unknown {
  const { value: rule, what, maxEntries, maxKeyLength, canonicalKey } = rules;
  const copy: Record<string, unknown> = { ...input };
  let ok = true;
  if (maxEntries !== undefined) {
    let count = 0;
    for (const key in copy) if (Object.hasOwn(copy, key)) count++;
    if (count > maxEntries) {
      issues.push({
        code: 'too_big',
        origin: 'object',
        maximum: maxEntries,
        inclusive: true,
        input,
        message: `at most ${maxEntries} ${what}s are allowed, got ${count} (mParticle's limit)`,
      });
      ok = false;
    }
  }
  const out: Record<string, unknown> = canonicalKey ? {} : copy;
  let reject: Reject | undefined;
  for (const key in copy) {
    if (!Object.hasOwn(copy, key)) continue;
    const name = canonicalKey ? canonicalKey(key) : key;
    let problem: string | undefined;
    if (UNSAFE_KEYS.has(name))
      problem = `"${name}" is not allowed as a ${what} name: it could pollute object prototypes`;
    else if (name.length === 0) problem = `${what} names must not be empty`;
    else if (maxKeyLength !== undefined && name.length > maxKeyLength) {
      problem = `${what} names must be at most ${maxKeyLength} characters (mParticle's limit)`;
    } else if (canonicalKey && Object.hasOwn(out, name)) problem = `${what} "${name}" is given twice`;
    if (problem !== undefined) {
      issues.push(customIssue(problem, input, [key]));
      ok = false;
      continue;
    }
    const start = issues.length;
    const entry = copy[key];
    let value: unknown;
    if (typeof rule === 'function') {
      reject ??= rejecter(issues, input);
      value = rule(entry, reject);
    } else value = runSchema(rule, entry, issues, ctx);
    if (value === INVALID) {
      for (let i = start; i < issues.length; i++) {
        const issue = issues[i] as RawIssue;
        issues[i] = { ...issue, path: [key, ...(issue.path ?? [])] } as RawIssue;
      }
      ok = false;
      continue;
    }
    if (canonicalKey) out[name] = value;
    else if (value !== entry) out[key] = value;
  }
  return ok ? out : INVALID;
}

/**
 * One attribute value: a string, a finite number, a boolean or `null`, as the schema's `String`
 * definition allows in attribute maps (events-api.md §3.3). Event attributes hold no lists or objects.
 *
 * @example
 * ```ts
 * import type { AttributeValue } from 'mparticle-events';
 *
 * const attributes: Record<string, AttributeValue> = { plan: 'pro', seats: 3, trial: false };
 * ```
 */
export type AttributeValue = string | number | boolean | null;

/**
 * Check a scalar value: strings up to `maxString` characters, finite numbers, booleans and null.
 * `index` places the issue at that entry of a list.
 */
export function checkScalar(
  value: unknown,
  reject: Reject,
  maxString?: number,
  what = 'attribute',
  index?: number,
): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (maxString === undefined || value.length <= maxString) return value;
    return reject(`${what} values must be at most ${maxString} characters (mParticle's limit)`, at(index));
  }
  if (typeof value === 'number') {
    if (isExactNumber(value)) return value;
    const message = Number.isFinite(value) ? INEXACT : `expected a finite number, received ${String(value)}`;
    return reject(message, at(index));
  }
  return reject(`expected a string, number, boolean or null, received ${describe(value)}`, at(index));
}

function at(index: number | undefined): PropertyKey[] | undefined {
  return index === undefined ? undefined : [index];
}

/** A short name for the type of a value, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'Date';
  return typeof value;
}

// Lists

/** `z.array(element)`, each element checked by its schema and copied. */
export function list<T extends z.ZodType>(element: T): z.ZodType<z.output<T>[], z.input<T>[]> {
  return checked((input, issues, ctx) => {
    if (!Array.isArray(input)) {
      issues.push({
        code: 'invalid_type',
        expected: 'array',
        input,
        message: `Invalid input: expected array, received ${describe(input)}`,
      });
      return INVALID;
    }
    const out: unknown[] = new Array(input.length);
    let ok = true;
    for (let i = 0; i < input.length; i++) {
      const value = runSchema(element, input[i], issues, ctx, i);
      if (value === INVALID) ok = false;
      else out[i] = value;
    }
    return ok ? out : INVALID;
  });
}

// Objects

/** The parsed type of a strict object with this shape. */
export type StrictOutput<S extends z.core.$ZodShape> = z.output<z.ZodObject<S, z.core.$strict>>;
/** The accepted type of a strict object with this shape. */
export type StrictInput<S extends z.core.$ZodShape> = z.input<z.ZodObject<S, z.core.$strict>>;

/** How a field behaves when its key is absent: worked out once, by parsing `undefined`. */
type Absent =
  | { kind: 'optional' }
  | { kind: 'default'; value: unknown }
  | { kind: 'required'; issues: z.core.$ZodIssue[] };

function absentBehaviour(schema: z.ZodType): Absent {
  const result = schema.safeParse(undefined);
  if (!result.success) return { kind: 'required', issues: result.error.issues };
  return result.data === undefined ? { kind: 'optional' } : { kind: 'default', value: result.data };
}

/** A field of a strict object: the schema that checks a present value, and whether `null` is allowed. */
interface Field {
  schema: z.ZodType;
  nullable: boolean;
}

/** A field's schema without its `.optional()` and `.nullable()` wrappers, which the object handles. */
function unwrapField(schema: z.ZodType): Field {
  let inner = schema;
  let nullable = false;
  for (;;) {
    if (inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
    else if (inner instanceof z.ZodNullable) {
      nullable = true;
      inner = inner.unwrap() as z.ZodType;
    } else return { schema: inner, nullable };
  }
}

/**
 * `z.strictObject(shape)`'s types and rules, checked key by key: only the keys present run their field's
 * schema. zod's own object runs every declared field on every object, and event data declares some
 * twenty common fields of which a server event sets four or five; checking only what is there keeps
 * validation near the cost of `JSON.stringify`. Unknown keys are rejected (`unrecognized_keys`), missing
 * required fields get zod's own issue, defaults are filled in, and a key given as `undefined` counts as
 * absent.
 *
 * @param rule - A rule across fields, run when every field is valid; returns a problem, or undefined.
 */
export function strictObject<S extends z.core.$ZodShape>(
  shape: S,
  rule?: (value: StrictOutput<S>) => string | undefined,
): z.ZodType<StrictOutput<S>, StrictInput<S>> {
  const fields = new Map<string, Field>();
  const absentKeys: string[] = [];
  const absentRules: Absent[] = [];
  let defaults: Record<string, undefined> | undefined;
  for (const [key, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    fields.set(key, unwrapField(schema));
    const absent = absentBehaviour(schema);
    if (absent.kind !== 'optional') {
      absentKeys.push(key);
      absentRules.push(absent);
    }
    if (absent.kind === 'default') {
      defaults ??= {};
      defaults[key] = undefined;
    }
  }
  return checked((input, issues, ctx) => {
    if (!isObjectLike(input)) {
      issues.push(objectTypeIssue(input));
      return INVALID;
    }
    // A copy, then values a check changed (a copy, a converted ID or timestamp) written over the copied
    // ones. In V8 a spread copy is the cheapest, but adding a property to it later is slow, so when a
    // default may have to be filled in, the copy starts from an object that has the key.
    const out: Record<string, unknown> = defaults
      ? assignOwn(Object.assign({}, defaults), input)
      : { ...input };
    let ok = true;
    let unknown: string[] | undefined;
    for (const key in out) {
      const field = fields.get(key);
      if (field === undefined) {
        unknown ??= [];
        unknown.push(key);
        continue;
      }
      const value = out[key];
      if (value === undefined || (value === null && field.nullable)) continue;
      const result = runSchema(field.schema, value, issues, ctx, key);
      if (result === INVALID) ok = false;
      else if (result !== value) out[key] = result;
    }
    for (let i = 0; i < absentKeys.length; i++) {
      const key = absentKeys[i] as string;
      if (input[key] !== undefined && Object.hasOwn(input, key)) continue;
      const absent = absentRules[i] as Absent;
      if (absent.kind === 'default') out[key] = absent.value;
      else if (absent.kind === 'required') {
        for (const issue of absent.issues) issues.push({ ...issue, path: [key, ...issue.path] } as RawIssue);
        ok = false;
      }
    }
    if (unknown !== undefined) {
      issues.push({
        code: 'unrecognized_keys',
        keys: unknown,
        input,
        message: `Unrecognized keys: ${unknown.join(', ')}`,
      });
      ok = false;
    }
    if (!ok) return INVALID;
    const problem = rule?.(out as StrictOutput<S>);
    if (problem !== undefined) {
      issues.push(customIssue(problem, input));
      return INVALID;
    }
    return out;
  });
}

/** One tagged object `{ [tag]: name, data }` per entry of a map of data schemas. */
type Tagged<M extends Record<string, z.ZodType>, Tag extends string, IO extends 'in' | 'out'> = {
  [K in keyof M & string]: { [T in Tag]: K } & { data: IO extends 'in' ? z.input<M[K]> : z.output<M[K]> };
}[keyof M & string];

/**
 * Events: `{ event_type, data }`, where `event_type` picks the schema `data` is checked with
 * (events-api.md §3.2). Unknown keys are rejected; an unknown `event_type` lists the known ones.
 */
export function eventUnion<M extends Record<string, z.ZodType>>(
  dataSchemas: M,
): z.ZodType<Tagged<M, 'event_type', 'out'>, Tagged<M, 'event_type', 'in'>> {
  const schemas = new Map<string, z.ZodType>(Object.entries(dataSchemas));
  const values = [...schemas.keys()];
  const known = values.join(', ');
  return checked((input, issues, ctx) => {
    if (!isObjectLike(input)) {
      issues.push(objectTypeIssue(input));
      return INVALID;
    }
    let ok = true;
    for (const key in input) {
      if (key !== 'event_type' && key !== 'data') {
        issues.push({ code: 'unrecognized_keys', keys: [key], input, message: `Unrecognized key: ${key}` });
        ok = false;
      }
    }
    const type = input.event_type;
    const schema = typeof type === 'string' ? schemas.get(type) : undefined;
    if (schema === undefined) {
      issues.push({
        code: 'invalid_value',
        values,
        input: type,
        path: ['event_type'],
        message: `expected one of ${known}`,
      });
      return INVALID;
    }
    const data = runSchema(schema, input.data, issues, ctx, 'data');
    if (data === INVALID || !ok) return INVALID;
    return { event_type: type, data };
  });
}

// IP addresses (events-api.md §3.1 `ip`: IPv4 or IPv6). Written as a small parser rather than one large
// regular expression; the tests compare it with ajv-formats on generated addresses.

const IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Whether a string is a dotted-quad IPv4 address without leading zeros. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_PART.test(p));
}

/** Whether a string is an IPv6 address in RFC 4291 text form (`::` at most once, IPv4 tail allowed). */
export function isIPv6(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const left = groups(halves[0] ?? '');
  const right = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!left || !right) return false;
  const all = [...left, ...right];
  // An IPv4 tail may only end the address, so not just before a trailing "::".
  const tailAllowed = halves.length === 1 || right.length > 0;
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const group = all[i] ?? '';
    if (tailAllowed && i === all.length - 1 && group.includes('.')) {
      if (!isIPv4(group)) return false;
      count += 2;
    } else if (HEXTET.test(group)) count += 1;
    else return false;
  }
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** An IPv4 or IPv6 address. */
export const ipAddress = z
  .string()
  .refine((s) => isIPv4(s) || isIPv6(s), { message: 'expected an IPv4 or IPv6 address' });

// Issues

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Format path segments the way code reaches them: `events[2].data.custom_attributes["Total Amount"]`. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** One {@link ValidationIssue}, built from its segments. */
export function issueAt(segments: (string | number)[], code: string, message: string): ValidationIssue {
  return { path: formatPath(segments), segments, code, message };
}

/**
 * zod's issues as {@link ValidationIssue}s: one per unknown key (its path ends at that key), paths
 * formatted for people.
 */
export function toValidationIssues(
  issues: readonly z.core.$ZodIssue[],
  base: (string | number)[] = [],
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const segments = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push(issueAt([...segments, key], issue.code, `unknown key "${key}"`));
      }
    } else {
      out.push(issueAt(segments, issue.code, issue.message));
    }
  }
  return out;
}
