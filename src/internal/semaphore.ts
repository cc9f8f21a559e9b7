/**
 * A counting semaphore that hands permits out in arrival order: the request slots of the client's own
 * limiter and of the shared (Redis) limiter. Internal.
 *
 * @internal
 * @module
 */

export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** Rejects when `signal` aborts; `dispose` stops listening. */
function onAbort(signal: AbortSignal | undefined, abort: (reason: unknown) => void): () => void {
  if (!signal) return () => {};
  const listener = () => abort(signal.reason);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/**
 * Put a waiter in `waiters` and return a promise that settles with it: `make` turns the settle functions
 * into the waiter to queue. When `signal` aborts, `gone` is told, the waiter leaves the line and the
 * promise rejects with the signal's reason.
 */
export function waitInLine<W extends Waiter>(
  waiters: W[],
  signal: AbortSignal | undefined,
  make: (settle: Waiter) => W,
  gone?: (waiter: W) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const waiter = make({
      resolve: () => {
        dispose();
        resolve();
      },
      reject: (error) => {
        dispose();
        reject(error);
      },
    });
    const dispose = onAbort(signal, (reason) => {
      gone?.(waiter);
      const at = waiters.indexOf(waiter);
      if (at >= 0) waiters.splice(at, 1);
      waiter.reject(reason);
    });
    waiters.push(waiter);
  });
}

/** A counting semaphore that hands permits out in arrival order. */
export class Semaphore {
  #free: number;
  #size: number;
  readonly #waiters: Waiter[] = [];

  constructor(size: number) {
    this.#size = size;
    this.#free = size;
  }

  /** Permits currently held. */
  get inUse(): number {
    return this.#size - this.#free;
  }

  /** Change the number of permits; waiters are served if the new size allows. */
  resize(size: number): void {
    this.#free += size - this.#size;
    this.#size = size;
    this.#serve();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--;
      return Promise.resolve();
    }
    return waitInLine(this.#waiters, signal, (settle) => settle);
  }

  release(): void {
    this.#free++;
    this.#serve();
  }

  /** Reject every waiter (the limiter stopped). */
  rejectAll(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #serve(): void {
    while (this.#free > 0 && this.#waiters.length > 0) {
      this.#free--;
      this.#waiters.shift()?.resolve();
    }
  }
}
