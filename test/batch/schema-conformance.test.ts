/**
 * Acceptance 1: built batches pass mParticle's official JSON Schema (the whole draft-07 document, with
 * ajv), one batch per event type and per commerce form, zero schema errors. Nothing here uses a
 * documented deviation; those are in docs-vs-schema.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  BatchBuilder,
  type CommerceEventInput,
  EVENT_TYPES,
  type EventInput,
  serializeBatch,
} from '../../src/index.js';
import { NOW, SESSION_UUID, schemaErrors } from './support.js';

const product = {
  id: 'sku-1',
  name: 'Widget',
  brand: 'Acme',
  category: 'Tools',
  variant: 'blue',
  position: 1,
  price: 19.99,
  quantity: 1,
  coupon_code: 'SPRING',
  added_to_cart_time_ms: new Date(NOW - 60_000),
  total_product_amount: 19.99,
  custom_attributes: { color: 'blue' },
};

/** One complete, schema-valid input per event type (commerce appears once per form below). */
const EXAMPLES: Record<(typeof EVENT_TYPES)[number], EventInput['data']> = {
  custom_event: {
    event_name: 'Signed Up',
    custom_event_type: 'navigation',
    custom_attributes: { plan: 'pro', seats: 3, trial: false, referrer: null },
    custom_flags: { 'Google.Category': 'signup' },
    location: {
      latitude: 40.7,
      longitude: -74,
      accuracy: 10,
      city_name: 'New York',
      location_source: 'ip_lookup',
    },
    session_uuid: SESSION_UUID,
    session_id: -2271448330363288817n,
    event_num: 3,
  },
  screen_view: { screen_name: 'Home', activity_type: 'activity_started', custom_flags: { flag: 'x' } },
  commerce_event: {
    currency_code: 'USD',
    product_action: { action: 'purchase', transaction_id: 'T1', total_amount: 21.49, products: [product] },
  },
  session_start: { session_uuid: SESSION_UUID, session_id: '6051321688317951794' },
  session_end: { session_uuid: SESSION_UUID, session_id: '6051321688317951794', session_duration_ms: 10_000 },
  user_attribute_change: {
    user_attribute_name: 'plan',
    new: 'pro',
    old: 'free',
    deleted: false,
    is_new_attribute: false,
  },
  user_identity_change: {
    new: {
      identity_type: 'email',
      identity: 'ada@example.com',
      timestamp_unixtime_ms: NOW,
      created_this_batch: true,
    },
    old: { identity_type: 'email', identity: 'ada@old.example.com', timestamp_unixtime_ms: NOW - 1000 },
  },
  application_state_transition: {
    application_transition_type: 'application_initialized',
    is_first_run: true,
    is_upgrade: false,
    successfully_closed: true,
    launch_referral: 'https://example.com',
  },
  crash_report: {
    severity: 'error',
    message: 'Payment provider timed out',
    class_name: 'TimeoutError',
    stack_trace: 'at pay (pay.ts:1)',
    exception_handled: true,
    ios_image_base_address: 18446744073709551615n,
    ios_image_size: '4096',
    session_number: 2,
    breadcrumbs: [
      {
        event_type: 'breadcrumb',
        data: { label: 'Opened checkout', timestamp_unixtime_ms: NOW - 5000, event_id: -1n },
      },
    ],
  },
  opt_out: { is_opted_out: true },
  push_registration: { register: true, registration_token: 'fcm-token' },
  push_message: {
    push_message_type: 'received',
    push_message_token: 'token',
    push_notification_payload: '{"aps":{"alert":"Hi"}}',
    message: 'Hi',
    network: 'apn',
    application_state: 'background',
    action_identifier: 'open',
    push_message_behavior: 'DirectOpen',
  },
  network_performance: {
    url: 'https://api.example.com/pay',
    http_verb: 'POST',
    response_code: 200,
    time_elapsed: 120,
    bytes_in: 512,
    bytes_out: 128,
  },
  breadcrumb: { label: 'Opened settings', session_number: 1 },
  first_run: {},
  uninstall: {},
  profile: { profile_event_type: 'login', previous_mpid: null, current_mpid: -7636538281262557000n },
};

function fullBuilder(): BatchBuilder {
  return new BatchBuilder({ environment: 'development', now: () => NOW })
    .mpid('-7636538281262557000')
    .userIdentities({
      customer_id: '42',
      email: 'ada@example.com',
      other_id_10: 'x',
      mobile_number: '+15555550100',
    })
    .userAttributes({ $FirstName: 'Ada', plan: 'pro', tags: ['a', 'b'], seats: 3, beta: true, tag: null })
    .deleteUserAttributes(['old_plan'])
    .deviceInfo({
      platform: 'web',
      http_header_user_agent: 'Mozilla/5.0',
      ios_advertising_id: '1cc8138f-8aaf-410a-b0b9-6465cfb2af6a',
      att_authorization_status: 'authorized',
      att_timestamp_unixtime_ms: new Date(NOW),
      screen_height: 2732,
      timezone_offset: -4,
      is_tablet: false,
    })
    .applicationInfo({ application_name: 'checkout-api', application_version: '1.4.0', os: 'IOS' })
    .consent((c) =>
      c.gdpr('Marketing', { consented: true, document: 'privacy_v3' }).ccpa({ consented: false }),
    )
    .ip('203.0.113.7')
    .dataPlan('checkout', 2);
}

describe('built batches pass the official JSON Schema', () => {
  it.each(EVENT_TYPES.filter((t) => t !== 'commerce_event'))('%s', (eventType) => {
    const batch = fullBuilder()
      .event({ event_type: eventType, data: EXAMPLES[eventType] } as EventInput)
      .build();
    expect(batch.events?.[0]?.event_type).toBe(eventType);
    expect(schemaErrors(serializeBatch(batch))).toEqual([]);
  });

  it.each([
    [
      'product action',
      {
        product_action: { action: 'add_to_cart', products: [product] },
        shopping_cart: { products: [product] },
      },
    ],
    [
      'promotion action',
      {
        promotion_action: {
          action: 'click',
          promotions: [{ id: 'summer', name: 'Summer', creative: 'banner', position: 'top' }],
        },
      },
    ],
    [
      'product impressions',
      { product_impressions: [{ product_impression_list: 'Search results', products: [product] }] },
    ],
  ] as [string, CommerceEventInput][])('commerce_event, %s form', (_form, data) => {
    const batch = fullBuilder()
      .commerceEvent({ ...data, currency_code: 'EUR', screen_name: 'Shop', is_non_interactive: false })
      .build();
    expect(schemaErrors(serializeBatch(batch))).toEqual([]);
  });

  it('the builder example from the issue, with every named method', () => {
    const batch = fullBuilder()
      .customEvent({
        event_name: 'Signed Up',
        custom_event_type: 'other',
        custom_attributes: { plan: 'pro' },
      })
      .screenView({ screen_name: 'Home' })
      .commerceEvent({
        currency_code: 'USD',
        product_action: {
          action: 'purchase',
          transaction_id: 'T1',
          total_amount: 21.49,
          products: [{ id: 'sku-1', name: 'Widget', price: 19.99, quantity: 1 }],
        },
      })
      .sessionStart({ session_uuid: SESSION_UUID })
      .sessionEnd({ session_uuid: SESSION_UUID, session_duration_ms: 10_000 })
      .build();
    expect(batch.events?.map((e) => e.event_type)).toEqual([
      'custom_event',
      'screen_view',
      'commerce_event',
      'session_start',
      'session_end',
    ]);
    expect(schemaErrors(serializeBatch(batch))).toEqual([]);
  });

  it('every custom_event_type the schema knows', () => {
    const builder = fullBuilder();
    for (const type of [
      'navigation',
      'location',
      'search',
      'transaction',
      'user_content',
      'user_preference',
      'social',
      'other',
      'media',
    ] as const) {
      builder.customEvent({ event_name: `E ${type}`, custom_event_type: type });
    }
    expect(schemaErrors(serializeBatch(builder.build()))).toEqual([]);
  });

  it('the schema check is real: it rejects a batch with a broken event', () => {
    const text = serializeBatch(fullBuilder().customEvent({ event_name: 'x' }).build());
    const broken = text.replace('"custom_event_type":"other"', '"custom_event_type":"nonsense"');
    expect(broken).not.toBe(text);
    expect(schemaErrors(broken).length).toBeGreaterThan(0);
  });
});
