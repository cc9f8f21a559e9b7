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
export function onAbort(signal: AbortSignal | undefined, abort: (reason: unknown) => void): () => void {
  if (!signal) return () => {};
  const listener = () => abort(signal.reason);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
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
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          dispose();
          resolve();
        },
        reject: (error) => {
          dispose();
          reject(error);
        },
      };
      const dispose = onAbort(signal, (reason) => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        waiter.reject(reason);
      });
      this.#waiters.push(waiter);
    });
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
