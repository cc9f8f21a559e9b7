/** The shared limiter's building blocks: a FIFO semaphore and the weight → one-batch-slots queue. */
import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/internal/semaphore.js';
import { SlotQueue } from '../../src/ratelimit/slots.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Semaphore', () => {
  it('hands permits out in arrival order and never more than its size', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    const take = (n: number) => semaphore.acquire().then(() => order.push(n));
    await Promise.all([take(1), take(2)]);
    const waiting = [take(3), take(4)];
    await tick();
    expect(order).toEqual([1, 2]);
    expect(semaphore.inUse).toBe(2);
    semaphore.release();
    await tick();
    expect(order).toEqual([1, 2, 3]);
    semaphore.release();
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('drops a waiter whose signal aborts, and serves the next one', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const controller = new AbortController();
    const aborted = semaphore.acquire(controller.signal);
    const next = semaphore.acquire();
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    semaphore.release();
    await next;
    expect(semaphore.inUse).toBe(1);
  });

  it('grows and shrinks', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const second = semaphore.acquire();
    semaphore.resize(2);
    await second;
    expect(semaphore.inUse).toBe(2);
    semaphore.resize(1);
    semaphore.release();
    let third = false;
    void semaphore.acquire().then(() => {
      third = true;
    });
    await tick();
    expect(third).toBe(false);
    semaphore.release();
    await tick();
    expect(third).toBe(true);
  });

  it('rejects every waiter when told to', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const waiters = [semaphore.acquire(), semaphore.acquire()];
    semaphore.rejectAll(new Error('stopped'));
    for (const w of waiters) await expect(w).rejects.toThrow('stopped');
  });
});

describe('SlotQueue', () => {
  /** A starter that records each slot so the test fires them by hand. */
  function manual() {
    const fires: (() => void)[] = [];
    return { fires, start: (fire: () => void) => fires.push(fire) };
  }

  it('gives a request one slot per batch and resolves it when the last has fired', async () => {
    const { fires, start } = manual();
    const queue = new SlotQueue(start, 10);
    let done = false;
    const request = queue.take(3).then(() => {
      done = true;
    });
    expect(fires).toHaveLength(3);
    fires[0]?.();
    fires[1]?.();
    await tick();
    expect(done).toBe(false);
    fires[2]?.();
    await request;
    expect(done).toBe(true);
    expect(queue.outstanding).toBe(0);
  });

  it('keeps at most maxOutstanding slots reserved and serves requests first come, first served', async () => {
    const { fires, start } = manual();
    const queue = new SlotQueue(start, 4);
    const order: string[] = [];
    const a = queue.take(3).then(() => order.push('a'));
    const b = queue.take(3).then(() => order.push('b'));
    expect(fires).toHaveLength(4); // a's 3 and b's first
    expect(queue.outstanding).toBe(4);
    for (let i = 0; i < 3; i++) fires[i]?.();
    await tick();
    expect(order).toEqual(['a']);
    expect(fires).toHaveLength(6); // b's remaining 2 were reserved as a's slots fired
    for (let i = 3; i < 6; i++) fires[i]?.();
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
  });

  it('counts a weight below one as one slot, and ignores a slot fired twice', async () => {
    const { fires, start } = manual();
    const queue = new SlotQueue(start, 4);
    const request = queue.take(0);
    expect(fires).toHaveLength(1);
    fires[0]?.();
    fires[0]?.();
    await request;
    expect(queue.outstanding).toBe(0);
  });

  it('lets an aborted request go; its reserved slots are spent and the next request proceeds', async () => {
    const { fires, start } = manual();
    const queue = new SlotQueue(start, 2);
    const controller = new AbortController();
    const gone = queue.take(2, controller.signal);
    const next = queue.take(1);
    controller.abort(new Error('abandoned'));
    await expect(gone).rejects.toThrow('abandoned');
    expect(fires).toHaveLength(2);
    fires[0]?.();
    fires[1]?.();
    expect(fires).toHaveLength(3);
    fires[2]?.();
    await next;
  });

  it('rejects every waiting request when told to', async () => {
    const { start } = manual();
    const queue = new SlotQueue(start, 2);
    const waiting = [queue.take(2), queue.take(5)];
    queue.rejectAll(new Error('stopped'));
    for (const w of waiting) await expect(w).rejects.toThrow('stopped');
  });
});
