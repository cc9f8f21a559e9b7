/**
 * `BatchBuilder`: a fluent way to put one user's identities, attributes, consent and events into
 * validated batches.
 *
 * @module
 */
import { ConsentBuilder } from '../consent/consent-builder.js';
import type { ConsentStateInput } from '../consent/consent-state.js';
import { ConfigurationError, ValidationError } from '../errors.js';
import type { CommerceEventInput } from '../events/commerce-event.js';
import type { CustomEventInput } from '../events/custom-event.js';
import type { EventInput } from '../events/index.js';
import type { ScreenViewInput } from '../events/screen-view.js';
import type { SessionEndInput } from '../events/session-end.js';
import type { SessionStartInput } from '../events/session-start.js';
import type { DeviceInfoInput } from '../identity/device-info.js';
import type { UserAttributes } from '../identity/user-attributes.js';
import type { UserIdentities } from '../identity/user-identities.js';
import { assignOwn } from '../internal/copy.js';
import type { Int64Input } from '../internal/int64.js';
import { randomUuid } from '../internal/uuid.js';
import { issueAt } from '../internal/zod.js';
import { MAX_BATCH_BYTES } from '../limits.js';
import { utf8ByteLength } from '../transport/packing.js';
import type { ApplicationInfo } from './application-info.js';
import { type Batch, type BatchData, ENVIRONMENTS, type Environment } from './batch.js';
import { bytesIfOver, oversizeIssue, seal, toBatch, validateBatchData } from './validate.js';
import { writeBatch, writeEvent } from './writer.js';

/**
 * Options of a {@link BatchBuilder}.
 *
 * @example
 * ```ts
 * import { BatchBuilder } from 'mparticle-events';
 *
 * const builder = new BatchBuilder({ environment: 'development', now: () => Date.parse('2024-05-01T12:00:00Z') });
 * ```
 */
export interface BatchBuilderOptions {
  /**
   * Where the data lands. Always written to the batch, as the docs advise (events-api.md §3.1).
   * @default 'production'
   */
  environment?: Environment | undefined;
  /**
   * The batch's `source_request_id`, mParticle's deduplication key (events-api.md §1.7). When
   * `buildAll()` has to split, the batches get `-1`, `-2`, … suffixes.
   * @default a random UUID for every batch built
   */
  sourceRequestId?: string | undefined;
  /**
   * The clock for default timestamps, in epoch ms.
   * @default Date.now
   */
  now?: (() => number) | undefined;
}

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds validated batches for one user (the Events API takes one user per batch, events-api.md §2.1).
 *
 * Methods record what you give them and return the builder; nothing is checked until `build()` or
 * `buildAll()`, which validate everything at once and report every problem with its path. Identities,
 * attributes, device and app info merge across calls; events keep their order.
 *
 * Filled in when absent: `source_request_id` (a UUID per batch), each event's `source_message_id` (a UUID
 * per event, at build), its `timestamp_unixtime_ms` (the time the event was added) and a custom event's
 * `custom_event_type` (`other`). The batch-level timestamp is never set: the server owns it.
 *
 * @example
 * ```ts
 * import { BatchBuilder } from 'mparticle-events';
 *
 * const batch = new BatchBuilder({ environment: 'production' })
 *   .mpid('-7636538281262557000')
 *   .userIdentities({ customer_id: '42', email: 'ada@example.com' })
 *   .userAttributes({ $FirstName: 'Ada', plan: 'pro', tags: ['a', 'b'] })
 *   .customEvent({ event_name: 'Signed Up', custom_attributes: { plan: 'pro' } })
 *   .build();
 * ```
 */
export class BatchBuilder {
  readonly #environment: Environment;
  readonly #sourceRequestId: string | undefined;
  readonly #now: () => number;
  #mpid: Int64Input | undefined;
  #identities: unknown;
  #attributes: unknown;
  #deleted: unknown;
  #device: unknown;
  #application: unknown;
  #consent: { gdpr?: Raw; ccpa?: Raw } | undefined;
  #ip: string | undefined;
  #dataPlan: Raw | undefined;
  /** The events recorded, as the envelopes validation will see, and which need a source_message_id. */
  readonly #events: { event_type: unknown; data: unknown }[] = [];
  readonly #needsId: boolean[] = [];

  /**
   * @param options - Environment, deduplication ID and clock.
   * @throws {@link ConfigurationError} when an option is invalid; the error names it.
   */
  constructor(options: BatchBuilderOptions = {}) {
    const { environment = 'production', sourceRequestId, now = Date.now } = options;
    if (!(ENVIRONMENTS as readonly unknown[]).includes(environment)) {
      throw new ConfigurationError(
        'environment',
        `expected 'production' or 'development', got ${describe(environment)}`,
      );
    }
    if (sourceRequestId !== undefined && (typeof sourceRequestId !== 'string' || sourceRequestId === '')) {
      throw new ConfigurationError('sourceRequestId', 'expected a non-empty string');
    }
    if (typeof now !== 'function')
      throw new ConfigurationError('now', 'expected a function returning epoch ms');
    this.#environment = environment;
    this.#sourceRequestId = sourceRequestId;
    this.#now = now;
  }

  /**
   * Set the user's mParticle ID. Kept exact: pass a bigint or a decimal string for IDs beyond 2^53.
   *
   * @param mpid - A bigint, a decimal string or a safe integer.
   */
  mpid(mpid: Int64Input): this {
    this.#mpid = mpid;
    return this;
  }

  /**
   * Add user identities (merged with earlier calls). Only the Events API's identity keys compile.
   *
   * @param identities - Identity type → value, such as `{ customer_id: '42', email: 'ada@example.com' }`.
   */
  userIdentities(identities: UserIdentities): this {
    this.#identities = merge(this.#identities, identities);
    return this;
  }

  /**
   * Set user attributes (merged with earlier calls): scalar or list values, at most 100 attributes.
   * `null` makes a user tag; to delete an attribute use {@link BatchBuilder.deleteUserAttributes}.
   *
   * @param attributes - Name → value, such as `{ $FirstName: 'Ada', tags: ['a', 'b'] }`.
   */
  userAttributes(attributes: UserAttributes): this {
    this.#attributes = merge(this.#attributes, attributes);
    return this;
  }

  /**
   * Remove user attributes from the profile (`deleted_user_attributes`).
   *
   * @param names - The attribute names.
   */
  deleteUserAttributes(names: readonly string[]): this {
    // Anything but a list of names is kept as given, for validation to report at its path.
    this.#deleted =
      Array.isArray(names) && Array.isArray(this.#deleted) ? [...this.#deleted, ...names] : names;
    return this;
  }

  /**
   * Describe the device (merged with earlier calls), including device identities such as
   * `ios_advertising_id` or `push_token`.
   *
   * @param info - `device_info` fields.
   */
  deviceInfo(info: DeviceInfoInput): this {
    this.#device = merge(this.#device, info);
    return this;
  }

  /**
   * Describe the app (merged with earlier calls).
   *
   * @param info - `application_info` fields.
   */
  applicationInfo(info: ApplicationInfo): this {
    this.#application = merge(this.#application, info);
    return this;
  }

  /**
   * Record consent: a consent state, or a function that records it on a {@link ConsentBuilder}. GDPR
   * purposes merge with earlier calls; timestamps default to now.
   *
   * @param consent - `c => c.gdpr('marketing', { consented: true }).ccpa({ consented: false })`, or a state.
   */
  consent(consent: ConsentStateInput | ((consent: ConsentBuilder) => unknown)): this {
    let state: ConsentStateInput;
    if (typeof consent === 'function') {
      const builder = new ConsentBuilder({ now: this.#now });
      consent(builder);
      state = builder.build();
    } else state = consent;
    if (!isObject(state)) {
      // Let validation report it, at consent_state.
      this.#consent = state as never;
      return this;
    }
    const previous = isObject(this.#consent) ? this.#consent : {};
    const next: { gdpr?: Raw; ccpa?: Raw } = { ...previous };
    if (isObject(state.gdpr)) {
      // Object.fromEntries defines keys, so a purpose named "__proto__" stays a key, for validation to reject.
      const added = Object.entries(state.gdpr).map(([purpose, value]) => [
        purpose,
        this.#stampConsent(value),
      ]);
      next.gdpr = Object.fromEntries([...Object.entries(previous.gdpr ?? {}), ...added]);
    } else if (state.gdpr !== undefined) next.gdpr = state.gdpr as never;
    if (isObject(state.ccpa)) {
      const ccpa: Raw = { ...state.ccpa };
      if (state.ccpa.data_sale_opt_out !== undefined) {
        ccpa.data_sale_opt_out = this.#stampConsent(state.ccpa.data_sale_opt_out);
      }
      next.ccpa = ccpa;
    } else if (state.ccpa !== undefined) next.ccpa = state.ccpa as never;
    this.#consent = next;
    return this;
  }

  /**
   * Set the IP address of the user's device (IPv4 or IPv6), which mParticle uses for geolocation.
   *
   * @param address - Such as `203.0.113.7`.
   */
  ip(address: string): this {
    this.#ip = address;
    return this;
  }

  /**
   * Validate the batch against a data plan (`context.data_plan`).
   *
   * @param planId - The plan's ID.
   * @param version - The plan version; the latest active one when absent.
   */
  dataPlan(planId: string, version?: number): this {
    this.#dataPlan = version === undefined ? { plan_id: planId } : { plan_id: planId, plan_version: version };
    return this;
  }

  /**
   * Add a custom event. `custom_event_type` defaults to `other`.
   *
   * @param data - `event_name` (required) and the event's other fields.
   */
  customEvent(data: CustomEventInput): this {
    return this.#add('custom_event', data);
  }

  /**
   * Add a screen view.
   *
   * @param data - `screen_name` and the event's other fields.
   */
  screenView(data: ScreenViewInput): this {
    return this.#add('screen_view', data);
  }

  /**
   * Add a commerce event: exactly one of `product_action`, `promotion_action` or `product_impressions`.
   *
   * @param data - The commerce event's fields.
   */
  commerceEvent(data: CommerceEventInput): this {
    return this.#add('commerce_event', data);
  }

  /**
   * Add a session start. Give it a `session_uuid` and reuse it on the matching session end.
   *
   * @param data - The common event fields.
   */
  sessionStart(data: SessionStartInput = {}): this {
    return this.#add('session_start', data);
  }

  /**
   * Add a session end.
   *
   * @param data - `session_duration_ms` and the common event fields.
   */
  sessionEnd(data: SessionEndInput = {}): this {
    return this.#add('session_end', data);
  }

  /**
   * Add an event of any type.
   *
   * @param event - `{ event_type, data }`, such as `{ event_type: 'breadcrumb', data: { label: 'Opened' } }`.
   */
  event(event: EventInput): this {
    return this.#add(
      isObject(event) ? event.event_type : undefined,
      isObject(event) ? event.data : undefined,
    );
  }

  /**
   * Validate everything recorded and return one batch.
   *
   * @throws {@link ValidationError} listing every problem with its path, or when the serialized batch is
   *   over 128 KB (use {@link BatchBuilder.buildAll} to split a user's events over several batches).
   */
  build(): Batch {
    return toBatch(this.#raw(), "; BatchBuilder.buildAll() splits a user's events over batches that fit");
  }

  /**
   * Validate everything recorded and return as many batches as the 128 KB limit needs: each carries
   * the same identities, attributes, device, app info and consent, its own `source_request_id`, and a
   * run of the events in their order. Usually one batch.
   *
   * @throws {@link ValidationError} listing every problem with its path, or when one event, or the shared
   *   fields alone, cannot fit in a batch.
   */
  buildAll(): Batch[] {
    const data = validateBatchData(this.#raw());
    const text = writeBatch(data);
    if (bytesIfOver(text) === undefined) return [seal(data, text)];
    return this.#split(data);
  }

  #split(data: BatchData): Batch[] {
    const events = data.events ?? [];
    const base = { ...data, events: [] };
    // A caller's own source_request_id gets a "-<n>" suffix per batch; generated UUIDs keep their length.
    const reserve = this.#sourceRequestId === undefined ? 0 : 1 + String(events.length).length;
    const baseBytes = utf8ByteLength(writeBatch(base)) + reserve;
    if (baseBytes > MAX_BATCH_BYTES) {
      throw new ValidationError([
        oversizeIssue(baseBytes, ' before any event: identities, attributes and consent alone are too large'),
      ]);
    }
    const runs: (typeof events)[] = [];
    let run: typeof events = [];
    let bytes = baseBytes;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as (typeof events)[number];
      const size = utf8ByteLength(writeEvent(event as unknown as Raw));
      if (baseBytes + size > MAX_BATCH_BYTES) {
        throw new ValidationError([
          issueAt(
            ['events', i],
            'too_big',
            `event is ${size} bytes serialized; with the batch's shared fields (${baseBytes} bytes) it cannot ` +
              `fit the Events API's limit of ${MAX_BATCH_BYTES} bytes per batch`,
          ),
        ]);
      }
      const added = run.length === 0 ? size : size + 1;
      if (bytes + added > MAX_BATCH_BYTES) {
        runs.push(run);
        run = [event];
        bytes = baseBytes + size;
      } else {
        run.push(event);
        bytes += added;
      }
    }
    runs.push(run);
    return runs.map((chunk, i) => {
      const id = this.#sourceRequestId === undefined ? randomUuid() : `${this.#sourceRequestId}-${i + 1}`;
      const piece: BatchData = { ...data, source_request_id: id, events: chunk };
      return seal(piece, writeBatch(piece));
    });
  }

  #add(eventType: unknown, data: unknown): this {
    // The event's time is when it was recorded, unless given. The data is copied so later changes to
    // the caller's object do not leak into the batch; the copy is the builder's own, and build() fills
    // in its source_message_id.
    const copy = isObject(data)
      ? stamped(data, 'timestamp_unixtime_ms', this.#now, 'source_message_id')
      : data;
    this.#events.push({ event_type: eventType, data: copy });
    this.#needsId.push(isObject(copy) && copy.source_message_id == null);
    return this;
  }

  #stampConsent(value: unknown): unknown {
    return isObject(value) ? stamped(value, 'timestamp_unixtime_ms', this.#now) : value;
  }

  #raw(): Raw {
    const raw: Raw = {
      source_request_id: this.#sourceRequestId ?? randomUuid(),
      environment: this.#environment,
    };
    if (this.#mpid !== undefined) raw.mpid = this.#mpid;
    if (this.#identities !== undefined) raw.user_identities = this.#identities;
    if (this.#attributes !== undefined) raw.user_attributes = this.#attributes;
    if (this.#deleted !== undefined) raw.deleted_user_attributes = this.#deleted;
    if (this.#device !== undefined) raw.device_info = this.#device;
    if (this.#application !== undefined) raw.application_info = this.#application;
    if (this.#consent !== undefined) raw.consent_state = this.#consent;
    if (this.#ip !== undefined) raw.ip = this.#ip;
    if (this.#dataPlan !== undefined) raw.context = { data_plan: this.#dataPlan };
    // A fresh UUID per event and per build: each built batch is a new message to mParticle. The data
    // objects are the builder's own copies, so they are written to directly.
    for (let i = 0; i < this.#events.length; i++) {
      if (this.#needsId[i]) (this.#events[i]?.data as Raw).source_message_id = randomUuid();
    }
    raw.events = this.#events;
    return raw;
  }
}

/**
 * A copy of `source` whose `key` is filled in with `now()` when absent, and which has `reserved` as a
 * property (possibly undefined) for the builder to fill in later. Both keys are created before the
 * caller's are copied in: in V8, adding a property to a spread copy takes a slow path costing about as
 * much as validating the object, while assigning onto a literal does not.
 */
function stamped(source: Raw, key: string, now: () => number, reserved?: string): Raw {
  const copy: Raw =
    reserved === undefined ? { [key]: undefined } : { [key]: undefined, [reserved]: undefined };
  assignOwn(copy, source);
  copy[key] ??= now();
  return copy;
}

/**
 * Merge a call's fields over earlier ones. Spreading defines keys, so a hostile key such as `__proto__`
 * stays a plain key for validation to reject. A value that is not an object replaces what was there, and
 * validation reports it at its path.
 */
function merge(previous: unknown, next: unknown): unknown {
  if (!isObject(next)) return next;
  return isObject(previous) ? { ...previous, ...next } : { ...next };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value;
}
