/**
 * `screen_view`: a user saw a screen or page (events-api.md §3.4).
 *
 * @module
 */
import { z } from 'zod';
import { opt, strictObject } from '../internal/zod.js';
import { commonEventFields, customFlags, screenName } from './common.js';

export const screenViewDataSchema = strictObject({
  ...commonEventFields,
  /**
   * The screen's name, up to 256 characters. Optional in the prose docs, required by the JSON Schema:
   * the docs win (events-api.md §3.4, §9), but send it, since a nameless screen view says little.
   */
  screen_name: screenName.optional(),
  /** Android's `activity_started` / `activity_stopped`. */
  activity_type: opt(z.string()),
  /** Values for one specific integration. */
  custom_flags: opt(customFlags),
});

/**
 * The `data` of a `screen_view` as it is in a built batch.
 *
 * @example
 * ```ts
 * import type { ScreenViewData } from 'mparticle-events';
 *
 * const name = (data: ScreenViewData) => data.screen_name ?? '(unnamed)';
 * ```
 */
export interface ScreenViewData extends z.output<typeof screenViewDataSchema> {}

/**
 * What `BatchBuilder.screenView()` takes.
 *
 * @example
 * ```ts
 * import type { ScreenViewInput } from 'mparticle-events';
 *
 * const home: ScreenViewInput = { screen_name: 'Home' };
 * ```
 */
export interface ScreenViewInput extends z.input<typeof screenViewDataSchema> {}
