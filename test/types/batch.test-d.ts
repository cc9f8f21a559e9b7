/**
 * Acceptance 4: what must not compile does not (an unknown identity key, a custom event without
 * event_name, a product action outside the enum, two commerce forms in one event), and the public types
 * say what the run time does.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type Batch,
  BatchBuilder,
  type BatchEvent,
  type CommerceEventInput,
  type ConsentBuilder,
  type CustomEventType,
  type EventType,
  type IdentityType,
  type Int64Input,
  type ProductActionType,
  parseBatch,
  parseBatchJson,
  serializeBatch,
  type UserIdentities,
} from '../../src/index.js';

const builder = new BatchBuilder({ environment: 'production' });

describe('does not compile', () => {
  it('an unknown identity key', () => {
    // @ts-expect-error customerid is the legacy alias; the key is customer_id
    builder.userIdentities({ customerid: '42' });
    // @ts-expect-error not an identity type
    builder.userIdentities({ customer_id: '42', phone: '+1' });
    builder.userIdentities({ customer_id: '42', other_id_10: 'x', facebook_custom_audience_id: 'y' });
  });

  it('a custom event without event_name', () => {
    // @ts-expect-error event_name is required
    builder.customEvent({ custom_event_type: 'other' });
    // @ts-expect-error event_name is required through event() too
    builder.event({ event_type: 'custom_event', data: { custom_attributes: {} } });
    builder.customEvent({ event_name: 'Signed Up' });
  });

  it('a product action outside the enum', () => {
    // @ts-expect-error 'buy' is not a product action
    builder.commerceEvent({ product_action: { action: 'buy' } });
    // @ts-expect-error the product action spelling is remove_from_wish_list
    builder.commerceEvent({ product_action: { action: 'remove_from_wishlist' } });
    builder.commerceEvent({ product_action: { action: 'remove_from_wish_list' } });
  });

  it('two commerce forms in one event', () => {
    // @ts-expect-error a product action and a promotion action together
    builder.commerceEvent({ product_action: { action: 'purchase' }, promotion_action: { action: 'view' } });
    // @ts-expect-error impressions with a promotion action
    builder.commerceEvent({ promotion_action: { action: 'click' }, product_impressions: [] });
    // @ts-expect-error no form at all
    builder.commerceEvent({ currency_code: 'USD' });
    builder.commerceEvent({ promotion_action: { action: 'click' }, product_action: null });
  });

  it('other enums and kinds', () => {
    // @ts-expect-error not a custom_event_type
    builder.customEvent({ event_name: 'x', custom_event_type: 'fun' });
    // @ts-expect-error not a platform
    builder.deviceInfo({ platform: 'windows' });
    // @ts-expect-error not an environment
    new BatchBuilder({ environment: 'staging' });
    // @ts-expect-error an mpid is not a boolean
    builder.mpid(true);
    // @ts-expect-error data of another event type
    builder.event({ event_type: 'breadcrumb', data: { event_name: 'x' } });
    // @ts-expect-error event attributes hold no objects
    builder.customEvent({ event_name: 'x', custom_attributes: { nested: { a: 1 } } });
    // @ts-expect-error consent needs consented
    builder.consent((c) => c.gdpr('marketing', { document: 'v3' }));
  });

  it('writing to a built batch', () => {
    const batch = builder.build();
    // @ts-expect-error a batch is read-only
    batch.mpid = '1';
    // @ts-expect-error all the way down
    batch.events?.push({ event_type: 'first_run', data: {} });
  });
});

describe('types say what the run time does', () => {
  it('build, buildAll, parse and serialize', () => {
    expectTypeOf(builder.build()).toEqualTypeOf<Batch>();
    expectTypeOf(builder.buildAll()).toEqualTypeOf<Batch[]>();
    expectTypeOf(parseBatch).parameter(0).toBeUnknown();
    expectTypeOf(parseBatch).returns.toEqualTypeOf<Batch>();
    expectTypeOf(parseBatchJson).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(serializeBatch).toEqualTypeOf<(batch: Batch) => string>();
  });

  it('64-bit IDs go in as bigint, string or number and come out as strings', () => {
    expectTypeOf<Int64Input>().toEqualTypeOf<bigint | string | number>();
    expectTypeOf(builder.mpid).parameter(0).toEqualTypeOf<Int64Input>();
    expectTypeOf<Batch['mpid']>().toEqualTypeOf<string | null | undefined>();
    type Profile = Extract<BatchEvent, { event_type: 'profile' }>['data'];
    expectTypeOf<Profile['current_mpid']>().toEqualTypeOf<string | null>();
    expectTypeOf<Profile['timestamp_unixtime_ms']>().toEqualTypeOf<number | null | undefined>();
  });

  it('events are a union discriminated by event_type', () => {
    const batch = builder.build();
    const event = batch.events?.[0];
    if (event?.event_type === 'custom_event') {
      expectTypeOf(event.data.event_name).toEqualTypeOf<string>();
      expectTypeOf(event.data.custom_event_type).toEqualTypeOf<CustomEventType>();
    }
    expectTypeOf<BatchEvent['event_type']>().toEqualTypeOf<EventType>();
  });

  it('the enums', () => {
    expectTypeOf<IdentityType>().toEqualTypeOf<
      | 'customer_id'
      | 'email'
      | 'other'
      | 'other_id_2'
      | 'other_id_3'
      | 'other_id_4'
      | 'other_id_5'
      | 'other_id_6'
      | 'other_id_7'
      | 'other_id_8'
      | 'other_id_9'
      | 'other_id_10'
      | 'mobile_number'
      | 'phone_number_2'
      | 'phone_number_3'
      | 'facebook'
      | 'twitter'
      | 'google'
      | 'microsoft'
      | 'yahoo'
      | 'alias'
      | 'facebook_custom_audience_id'
    >();
    expectTypeOf<keyof UserIdentities>().toEqualTypeOf<IdentityType>();
    expectTypeOf<'attribution'>().toExtend<CustomEventType>();
    expectTypeOf<ProductActionType>().toExtend<string>();
    expectTypeOf<'purchase'>().toExtend<ProductActionType>();
  });

  it('commerce input is one of three forms', () => {
    expectTypeOf<{ product_action: { action: 'purchase' } }>().toExtend<CommerceEventInput>();
    expectTypeOf<{ product_impressions: [] }>().toExtend<CommerceEventInput>();
    expectTypeOf<{
      product_action: { action: 'purchase' };
      product_impressions: [];
    }>().not.toExtend<CommerceEventInput>();
  });

  it('consent takes a callback on a ConsentBuilder or a state', () => {
    expectTypeOf(builder.consent).toBeCallableWith((c: ConsentBuilder) => c.ccpa({ consented: true }));
    expectTypeOf(builder.consent).toBeCallableWith({ ccpa: { data_sale_opt_out: { consented: false } } });
  });
});
