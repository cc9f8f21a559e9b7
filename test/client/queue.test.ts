import { describe, expect, it } from 'vitest';
import { DeliveryQueue } from '../../src/transport/queue.js';

interface Entry {
  json: string;
  bytes: number;
  id: number;
}

const entry = (id: number, bytes = 10): Entry => ({ id, bytes, json: 'x'.repeat(bytes) });

describe('DeliveryQueue', () => {
  it('is FIFO and counts what it holds until released', () => {
    const queue = new DeliveryQueue<Entry>({ maxBatches: 10, maxBytes: 1_000, onFull: 'drop-newest' });
    for (let i = 0; i < 5; i++) expect(queue.offer(entry(i)).admitted).toBe(true);
    expect(queue.length).toBe(5);
    expect(queue.peek()?.id).toBe(0);
    const taken = queue.take(3);
    expect(taken.map((e) => e.id)).toEqual([0, 1, 2]);
    expect(queue.length).toBe(2);
    expect(queue.waitingBytes).toBe(20);
    // Taken batches are in flight: still held, still counted against the bounds.
    expect(queue.heldBatches).toBe(5);
    for (const e of taken) queue.release(e);
    expect(queue.heldBatches).toBe(2);
    expect(queue.heldBytes).toBe(20);
    expect(queue.waiting().map((e) => e.id)).toEqual([3, 4]);
  });

  it('drop-newest refuses the batch that does not fit, by count and by bytes', () => {
    const queue = new DeliveryQueue<Entry>({ maxBatches: 2, maxBytes: 100, onFull: 'drop-newest' });
    queue.offer(entry(1));
    queue.offer(entry(2));
    const third = entry(3);
    expect(queue.offer(third)).toEqual({ admitted: false, dropped: [third], rejected: false });
    const bytesQueue = new DeliveryQueue<Entry>({ maxBatches: 100, maxBytes: 100, onFull: 'drop-newest' });
    bytesQueue.offer(entry(1, 60));
    const big = entry(2, 50);
    expect(bytesQueue.offer(big).dropped).toEqual([big]);
    expect(bytesQueue.offer(entry(3, 40)).admitted).toBe(true);
  });

  it('drop-oldest drops waiting batches from the head to make room, never those in flight', () => {
    const queue = new DeliveryQueue<Entry>({ maxBatches: 3, maxBytes: 1_000, onFull: 'drop-oldest' });
    queue.offer(entry(1));
    queue.offer(entry(2));
    queue.offer(entry(3));
    queue.take(1); // 1 is in flight
    const result = queue.offer(entry(4));
    expect(result.admitted).toBe(true);
    expect(result.dropped.map((e) => e.id)).toEqual([2]);
    expect(queue.waiting().map((e) => e.id)).toEqual([3, 4]);
    expect(queue.heldBatches).toBe(3);
  });

  it('drop-oldest drops the newcomer too when in-flight batches alone fill the bound', () => {
    const queue = new DeliveryQueue<Entry>({ maxBatches: 2, maxBytes: 1_000, onFull: 'drop-oldest' });
    queue.offer(entry(1));
    queue.offer(entry(2));
    queue.take(2);
    const result = queue.offer(entry(3));
    expect(result.admitted).toBe(false);
    expect(result.dropped.map((e) => e.id)).toEqual([3]);
  });

  it('reject changes nothing and says so', () => {
    const queue = new DeliveryQueue<Entry>({ maxBatches: 1, maxBytes: 1_000, onFull: 'reject' });
    queue.offer(entry(1));
    expect(queue.offer(entry(2))).toEqual({ admitted: false, dropped: [], rejected: true });
    expect(queue.length).toBe(1);
  });

  it('stays correct across many takes (compaction)', () => {
    const queue = new DeliveryQueue<Entry>({ maxBatches: 100_000, maxBytes: 10_000_000, onFull: 'reject' });
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) queue.offer(entry(next++));
      for (const e of queue.take(90)) {
        expect(e.id).toBe(expected++);
        queue.release(e);
      }
    }
    expect(queue.length).toBe(500);
    expect(queue.peek()?.id).toBe(expected);
  });
});
