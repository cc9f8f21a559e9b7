/**
 * The shared limiter's pacing queue: it turns a request's weight into that many one-batch pacing slots
 * (its FIFO semaphore for concurrent requests is src/internal/semaphore.ts). Internal.
 *
 * @internal
 * @module
 */

import { type Waiter, waitInLine } from '../internal/semaphore.js';

interface SlotWaiter extends Waiter {
  need: number;
  requested: number;
  fired: number;
  gone: boolean;
}

/**
 * Starts one pacing slot: calls `fire` exactly once, when the slot's time has come. The shared limiter
 * guarantees that, moving a slot to its local limiter when Redis fails before the slot was granted.
 */
export type SlotStarter = (fire: () => void) => void;

/**
 * Grants each request as many one-batch slots as it has batches, first come first served, and keeps at most
 * `maxOutstanding` slots reserved ahead at any time. The cap bounds what a process holds in the shared
 * schedule: a process that dies wastes at most that many slots, and several processes' reservations
 * interleave fairly, one slot at a time.
 */
export class SlotQueue {
  readonly #start: SlotStarter;
  #maxOutstanding: number;
  #outstanding = 0;
  readonly #waiters: SlotWaiter[] = [];

  constructor(start: SlotStarter, maxOutstanding: number) {
    this.#start = start;
    this.#maxOutstanding = Math.max(1, maxOutstanding);
  }

  /** Slots reserved and not yet fired. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Resolve once `weight` slots (at least one) have fired for this request. */
  take(weight: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const need = Math.max(1, Math.ceil(weight));
    const granted = waitInLine(
      this.#waiters,
      signal,
      (settle): SlotWaiter => ({ need, requested: 0, fired: 0, gone: false, ...settle }),
      // Slots already reserved for it still fire; they are spent, which keeps the pace honest.
      (waiter) => {
        waiter.gone = true;
      },
    );
    this.#pump();
    return granted;
  }

  /** Reject every request still waiting for slots (the limiter stopped). */
  rejectAll(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter.gone = true;
      waiter.reject(error);
    }
  }

  #pump(): void {
    while (this.#outstanding < this.#maxOutstanding) {
      const head = this.#waiters.find((w) => w.requested < w.need);
      if (!head) return;
      head.requested++;
      this.#outstanding++;
      let fired = false;
      this.#start(() => {
        if (fired) return;
        fired = true;
        this.#outstanding--;
        head.fired++;
        if (!head.gone && head.fired === head.need) {
          const at = this.#waiters.indexOf(head);
          if (at >= 0) this.#waiters.splice(at, 1);
          head.gone = true;
          head.resolve();
        }
        this.#pump();
      });
    }
  }
}
