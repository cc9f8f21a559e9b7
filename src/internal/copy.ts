/**
 * Copying objects the way the model needs: fast, and without the `__proto__` hazard of `Object.assign`.
 *
 * Internal: not part of the public API.
 */

/**
 * Copy `source`'s own enumerable properties onto `target` (a fresh object literal) and return it.
 * `Object.assign` is the fast way in V8 when `target` already has some keys, but it assigns, so an own
 * `__proto__` key (as `JSON.parse` makes) would replace the target's prototype and vanish; such a source
 * is copied key by key with `Object.defineProperty`, keeping `__proto__` a plain key that validation
 * then rejects.
 */
export function assignOwn<T extends object>(target: T, source: object): T {
  if (!Object.hasOwn(source, '__proto__')) return Object.assign(target, source);
  for (const [key, value] of Object.entries(source)) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return target;
}
