/**
 * The benchmark workload: the same events for every contender, generated from a seed.
 *
 * A workload is a list of batch specs, one user per batch ("Each batch should contain data for only one
 * user", events-api.md §2.1), each with custom events carrying a few attributes and, now and then, a
 * commerce event. Every contender turns the same specs into its own shape: the wire JSON for the raw
 * limit, model classes for the official package, `track` calls for Segment, builder calls for ours.
 */
import { randomUUID } from 'node:crypto';

/** Fixed base time, so two runs with one seed produce the same events (Tue, 14 Nov 2023 22:13:20 UTC). */
export const BASE_TIME_MS = 1_700_000_000_000;

/** A small, fast, seedable PRNG (mulberry32); Math.random would make runs differ. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CUSTOM = [
  ['Viewed Article', 'navigation'],
  ['Searched', 'search'],
  ['Posted Comment', 'user_content'],
  ['Shared Link', 'social'],
  ['Played Video', 'media'],
  ['Changed Setting', 'user_preference'],
];
const CATEGORIES = ['news', 'sport', 'finance', 'travel', 'food', 'science', 'culture'];
const PRODUCTS = [
  ['sku-1001', 'Widget', 19.99],
  ['sku-1002', 'Gadget', 34.5],
  ['sku-1003', 'Gizmo', 7.25],
  ['sku-1004', 'Doohickey', 99],
  ['sku-1005', 'Thingamajig', 12.4],
];

/**
 * Generates `batches` single-user batch specs of `eventsPerBatch` events each.
 *
 * `extraAttributes` adds that many string attributes (of `extraAttributeLength` characters) to each custom
 * event: the stalled-server run uses it to make the queue overflow its byte bound.
 */
export function generateWorkload({
  batches,
  eventsPerBatch = 10,
  seed = 1,
  commerceShare = 0.2,
  extraAttributes = 0,
  extraAttributeLength = 24,
}) {
  const out = new Array(batches);
  for (let b = 0; b < batches; b++)
    out[b] = generateBatchSpec(b, {
      eventsPerBatch,
      seed,
      commerceShare,
      extraAttributes,
      extraAttributeLength,
    });
  return out;
}

/** One batch spec; `generateWorkload` in a loop, usable without holding the whole workload in memory. */
export function generateBatchSpec(
  index,
  { eventsPerBatch = 10, seed = 1, commerceShare = 0.2, extraAttributes = 0, extraAttributeLength = 24 } = {},
) {
  // One PRNG per batch, seeded from (seed, index): any batch can be regenerated alone.
  const random = prng((seed * 0x9e3779b1) ^ (index * 0x85ebca6b));
  const pick = (list) => list[Math.floor(random() * list.length)];
  const events = new Array(eventsPerBatch);
  for (let i = 0; i < eventsPerBatch; i++) {
    const timestamp = BASE_TIME_MS + index * 1000 + i * 10;
    if (random() < commerceShare) {
      const count = 1 + Math.floor(random() * 2);
      const products = [];
      let total = 0;
      for (let p = 0; p < count; p++) {
        const [id, name, price] = pick(PRODUCTS);
        const quantity = 1 + Math.floor(random() * 3);
        total += price * quantity;
        products.push({ id, name, price, quantity });
      }
      const purchase = random() < 0.5;
      events[i] = {
        kind: 'commerce',
        timestamp,
        action: purchase ? 'purchase' : 'add_to_cart',
        transactionId: purchase ? `T-${index}-${i}` : undefined,
        total: Math.round(total * 100) / 100,
        products,
      };
    } else {
      const [name, type] = pick(CUSTOM);
      const attributes = {
        category: pick(CATEGORIES),
        item_id: `item-${Math.floor(random() * 100_000)}`,
        position: Math.floor(random() * 20),
        premium: random() < 0.3,
      };
      for (let x = 0; x < extraAttributes; x++) {
        attributes[`extra_${x}`] = randomString(random, extraAttributeLength);
      }
      events[i] = { kind: 'custom', timestamp, name, type, attributes };
    }
  }
  return { customerId: `user-${index}`, email: `user${index}@example.com`, events };
}

function randomString(random, length) {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(97 + Math.floor(random() * 26));
  return s;
}

/**
 * The wire-format batch for a spec, as the Events API takes it (events-api.md §3), with a fresh
 * `source_request_id` per batch and `source_message_id` per event (§1.7), as our builder fills them in.
 */
export function toWireBatch(spec) {
  const events = new Array(spec.events.length);
  for (let i = 0; i < spec.events.length; i++) {
    const e = spec.events[i];
    if (e.kind === 'custom') {
      events[i] = {
        event_type: 'custom_event',
        data: {
          event_name: e.name,
          custom_event_type: e.type,
          timestamp_unixtime_ms: e.timestamp,
          source_message_id: randomUUID(),
          custom_attributes: e.attributes,
        },
      };
    } else {
      const productAction = { action: e.action, total_amount: e.total, products: e.products };
      if (e.transactionId !== undefined) productAction.transaction_id = e.transactionId;
      events[i] = {
        event_type: 'commerce_event',
        data: {
          timestamp_unixtime_ms: e.timestamp,
          source_message_id: randomUUID(),
          currency_code: 'USD',
          product_action: productAction,
        },
      };
    }
  }
  return {
    environment: 'production',
    source_request_id: randomUUID(),
    user_identities: { customer_id: spec.customerId, email: spec.email },
    events,
  };
}

/** Builds a batch for a spec with our `BatchBuilder` (the SDK module is passed in, source or dist). */
export function buildWithSdk(sdk, spec) {
  const builder = new sdk.BatchBuilder({ environment: 'production' }).userIdentities({
    customer_id: spec.customerId,
    email: spec.email,
  });
  for (const e of spec.events) {
    if (e.kind === 'custom') {
      builder.customEvent({
        event_name: e.name,
        custom_event_type: e.type,
        timestamp_unixtime_ms: e.timestamp,
        custom_attributes: e.attributes,
      });
    } else {
      const productAction = { action: e.action, total_amount: e.total, products: e.products };
      if (e.transactionId !== undefined) productAction.transaction_id = e.transactionId;
      builder.commerceEvent({
        timestamp_unixtime_ms: e.timestamp,
        currency_code: 'USD',
        product_action: productAction,
      });
    }
  }
  return builder.build();
}

/** Builds a batch for a spec with the official `mparticle` package's model classes. */
export function buildWithOfficial(mp, spec) {
  const batch = new mp.Batch(mp.Batch.Environment.production);
  // The official package fills in no ids; set them so every contender sends the same fields.
  batch.source_request_id = randomUUID();
  const identities = new mp.UserIdentities();
  identities.customerid = spec.customerId;
  identities.email = spec.email;
  batch.user_identities = identities;
  for (const e of spec.events) {
    if (e.kind === 'custom') {
      const event = new mp.AppEvent(e.type, e.name);
      event.timestamp_unixtime_ms = e.timestamp;
      event.source_message_id = randomUUID();
      event.custom_attributes = e.attributes;
      batch.addEvent(event);
    } else {
      const products = e.products.map((p) => {
        const product = new mp.Product(p.id, p.name, p.price);
        product.quantity = p.quantity;
        return product;
      });
      const action = new mp.ProductAction(e.action, e.transactionId, e.total, products);
      const event = new mp.CommerceEvent();
      event.timestamp_unixtime_ms = e.timestamp;
      event.source_message_id = randomUUID();
      event.currency_code = 'USD';
      event.product_action = action;
      batch.addEvent(event);
    }
  }
  return batch;
}

/** The `track` calls Segment would get for a spec: one per event, commerce as Segment's "Order Completed". */
export function toSegmentTracks(spec) {
  return spec.events.map((e) =>
    e.kind === 'custom'
      ? {
          userId: spec.customerId,
          event: e.name,
          properties: { ...e.attributes, custom_event_type: e.type },
          timestamp: new Date(e.timestamp),
          context: { traits: { email: spec.email } },
        }
      : {
          userId: spec.customerId,
          event: e.action === 'purchase' ? 'Order Completed' : 'Product Added',
          properties: {
            order_id: e.transactionId,
            total: e.total,
            currency: 'USD',
            products: e.products.map((p) => ({
              product_id: p.id,
              name: p.name,
              price: p.price,
              quantity: p.quantity,
            })),
          },
          timestamp: new Date(e.timestamp),
          context: { traits: { email: spec.email } },
        },
  );
}

/**
 * Splits serialized batches into request bodies the way the Events API allows: at most 100 batches
 * (events-api.md §1.2) and at most 256 KB of body (§2.1), whichever binds first. Returns index ranges.
 */
export function packRanges(byteSizes, { maxBatches = 100, maxBytes = 256_000 } = {}) {
  const ranges = [];
  let start = 0;
  let bytes = 2; // '[' and ']'
  for (let i = 0; i < byteSizes.length; i++) {
    const add = byteSizes[i] + (i > start ? 1 : 0); // ',' between batches
    if (i > start && (i - start >= maxBatches || bytes + add > maxBytes)) {
      ranges.push([start, i]);
      start = i;
      bytes = 2 + byteSizes[i];
    } else {
      bytes += add;
    }
  }
  if (byteSizes.length > start) ranges.push([start, byteSizes.length]);
  return ranges;
}
