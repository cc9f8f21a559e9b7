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

// Delivery (src/client.ts, src/transport)
