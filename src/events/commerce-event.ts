/**
 * `commerce_event`: a product action, a promotion action or product impressions, exactly one per event
 * (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import {
  checkScalar,
  int32,
  jsonNumber,
  list,
  opt,
  safeMap,
  strictObject,
  timestampMs,
} from '../internal/zod.js';
import { MAX_ATTRIBUTE_VALUE_LENGTH, MAX_NAME_LENGTH } from '../limits.js';
import { commonEventFields, customFlags, eventName, screenName } from './common.js';
import { CUSTOM_EVENT_TYPES } from './custom-event.js';

/**
 * What happened to the products of a product action (events-api.md §3.4). Note the spelling
 * `remove_from_wish_list`, unlike the commerce `custom_event_type` `remove_from_wishlist`.
 *
 * @example
 * ```ts
 * import { PRODUCT_ACTIONS } from 'mparticle-events';
 *
 * PRODUCT_ACTIONS.includes('purchase'); // true
 * ```
 */
export const PRODUCT_ACTIONS = [
  'add_to_cart',
  'remove_from_cart',
  'checkout',
  'checkout_option',
  'click',
  'view_detail',
  'purchase',
  'refund',
  'add_to_wishlist',
  'remove_from_wish_list',
] as const;

/**
 * A product action's `action`.
 *
 * @example
 * ```ts
 * import type { ProductActionType } from 'mparticle-events';
 *
 * const action: ProductActionType = 'add_to_cart';
 * ```
 */
export type ProductActionType = (typeof PRODUCT_ACTIONS)[number];

/** The commerce `custom_event_type` values the JSON Schema allows (events-api.md §3.4). */
const COMMERCE_EVENT_TYPES = [
  ...CUSTOM_EVENT_TYPES,
  'add_to_cart',
  'remove_from_cart',
  'checkout',
  'checkout_option',
  'click',
  'view_detail',
  'purchase',
  'refund',
  'promotion_view',
  'promotion_click',
  'add_to_wishlist',
  'remove_from_wishlist',
  'impression',
  'consent_granted',
  'consent_denied',
] as const;

/** A product's `custom_attributes`: string values only, per the schema's `Product` definition. */
const productAttributes = safeMap<string, string>({
  what: 'product attribute',
  maxKeyLength: MAX_NAME_LENGTH,
  value: (value, reject) =>
    typeof value === 'string'
      ? checkScalar(value, reject, MAX_ATTRIBUTE_VALUE_LENGTH)
      : reject('product attribute values must be strings'),
});

export const productSchema = strictObject({
  /** The product's ID or SKU. */
  id: z.string(),
  name: z.string(),
  brand: opt(z.string()),
  category: opt(z.string()),
  variant: opt(z.string()),
  position: opt(int32),
  /** Unit price, a JSON number (events-api.md §3.4: send numbers, not strings). */
  price: opt(jsonNumber),
  quantity: opt(jsonNumber),
  coupon_code: opt(z.string()),
  added_to_cart_time_ms: opt(timestampMs),
  total_product_amount: opt(jsonNumber),
  /** String values only. */
  custom_attributes: opt(productAttributes),
});

const products = list(productSchema);

export const productActionSchema = strictObject({
  /** What happened to the products. Required. */
  action: z.enum(PRODUCT_ACTIONS),
  checkout_step: opt(int32),
  checkout_options: opt(z.string()),
  product_action_list: opt(z.string()),
  product_list_source: opt(z.string()),
  transaction_id: z.string().optional(),
  affiliation: opt(z.string()),
  total_amount: opt(jsonNumber),
  tax_amount: opt(jsonNumber),
  shipping_amount: opt(jsonNumber),
  coupon_code: opt(z.string()),
  products: opt(products),
});

export const promotionSchema = strictObject({
  id: z.string().optional(),
  name: z.string().optional(),
  creative: opt(z.string()),
  position: opt(z.string()),
});

export const promotionActionSchema = strictObject({
  /** `view` or `click`. Required. */
  action: z.enum(['view', 'click']),
  promotions: list(promotionSchema).optional(),
});

export const productImpressionSchema = strictObject({
  /**
   * The list the products were shown in. Optional in the prose docs, required by the JSON Schema: the
   * docs win (events-api.md §3.4).
   */
  product_impression_list: z.string().optional(),
  /** The products shown. Optional in the prose docs, required by the JSON Schema: the docs win. */
  products: opt(products),
});

const FORMS = ['product_action', 'promotion_action', 'product_impressions'] as const;

export const commerceEventDataSchema = strictObject(
  {
    ...commonEventFields,
    /** A product-based event: an action on products. */
    product_action: opt(productActionSchema),
    /** A promotion-based event: promotions viewed or clicked. */
    promotion_action: opt(promotionActionSchema),
    /** An impression-based event: products shown in lists. */
    product_impressions: opt(list(productImpressionSchema)),
    shopping_cart: opt(strictObject({ products })),
    /** ISO 4217 code, such as `USD`. */
    currency_code: opt(z.string().regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code such as USD')),
    /**
     * Up to 256 characters. `null` is accepted because mParticle's own sample batch sends it, although
     * the JSON Schema says string (events-api.md §9).
     */
    screen_name: opt(screenName),
    is_non_interactive: opt(z.boolean()),
    event_name: eventName.optional(),
    custom_event_type: z.enum(COMMERCE_EVENT_TYPES).optional(),
    custom_flags: opt(customFlags),
  },
  (data) => {
    // events-api.md §3.4: "Exactly one variant applies". A null form counts as absent: mParticle's
    // sample batch sends `promotion_action: null` next to a product action.
    let count = 0;
    for (const form of FORMS) if (data[form] != null) count++;
    if (count === 1) return undefined;
    const present = FORMS.filter((form) => data[form] != null);
    return present.length === 0
      ? 'a commerce event needs one of product_action, promotion_action or product_impressions'
      : `a commerce event takes exactly one of product_action, promotion_action or product_impressions, got ${present.join(' and ')}`;
  },
);

type CommerceOutput = z.output<typeof commerceEventDataSchema>;
type CommerceInput = z.input<typeof commerceEventDataSchema>;
type Form = (typeof FORMS)[number];

/**
 * A product in a product action, impression or shopping cart, as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { Product } from 'mparticle-events';
 *
 * const revenue = (products: readonly Product[]) =>
 *   products.reduce((sum, p) => sum + (p.price ?? 0) * (p.quantity ?? 1), 0);
 * ```
 */
export interface Product extends z.output<typeof productSchema> {}

/**
 * A product as the builder takes it: `added_to_cart_time_ms` may also be a `Date`.
 *
 * @example
 * ```ts
 * import type { ProductInput } from 'mparticle-events';
 *
 * const widget: ProductInput = { id: 'sku-1', name: 'Widget', price: 19.99, quantity: 1 };
 * ```
 */
export interface ProductInput extends z.input<typeof productSchema> {}

/**
 * A product action (`purchase`, `add_to_cart`, …) with its products.
 *
 * @example
 * ```ts
 * import type { ProductAction } from 'mparticle-events';
 *
 * const isPurchase = (action: ProductAction) => action.action === 'purchase';
 * ```
 */
export interface ProductAction extends z.output<typeof productActionSchema> {}

/**
 * A product action as the builder takes it.
 *
 * @example
 * ```ts
 * import type { ProductActionInput } from 'mparticle-events';
 *
 * const action: ProductActionInput = { action: 'purchase', transaction_id: 'T1', total_amount: 21.49 };
 * ```
 */
export interface ProductActionInput extends z.input<typeof productActionSchema> {}

/**
 * One promotion in a promotion action.
 *
 * @example
 * ```ts
 * import type { Promotion } from 'mparticle-events';
 *
 * const summer: Promotion = { id: 'summer', name: 'Summer sale', creative: 'banner', position: 'top' };
 * ```
 */
export interface Promotion extends z.output<typeof promotionSchema> {}

/**
 * Promotions viewed or clicked.
 *
 * @example
 * ```ts
 * import type { PromotionAction } from 'mparticle-events';
 *
 * const click: PromotionAction = { action: 'click', promotions: [{ id: 'summer' }] };
 * ```
 */
export interface PromotionAction extends z.output<typeof promotionActionSchema> {}

/**
 * Products shown to the user in one list.
 *
 * @example
 * ```ts
 * import type { ProductImpression } from 'mparticle-events';
 *
 * const shown: ProductImpression = { product_impression_list: 'Search results', products: [{ id: 'sku-1', name: 'Widget' }] };
 * ```
 */
export interface ProductImpression extends z.output<typeof productImpressionSchema> {}

/**
 * Product impressions as the builder takes them.
 *
 * @example
 * ```ts
 * import type { ProductImpressionInput } from 'mparticle-events';
 *
 * const shown: ProductImpressionInput = { product_impression_list: 'Search results', products: [] };
 * ```
 */
export interface ProductImpressionInput extends z.input<typeof productImpressionSchema> {}

/**
 * The fields every form of commerce event shares: everything but the form itself.
 *
 * @example
 * ```ts
 * import type { CommerceEventBase } from 'mparticle-events';
 *
 * const shared: CommerceEventBase = { currency_code: 'USD', screen_name: 'Checkout' };
 * ```
 */
export interface CommerceEventBase extends Omit<CommerceInput, Form> {}

/**
 * A product-based commerce event as the builder takes it.
 *
 * @example
 * ```ts
 * import type { ProductCommerceEventInput } from 'mparticle-events';
 *
 * const purchase: ProductCommerceEventInput = { product_action: { action: 'purchase', transaction_id: 'T1' } };
 * ```
 */
export interface ProductCommerceEventInput extends CommerceEventBase {
  /** The action on products. */
  product_action: ProductActionInput;
  /** Not with a product action. */
  promotion_action?: null | undefined;
  /** Not with a product action. */
  product_impressions?: null | undefined;
}

/**
 * A promotion-based commerce event as the builder takes it.
 *
 * @example
 * ```ts
 * import type { PromotionCommerceEventInput } from 'mparticle-events';
 *
 * const click: PromotionCommerceEventInput = { promotion_action: { action: 'click', promotions: [{ id: 'summer' }] } };
 * ```
 */
export interface PromotionCommerceEventInput extends CommerceEventBase {
  /** Not with a promotion action. */
  product_action?: null | undefined;
  /** The promotions viewed or clicked. */
  promotion_action: PromotionAction;
  /** Not with a promotion action. */
  product_impressions?: null | undefined;
}

/**
 * An impression-based commerce event as the builder takes it.
 *
 * @example
 * ```ts
 * import type { ImpressionCommerceEventInput } from 'mparticle-events';
 *
 * const shown: ImpressionCommerceEventInput = { product_impressions: [{ product_impression_list: 'Home', products: [] }] };
 * ```
 */
export interface ImpressionCommerceEventInput extends CommerceEventBase {
  /** Not with impressions. */
  product_action?: null | undefined;
  /** Not with impressions. */
  promotion_action?: null | undefined;
  /** The lists of products shown. */
  product_impressions: ProductImpressionInput[];
}

/**
 * What `BatchBuilder.commerceEvent()` takes: exactly one of `product_action`, `promotion_action` or
 * `product_impressions`. Giving two does not compile, and is rejected at run time too.
 *
 * @example
 * ```ts
 * import type { CommerceEventInput } from 'mparticle-events';
 *
 * const purchase: CommerceEventInput = {
 *   currency_code: 'USD',
 *   product_action: { action: 'purchase', transaction_id: 'T1', products: [{ id: 'sku-1', name: 'Widget', price: 19.99 }] },
 * };
 * ```
 */
export type CommerceEventInput =
  | ProductCommerceEventInput
  | PromotionCommerceEventInput
  | ImpressionCommerceEventInput;

/**
 * The `data` of a `commerce_event` as it is in a built batch: exactly one of the three forms is set.
 *
 * @example
 * ```ts
 * import type { CommerceEventData } from 'mparticle-events';
 *
 * const isPurchase = (data: CommerceEventData) => data.product_action?.action === 'purchase';
 * ```
 */
export interface CommerceEventData extends CommerceOutput {}
