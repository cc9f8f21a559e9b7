/**
 * Shared test support for the batch model: the official JSON Schema compiled with ajv, the same schema
 * with the documented deviations applied (each one named, each one tested in docs-vs-schema.test.ts),
 * and the official sample batch.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import { isInteger, parse as parseLossless } from 'lossless-json';

/**
 * mParticle's published schemas and sample live in the team's shared folder beside the repository
 * (`../shared/reference/mparticle` from the repo root), as on every developer's machine and in CI.
 */
const REFERENCE = fileURLToPath(new URL('../../../shared/reference/mparticle', import.meta.url));

export const SCHEMA_PATH = `${REFERENCE}/mparticle.inbound.eventsapi.schema.current.json`;
export const SAMPLE_PATH = `${REFERENCE}/mparticle.inbound.eventsapi.sample.json`;

// biome-ignore lint/suspicious/noExplicitAny: the tests edit JSON Schema documents by path.
type Json = Record<string, any>;

export function loadSchema(): Json {
  return JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Json;
}

/** The sample batch's text. */
export function sampleText(): string {
  return readFileSync(SAMPLE_PATH, 'utf8');
}

/** JSON text parsed without losing integers: integers beyond 2^53 come back as bigints, all else as numbers. */
export function parseExact(text: string): unknown {
  return parseLossless(text, null, (literal) => {
    const n = Number(literal);
    return isInteger(literal) && !Number.isSafeInteger(n) ? BigInt(literal) : n;
  });
}

/** ajv-formats is CommonJS: its default export is the plugin at run time, `.default` to TypeScript. */
const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv) => Ajv;

/** A fresh ajv with formats, as the issue asks: `new Ajv({ allErrors: true, strict: false })`. */
export function newAjv(): Ajv {
  return addFormats(new Ajv({ allErrors: true, strict: false }));
}

function compile(schema: Json): ValidateFunction {
  return newAjv().compile(schema);
}

/** Where this SDK follows the prose docs (or mParticle's own sample) rather than the JSON Schema. */
export interface Deviation {
  /** What is accepted that the schema rejects, and on whose word. */
  name: string;
  /** Relax the schema accordingly. */
  apply: (definitions: Json) => void;
}

const dataOf = (definitions: Json, event: string): Json => definitions[event].properties.data.allOf[1];

/**
 * Every place a batch this SDK accepts may fail the official schema. Each is tested by name in
 * docs-vs-schema.test.ts: the official schema rejects the case, this SDK accepts it.
 */
export const DEVIATIONS: Deviation[] = [
  {
    name: "custom_event_type 'attribution' (prose docs §3.4)",
    apply: (d) => dataOf(d, 'CustomEvent').properties.custom_event_type.enum.push('attribution'),
  },
  {
    name: 'screen_view without screen_name (prose docs §3.4)',
    apply: (d) => {
      dataOf(d, 'ScreenViewEvent').required = [];
    },
  },
  {
    name: 'session_end without session_duration_ms (prose docs §3.4)',
    apply: (d) => {
      dataOf(d, 'SessionEndEvent').required = [];
    },
  },
  {
    name: 'network_performance response_code as a string (prose docs §3.4)',
    apply: (d) => {
      dataOf(d, 'NetworkPerformanceEvent').properties.response_code = { type: ['integer', 'string', 'null'] };
    },
  },
  {
    name: 'push_message_behavior as an integer bit mask (prose docs §3.4)',
    apply: (d) => {
      const props = dataOf(d, 'PushMessageEvent').properties;
      props.push_message_behavior = { anyOf: [props.push_message_behavior, { type: 'integer' }] };
    },
  },
  {
    name: 'push_message without push_message_token or push_notification_payload (prose docs §3.4)',
    apply: (d) => {
      dataOf(d, 'PushMessageEvent').required = ['push_message_type'];
    },
  },
  {
    name: 'opt_out without is_opted_out (prose docs §3.4: "suggested, false by default")',
    apply: (d) => {
      dataOf(d, 'OptOutEvent').required = [];
    },
  },
  {
    name: 'product impressions without product_impression_list or products (prose docs §3.4)',
    apply: (d) => {
      d.ProductImpression.required = [];
    },
  },
  {
    name: "device_info.platform 'FireTV' (official Java SDK 2.7.0, §6.1)",
    apply: (d) => d.DeviceInformation.properties.platform.enum.push('FireTV'),
  },
  {
    name: "gps_state as the string 'unknown' | 'true' | 'false' (prose docs §6.3)",
    apply: (d) => {
      d.DeviceCurrentState.properties.gps_state = {
        anyOf: [{ type: ['boolean', 'null'] }, { enum: ['unknown', 'true', 'false'] }],
      };
    },
  },
  {
    name: "device orientation 'unknown' (mParticle's sample batch, §6.3)",
    apply: (d) => {
      d.DeviceCurrentState.properties.device_orientation.enum.push('unknown');
      d.DeviceCurrentState.properties.status_bar_orientation.enum.push('unknown');
    },
  },
  {
    name: "source_message_id null (mParticle's sample batch)",
    apply: (d) => {
      d.EventData.properties.source_message_id = { type: ['string', 'null'] };
    },
  },
  {
    name: "commerce screen_name null (mParticle's sample batch)",
    apply: (d) => {
      dataOf(d, 'CommerceEvent').properties.screen_name = { type: ['string', 'null'] };
    },
  },
  {
    name: "source_info.channel 'unknown' (prose docs §3.1)",
    apply: (d) => d.SourceInformation.properties.channel.enum.push('unknown'),
  },
];

/** The official schema, untouched. */
export const validateOfficial = compile(loadSchema());

/** The official schema with every documented deviation applied. */
export const validateDocumented = (() => {
  const schema = loadSchema();
  for (const deviation of DEVIATIONS) deviation.apply(schema.definitions);
  return compile(schema);
})();

/** ajv's errors, readable in a failed assertion. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** The schema errors of a JSON text (parsed lossily: ajv only checks types). */
export function schemaErrors(text: string, validate: ValidateFunction = validateOfficial): string[] {
  return validate(JSON.parse(text)) ? [] : describeErrors(validate.errors);
}

/** A UUID, for session_uuid and the like. */
export const SESSION_UUID = '84e1b361-a282-4adf-8a6d-1d31e6dd5a9e';

/** A fixed clock: 2024-05-01T12:00:00Z. */
export const NOW = Date.UTC(2024, 4, 1, 12);
