/**
 * A minimal typed listener registry for the rate-limit classes. Internal: the core entry runs in edge
 * runtimes, so it cannot use `node:events`.
 *
 * @internal
 * @module
 */

/** Listener registry keyed by event name; each event carries one payload object. */
export class Listeners<Events extends object> {
  #map = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    let set = this.#map.get(event);
    if (!set) {
      set = new Set();
      this.#map.set(event, set);
    }
    set.add(listener as (payload: never) => void);
  }

  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): void {
    this.#map.get(event)?.delete(listener as (payload: never) => void);
  }

  /** Call every listener of `event`. A throwing listener never breaks the limiter that emits. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#map.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch {
        // A listener's bug is the listener's: delivery goes on.
      }
    }
  }

  clear(): void {
    this.#map.clear();
  }
}
