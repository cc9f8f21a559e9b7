/**
 * Where mParticle's JSON Schema and its prose docs (or its own sample batch) disagree
 * (events-api.md §3.4, §6, §9), this SDK follows the docs, or accepts both when either may be right.
 * Each decision is one test, named after the source that wins: the official schema rejects the case,
 * the SDK accepts it, and the schema with exactly that deviation applied accepts the SDK's output.
 * support.ts lists the same deviations; the last test checks the two lists match.
 */
import { describe, expect, it } from 'vitest';
import { type Batch, BatchBuilder, type EventInput, parseBatch, serializeBatch } from '../../src/index.js';
import { DEVIATIONS, schemaErrors, validateDocumented } from './support.js';

function oneEvent(event: EventInput): Batch {
  return new BatchBuilder({ environment: 'development' }).mpid(1n).event(event).build();
}

/** The official schema rejects the batch; the documented one accepts it. */
function expectOnlyDocumentedDeviation(batch: Batch): void {
  const text = serializeBatch(batch);
  expect(schemaErrors(text).length).toBeGreaterThan(0);
  expect(schemaErrors(text, validateDocumented)).toEqual([]);
}

const covered: string[] = [];
function decision(deviation: string, title: string, body: () => void): void {
  covered.push(deviation);
  it(title, body);
}

describe('docs vs schema: which source wins', () => {
  decision(
    "custom_event_type 'attribution' (prose docs §3.4)",
    "docs win: custom_event_type 'attribution' is accepted (documented, missing from the schema's enum)",
    () => {
      const batch = oneEvent({
        event_type: 'custom_event',
        data: {
          event_name: 'attribution',
          custom_event_type: 'attribution',
          custom_attributes: { campaign: 'c', publisher: 'p' },
        },
      });
      expectOnlyDocumentedDeviation(batch);
    },
  );

  decision(
    'screen_view without screen_name (prose docs §3.4)',
    'docs win: screen_view.screen_name is optional (the schema requires it)',
    () => expectOnlyDocumentedDeviation(oneEvent({ event_type: 'screen_view', data: {} })),
  );

  decision(
    'session_end without session_duration_ms (prose docs §3.4)',
    'docs win: session_end.session_duration_ms is optional (the schema requires it)',
    () => expectOnlyDocumentedDeviation(oneEvent({ event_type: 'session_end', data: {} })),
  );

  decision(
    'network_performance response_code as a string (prose docs §3.4)',
    'both accepted: network_performance.response_code may be a string (docs) or an integer (schema)',
    () => {
      expectOnlyDocumentedDeviation(
        oneEvent({
          event_type: 'network_performance',
          data: { url: 'https://x.test', response_code: '200' },
        }),
      );
      const int = oneEvent({
        event_type: 'network_performance',
        data: { url: 'https://x.test', response_code: 200 },
      });
      expect(schemaErrors(serializeBatch(int))).toEqual([]);
    },
  );

  decision(
    'push_message_behavior as an integer bit mask (prose docs §3.4)',
    'both accepted: push_message_behavior may be an integer bit mask (docs) or a string (schema)',
    () => {
      const base = {
        push_message_type: 'received',
        push_message_token: 't',
        push_notification_payload: '{}',
      } as const;
      expectOnlyDocumentedDeviation(
        oneEvent({ event_type: 'push_message', data: { ...base, push_message_behavior: 5 } }),
      );
      const named = oneEvent({
        event_type: 'push_message',
        data: { ...base, push_message_behavior: 'Read' },
      });
      expect(schemaErrors(serializeBatch(named))).toEqual([]);
    },
  );

  decision(
    'push_message without push_message_token or push_notification_payload (prose docs §3.4)',
    'docs win: push_message_token and push_notification_payload are optional (the schema requires them)',
    () =>
      expectOnlyDocumentedDeviation(
        oneEvent({ event_type: 'push_message', data: { push_message_type: 'sent' } }),
      ),
  );

  decision(
    'opt_out without is_opted_out (prose docs §3.4: "suggested, false by default")',
    'docs win: opt_out.is_opted_out is optional, "false by default" (the schema requires it)',
    () => expectOnlyDocumentedDeviation(oneEvent({ event_type: 'opt_out', data: {} })),
  );

  decision(
    'product impressions without product_impression_list or products (prose docs §3.4)',
    'docs win: product_impression_list and products are optional in an impression (the schema requires them)',
    () =>
      expectOnlyDocumentedDeviation(
        oneEvent({ event_type: 'commerce_event', data: { product_impressions: [{}] } }),
      ),
  );

  decision(
    "device_info.platform 'FireTV' (official Java SDK 2.7.0, §6.1)",
    "both accepted: platform 'fire_tv' (docs and schema) and 'FireTV' (the current official Java SDK)",
    () => {
      const java = new BatchBuilder().mpid(1n).deviceInfo({ platform: 'FireTV' }).build();
      expectOnlyDocumentedDeviation(java);
      const docs = new BatchBuilder().mpid(1n).deviceInfo({ platform: 'fire_tv' }).build();
      expect(schemaErrors(serializeBatch(docs))).toEqual([]);
    },
  );

  decision(
    "gps_state as the string 'unknown' | 'true' | 'false' (prose docs §6.3)",
    "both accepted: device_current_state.gps_state may be 'unknown'/'true'/'false' (docs) or a boolean (schema)",
    () => {
      expectOnlyDocumentedDeviation(
        oneEvent({ event_type: 'first_run', data: { device_current_state: { gps_state: 'unknown' } } }),
      );
      const bool = oneEvent({ event_type: 'first_run', data: { device_current_state: { gps_state: true } } });
      expect(schemaErrors(serializeBatch(bool))).toEqual([]);
    },
  );

  decision(
    "device orientation 'unknown' (mParticle's sample batch, §6.3)",
    "sample wins: device_orientation 'unknown' is accepted, as mParticle's own sample batch sends it",
    () =>
      expectOnlyDocumentedDeviation(
        oneEvent({
          event_type: 'uninstall',
          data: { device_current_state: { device_orientation: 'unknown' } },
        }),
      ),
  );

  decision(
    "source_message_id null (mParticle's sample batch)",
    'sample wins: source_message_id may be null in a parsed batch, as the sample sends it (the builder fills it)',
    () => {
      const batch = parseBatch({
        mpid: 1,
        events: [{ event_type: 'breadcrumb', data: { label: 'x', source_message_id: null } }],
      });
      expectOnlyDocumentedDeviation(batch);
    },
  );

  decision(
    "commerce screen_name null (mParticle's sample batch)",
    'sample wins: a commerce event screen_name may be null, as the sample sends it',
    () =>
      expectOnlyDocumentedDeviation(
        oneEvent({
          event_type: 'commerce_event',
          data: { screen_name: null, product_action: { action: 'click' } },
        }),
      ),
  );

  decision(
    "source_info.channel 'unknown' (prose docs §3.1)",
    "docs win: source_info.channel 'unknown' is accepted (documented, missing from the schema's enum)",
    () => expectOnlyDocumentedDeviation(parseBatch({ mpid: 1, source_info: { channel: 'unknown' } })),
  );

  it('schema wins where the docs are silent: lifetime_value_change is a number, not a boolean (OpenAPI)', () => {
    expect(() =>
      oneEvent({ event_type: 'first_run', data: { lifetime_value_change: true as never } }),
    ).toThrow(/lifetime_value_change/);
    expect(
      schemaErrors(
        serializeBatch(oneEvent({ event_type: 'first_run', data: { lifetime_value_change: 9.5 } })),
      ),
    ).toEqual([]);
  });

  it("docs win: environment 'unknown' (OpenAPI only) is rejected: the docs say it must be production or development", () => {
    expect(() => parseBatch({ mpid: 1, environment: 'unknown' })).toThrow(/environment/);
  });

  it('schema wins: a batch with a legacy customerid identity key is rejected (send customer_id)', () => {
    expect(() => parseBatch({ user_identities: { customerid: '42' } })).toThrow(
      /user_identities\.customerid: unknown key/,
    );
  });

  it('every deviation in support.ts has its decision test here', () => {
    expect([...covered].sort()).toEqual(DEVIATIONS.map((d) => d.name).sort());
  });
});
