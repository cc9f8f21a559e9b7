/**
 * mparticle-events: a typed SDK for mParticle's server-to-server Events API.
 *
 * Build validated batches with {@link BatchBuilder}, deliver them with {@link EventsClient}.
 *
 * @packageDocumentation
 */

// Errors (src/errors.ts)
export {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  ConnectionError,
  isRetryableStatus,
  MParticleEventsError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export type { ApiErrorBody, ApiErrorInit, ValidationIssue } from './errors.js';

// Limits (src/limits.ts)
export {
  DEFAULT_BATCHES_PER_SECOND,
  HISTORICAL_MIN_AGE_MS,
  MAX_ATTRIBUTE_VALUE_LENGTH,
  MAX_BATCH_BYTES,
  MAX_BATCHES_PER_REQUEST,
  MAX_NAME_LENGTH,
  MAX_REQUEST_BYTES,
  MAX_USER_ATTRIBUTE_LIST_ENTRY_LENGTH,
  MAX_USER_ATTRIBUTE_LIST_LENGTH,
  MAX_USER_ATTRIBUTES,
} from './limits.js';

// Batch model (src/batch, src/events, src/identity, src/consent)
export { APPLICATION_OSES } from './batch/application-info.js';
export type { ApplicationInfo } from './batch/application-info.js';
export { ENVIRONMENTS } from './batch/batch.js';
export type { Batch, BatchData, BatchInput, DeepReadonly, Environment } from './batch/batch.js';
export { BatchBuilder } from './batch/builder.js';
export type { BatchBuilderOptions } from './batch/builder.js';
export { parseBatch, parseBatchJson } from './batch/parse.js';
export { serializeBatch } from './batch/serialize.js';
export type { Int64Input } from './internal/int64.js';
export type { AttributeValue, TimestampInput } from './internal/zod.js';
export { EVENT_TYPES } from './events/index.js';
export type { BatchEvent, EventDataMap, EventInput, EventInputMap, EventType } from './events/index.js';
export type {
  ApplicationStateTransitionData,
  ApplicationStateTransitionInput,
} from './events/application-state-transition.js';
export type { BreadcrumbData, BreadcrumbInput } from './events/breadcrumb.js';
export { PRODUCT_ACTIONS } from './events/commerce-event.js';
export type {
  CommerceEventBase,
  CommerceEventData,
  CommerceEventInput,
  ImpressionCommerceEventInput,
  Product,
  ProductAction,
  ProductActionInput,
  ProductActionType,
  ProductCommerceEventInput,
  ProductImpression,
  ProductImpressionInput,
  ProductInput,
  Promotion,
  PromotionAction,
  PromotionCommerceEventInput,
} from './events/commerce-event.js';
export type { CrashReportData, CrashReportInput } from './events/crash-report.js';
export { CUSTOM_EVENT_TYPES } from './events/custom-event.js';
export type { CustomEventData, CustomEventInput, CustomEventType } from './events/custom-event.js';
export type { FirstRunData, FirstRunInput } from './events/first-run.js';
export type { NetworkPerformanceData, NetworkPerformanceInput } from './events/network-performance.js';
export type { OptOutData, OptOutInput } from './events/opt-out.js';
export type { ProfileData, ProfileInput } from './events/profile.js';
export type { PushMessageData, PushMessageInput } from './events/push-message.js';
export type { PushRegistrationData, PushRegistrationInput } from './events/push-registration.js';
export type { ScreenViewData, ScreenViewInput } from './events/screen-view.js';
export type { SessionEndData, SessionEndInput } from './events/session-end.js';
export type { SessionStartData, SessionStartInput } from './events/session-start.js';
export type { UninstallData, UninstallInput } from './events/uninstall.js';
export type { UserAttributeChangeData, UserAttributeChangeInput } from './events/user-attribute-change.js';
export type {
  UserIdentity,
  UserIdentityChangeData,
  UserIdentityChangeInput,
} from './events/user-identity-change.js';
export { PLATFORMS } from './identity/device-info.js';
export type { DeviceInfo, DeviceInfoInput, Platform } from './identity/device-info.js';
export type { UserAttributes, UserAttributeValue } from './identity/user-attributes.js';
export { USER_IDENTITY_TYPES } from './identity/user-identities.js';
export type { IdentityType, UserIdentities } from './identity/user-identities.js';
export { ConsentBuilder } from './consent/consent-builder.js';
export type { ConsentBuilderOptions } from './consent/consent-builder.js';
export { canonicalPurpose } from './consent/consent-state.js';
export type {
  ConsentPurpose,
  ConsentPurposeInput,
  ConsentState,
  ConsentStateInput,
} from './consent/consent-state.js';
export { consentFromGpc, hasGpcSignal } from './consent/gpc.js';
export type { GpcOptions, GpcSource } from './consent/gpc.js';

// Delivery (src/client.ts, src/transport)
export { EventsClient } from './client.js';
export type { CloseOptions, FlushOptions, SendOptions } from './client.js';
export { ClientClosedError, DeliveryError, QueueFullError } from './errors.js';
export { POD_BASE_URLS } from './transport/options.js';
export type {
  EventsClientOptions,
  FetchLike,
  Logger,
  Pod,
  QueueOptions,
  QueueOverflowPolicy,
  RateLimitOptions,
  RetryOptions,
} from './transport/options.js';
export type {
  BatchOutcome,
  DeliveryAccepted,
  DeliveryFailure,
  DeliveryReport,
  RateLimitSummary,
} from './transport/report.js';
export type {
  ClientErrorEvent,
  Endpoint,
  EventsClientEvents,
  EventsClientListener,
  RateLimitedEvent,
  RequestEvent,
  ResponseEvent,
  RetryEvent,
} from './transport/events.js';

// Rate limit shared over Redis, adaptive pacing (src/ratelimit)
export { AdaptivePacer, readRateLimitHeaders } from './ratelimit/pacing.js';
export type {
  AdaptivePacerEvents,
  AdaptivePacerOptions,
  AdaptivePacingOptions,
  PaceEvent,
  PaceReason,
  PacingObservation,
  RateLimitSignals,
} from './ratelimit/pacing.js';
export { sharedRateLimitId } from './ratelimit/redis.js';
export type { RedisClientLike } from './ratelimit/redis.js';
export { SharedRateLimiter } from './ratelimit/shared.js';
export type {
  RateLimitFallbackEvent,
  RateLimitRestoredEvent,
  RedisRateLimitOptions,
  SharedRateLimiterEvents,
  SharedRateLimiterMode,
  SharedRateLimiterOptions,
} from './ratelimit/shared.js';
