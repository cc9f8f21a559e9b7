/**
 * The bounded queue behind `enqueue()`: a FIFO of batches waiting to be sent, and the bounds that count
 * every enqueued batch the client still holds (waiting or in flight), with the overflow policy. Internal.
 */
import type { QueueOverflowPolicy } from './options.js';
import type { Packable } from './packing.js';

/** What happened to a batch offered to the queue. */
export interface Admission<T> {
  /** Whether the offered item is now queued. */
  readonly admitted: boolean;
  /** Items dropped to make room (`drop-oldest`), or the offered item itself (`drop-newest`). */
  readonly dropped: T[];
  /** With `reject`: the queue was full and nothing changed. */
  readonly rejected: boolean;
}

/** The admission of a batch that fitted: one shared object, as it is the outcome of nearly every offer. */
const ADMITTED: Admission<never> = Object.freeze({
  admitted: true,
  dropped: Object.freeze([]) as unknown as never[],
  rejected: false,
});

/** A FIFO with O(1) take from the head, and byte/count bounds over everything held. */
export class DeliveryQueue<T extends Packable> {
  #items: T[] = [];
  #head = 0;
  #waitingBytes = 0;
  #heldBatches = 0;
  #heldBytes = 0;
  readonly maxBatches: number;
  readonly maxBytes: number;
  readonly policy: QueueOverflowPolicy;

  constructor(limits: { maxBatches: number; maxBytes: number; onFull: QueueOverflowPolicy }) {
    this.maxBatches = limits.maxBatches;
    this.maxBytes = limits.maxBytes;
    this.policy = limits.onFull;
  }

  /** Batches waiting to be sent. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes of the batches waiting to be sent. */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  /** Batches held: waiting or in flight, until {@link release}d. */
  get heldBatches(): number {
    return this.#heldBatches;
  }

  /** Bytes held. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** The waiting batches, oldest first (a fresh array). */
  waiting(limit = Number.POSITIVE_INFINITY): T[] {
    return this.#items.slice(this.#head, this.#head + Math.min(limit, this.length));
  }

  /** The oldest waiting batch. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /**
   * Whether a batch of at least `minBytes` would be turned away whatever its exact size: the queue is full
   * for it and the policy is `drop-newest` or `reject` (with `drop-oldest`, older batches make room).
   */
  refuses(minBytes: number): boolean {
    return this.policy !== 'drop-oldest' && !this.#fits(minBytes);
  }

  /** Offer a batch; applies the overflow policy when it does not fit. */
  offer(item: T): Admission<T> {
    if (this.#fits(item.bytes)) return this.#admit(item);
    if (this.policy === 'reject') return { admitted: false, dropped: [], rejected: true };
    if (this.policy === 'drop-oldest') {
      const dropped: T[] = [];
      // Only waiting batches can make room; those in flight are already being sent.
      while (!this.#fits(item.bytes) && this.length > 0) {
        const oldest = this.take(1)[0] as T;
        this.release(oldest);
        dropped.push(oldest);
      }
      if (this.#fits(item.bytes)) {
        const admission = this.#admit(item);
        return { ...admission, dropped };
      }
      return { admitted: false, dropped: [...dropped, item], rejected: false };
    }
    return { admitted: false, dropped: [item], rejected: false };
  }

  /** Remove and return up to `n` batches from the head; they stay held until released. */
  take(n: number): T[] {
    const count = Math.max(0, Math.min(n, this.length));
    const taken = this.#items.slice(this.#head, this.#head + count);
    this.#head += count;
    for (const item of taken) this.#waitingBytes -= item.bytes;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  /** Forget a held batch (settled: accepted, failed or dropped). Call once per admitted item. */
  release(item: T): void {
    this.#heldBatches--;
    this.#heldBytes -= item.bytes;
  }

  #fits(bytes: number): boolean {
    return this.#heldBatches + 1 <= this.maxBatches && this.#heldBytes + bytes <= this.maxBytes;
  }

  #admit(item: T): Admission<T> {
    this.#items.push(item);
    this.#waitingBytes += item.bytes;
    this.#heldBatches++;
    this.#heldBytes += item.bytes;
    return ADMITTED as Admission<T>;
  }
}
