/**
 * The batch area: builder, parsing, serialization and the batch types. Internal barrel; the package's
 * public names are chosen in src/index.ts.
 *
 * @module
 */
export { APPLICATION_OSES, type ApplicationInfo } from './application-info.js';
export {
  type Batch,
  type BatchData,
  type BatchInput,
  type DeepReadonly,
  ENVIRONMENTS,
  type Environment,
} from './batch.js';
export { BatchBuilder, type BatchBuilderOptions } from './builder.js';
export { parseBatch, parseBatchJson } from './parse.js';
export { serializeBatch } from './serialize.js';
export { isValidatedBatch } from './validate.js';
