import { describe, expect, it } from 'vitest';
import { randomUuid } from '../../src/internal/uuid.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('makes version 4, variant 10 UUIDs in lower case, all different, across many refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const id = randomUuid();
      expect(id).toMatch(V4);
      seen.add(id);
    }
    expect(seen.size).toBe(50_000);
  });

  it('spreads the random hex digits evenly (the 30 fully random ones of each UUID)', () => {
    const counts = new Array(16).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const hex = randomUuid().replaceAll('-', '');
      for (let d = 0; d < 32; d++) {
        if (d === 12 || d === 16) continue; // version digit, variant digit
        counts[Number.parseInt(hex[d] as string, 16)]++;
      }
    }
    const expected = (n * 30) / 16;
    // Chi-square with 15 degrees of freedom: 37.7 is p = 0.001. A biased table or a stuck byte fails.
    const chi = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(37.7);
    // And the variant digit takes each of 8, 9, a, b.
    const variants = new Set(Array.from({ length: 200 }, () => randomUuid()[19]));
    expect([...variants].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});
