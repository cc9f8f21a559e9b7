import { describe, expect, it } from 'vitest';
import {
  describeProgress,
  formatCount,
  formatDuration,
  Progress,
  renderBar,
} from '../../src/cli/progress.js';

describe('progress formatting', () => {
  it('describes counts, percentage, rate, time left and failures', () => {
    expect(describeProgress(25_000, 0, 100_000, 10_000)).toBe('25,000/100,000 (25%), 2,500/s, ETA 30s');
    expect(describeProgress(100, 3, 100, 2_000)).toBe('100/100 (100%), 50/s, ETA 0s, 3 failed');
    expect(describeProgress(0, 0, 10, 0)).toBe('0/10 (0%), 0/s, ETA ?');
    expect(describeProgress(0, 0, 0, 5)).toBe('0/0 (100%), 0/s, ETA 0s');
  });

  it('draws a bar of a fixed width', () => {
    expect(renderBar(0, 10, 10)).toBe('[          ]');
    expect(renderBar(5, 10, 10)).toBe('[====>     ]');
    expect(renderBar(10, 10, 10)).toBe('[==========]');
    expect(renderBar(20, 10, 10)).toBe('[==========]');
    for (const done of [0, 1, 3, 7, 9, 10]) expect(renderBar(done, 10, 20)).toHaveLength(22);
  });

  it('formats durations and counts', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(42_400)).toBe('42s');
    expect(formatDuration(187_000)).toBe('3m07s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
    expect(formatDuration(-1)).toBe('?');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
  });
});

describe('Progress', () => {
  const stream = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, isTTY, columns: 100, write: (text: string) => chunks.push(text) };
  };

  it('writes a plain line at most once per interval, the first one interval in', () => {
    let now = 1_000;
    const out = stream(false);
    const progress = new Progress({
      stream: out,
      total: 100,
      verb: 'sent',
      lineIntervalMs: 5_000,
      now: () => now,
    });
    progress.update(10, 0);
    now += 4_999;
    progress.update(20, 0);
    expect(out.chunks).toEqual([]);
    now += 1;
    progress.update(30, 1);
    now += 1_000;
    progress.update(40, 1);
    progress.finish(100, 1);
    expect(out.chunks).toEqual(['sent 30/100 (30%), 6/s, ETA 12s, 1 failed\n']);
  });

  it('redraws a bar in place on a terminal and ends the line when done', () => {
    let now = 0;
    const out = stream(true);
    const progress = new Progress({
      stream: out,
      total: 4,
      verb: 'sent',
      lineIntervalMs: 5_000,
      now: () => now,
    });
    progress.update(1, 0);
    now += 50;
    progress.update(2, 0); // within the redraw interval: skipped
    now += 100;
    progress.update(3, 0);
    progress.finish(4, 0);
    expect(out.chunks).toHaveLength(4);
    expect(out.chunks[0]).toMatch(/^\r\[=+>? *\] 1\/4 \(25%\)/);
    // Each redraw clears what a longer previous line left behind.
    expect(out.chunks[0]?.endsWith('\u001b[K')).toBe(true);
    expect(out.chunks[2]).toMatch(/^\r\[=+\] 4\/4 \(100%\)/);
    expect(out.chunks[3]).toBe('\n');
  });
});
