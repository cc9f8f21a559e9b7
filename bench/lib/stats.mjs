/** Small statistics and formatting helpers for the benchmark report. */

/** Median of a list of numbers (mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `{ min, median, max }` of a list of numbers. */
export function summary(values) {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Rounds to `digits` significant digits, for readable JSON. */
export function round(value, digits = 4) {
  if (!Number.isFinite(value) || value === 0) return value;
  const scale = 10 ** (digits - Math.ceil(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}

/** Rounds every number in a `{ min, median, max }`. */
export function roundSummary(s, digits = 4) {
  return { min: round(s.min, digits), median: round(s.median, digits), max: round(s.max, digits) };
}

/** `0.81 (0.78–0.84)`: a median ratio with its range. */
export function formatRange(s, digits = 2) {
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

/** Megabytes (10^6 bytes), one decimal. */
export function mb(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A plain-text table with aligned columns; `rows` are arrays of strings, the first is the header. */
export function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((cell, c) => String(cell).padEnd(widths[c])).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
