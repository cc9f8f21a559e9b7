/**
 * Timers that never keep a process alive by themselves, and a keep-alive handle for the time a caller
 * is awaiting delivery. Internal to the client.
 *
 * Every timer the client starts is unref'd where the runtime supports it (Node, Bun), so an idle client
 * never holds a process open (issue 3; peer-sdks.md §5 point 4). While a `send()`, `flush()` or `close()`
 * is awaited, the client holds one ref'd handle instead, so a script that awaits a flush is not cut short
 * by Node exiting with an unsettled promise while a retry sleeps.
 */

/** Unref a timer handle when the runtime gives it an `unref` method (Node, Bun); a no-op elsewhere. */
export function unrefTimer(handle: unknown): void {
  const maybe = handle as { unref?: unknown } | null | undefined;
  if (maybe && typeof maybe.unref === 'function') (maybe.unref as () => void).call(maybe);
}

/** Whether this runtime's timers can be unref'd (and so need a keep-alive while work is awaited). */
export function timersCanUnref(): boolean {
  const handle = setTimeout(() => {}, 0);
  clearTimeout(handle);
  return typeof (handle as { unref?: unknown } | undefined)?.unref === 'function';
}

/**
 * Wait `ms` milliseconds on an unref'd timer. Rejects with the signal's reason as soon as `signal`
 * aborts (also when it already has).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    unrefTimer(handle);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A promise that rejects with the signal's reason when it aborts, and never settles otherwise. */
export function whenAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let dispose = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  // Callers race this promise; when they lose interest it must not surface as an unhandled rejection.
  promise.catch(() => {});
  return { promise, dispose };
}

/**
 * Holds one ref'd timer while at least one hold is open, so the process stays alive exactly as long as
 * someone awaits delivery. In runtimes without `unref` it does nothing: there, timers never keep a
 * process alive on their own account anyway.
 */
export class KeepAlive {
  #holds = 0;
  #handle: ReturnType<typeof setInterval> | undefined;
  readonly #enabled: boolean;

  constructor(enabled = timersCanUnref()) {
    this.#enabled = enabled;
  }

  /** Open a hold; call the returned function once to release it. */
  hold(): () => void {
    if (!this.#enabled) return () => {};
    this.#holds++;
    // A long interval that does nothing: its only job is to be a ref'd handle.
    this.#handle ??= setInterval(() => {}, 1 << 30);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      if (this.#holds === 0 && this.#handle !== undefined) {
        clearInterval(this.#handle);
        this.#handle = undefined;
      }
    };
  }

  /** Whether a hold is open. */
  get active(): boolean {
    return this.#holds > 0;
  }
}
