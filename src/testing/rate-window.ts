/**
 * A sliding one-second count of accepted batches, for the fake's shared rate limit. mParticle counts
 * batches, not requests, against its per-org limit (events-api.md §2.2). Internal to the fake server.
 */

const WINDOW_MS = 1000;

/** Batches accepted in the last second, over every client of one server. */
export class RateWindow {
  #times: number[] = [];
  #counts: number[] = [];
  #head = 0;
  #total = 0;

  /** Batches accepted in the second before `now`. */
  used(now: number): number {
    this.#evict(now);
    return this.#total;
  }

  /**
   * Take `count` batches into the window if they fit under `limit`, and say whether they did. An empty
   * window admits any request, so a request larger than the limit is not refused forever.
   */
  admit(count: number, limit: number, now: number): boolean {
    const used = this.used(now);
    if (used > 0 && used + count > limit) return false;
    this.#times.push(now);
    this.#counts.push(count);
    this.#total += count;
    return true;
  }

  clear(): void {
    this.#times = [];
    this.#counts = [];
    this.#head = 0;
    this.#total = 0;
  }

  #evict(now: number): void {
    const times = this.#times;
    while (this.#head < times.length && (times[this.#head] as number) <= now - WINDOW_MS) {
      this.#total -= this.#counts[this.#head] as number;
      this.#head++;
    }
    // Compact now and then so the arrays do not grow with the server's lifetime.
    if (this.#head > 1024 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#counts = this.#counts.slice(this.#head);
      this.#head = 0;
    }
  }
}
