import { describe, expect, it } from 'vitest';
import { RateWindow } from '../../src/testing/rate-window.js';

describe('RateWindow', () => {
  it('counts batches in the last second only', () => {
    const window = new RateWindow();
    expect(window.admit(3, 5, 1000)).toBe(true);
    expect(window.admit(2, 5, 1500)).toBe(true);
    expect(window.admit(1, 5, 1999)).toBe(false);
    expect(window.used(1999)).toBe(5);
    // The first entry leaves the window exactly one second after it came in.
    expect(window.used(2000)).toBe(2);
    expect(window.admit(3, 5, 2000)).toBe(true);
    expect(window.used(2500)).toBe(3);
  });

  it('admits any request into an empty window, even one over the limit', () => {
    const window = new RateWindow();
    expect(window.admit(10, 5, 0)).toBe(true);
    expect(window.admit(1, 5, 999)).toBe(false);
    expect(window.admit(1, 5, 1000)).toBe(true);
  });

  it('stays correct over many entries as it compacts', () => {
    const window = new RateWindow();
    for (let t = 0; t < 10_000; t++) expect(window.admit(1, 1_000_000, t)).toBe(true);
    // Entries at 9000..9999 are inside the window that ends at 9999.
    expect(window.used(9999)).toBe(1000);
    expect(window.used(10_500)).toBe(499);
    window.clear();
    expect(window.used(10_500)).toBe(0);
  });
});
