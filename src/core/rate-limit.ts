/**
 * Per-user message budget: a token bucket per key, in this process's memory (a limit on work, not state: after a
 * restart everyone starts with a full bucket). `capacity` messages at once, then one every `refillMs`.
 *
 * @example
 * const limit = new RateLimiter({ capacity: 3, refillMs: 1000 });
 * limit.take('u1'); // true, true, true, then false until a second has passed
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private readonly refillMs: number;
  private readonly now: () => number;
  /** Most keys remembered; the oldest are forgotten first (they would be full again anyway). */
  private readonly maxKeys: number;

  constructor(options: { capacity: number; refillMs: number; now?: () => number; maxKeys?: number }) {
    if (!(options.capacity >= 1) || !(options.refillMs > 0)) throw new Error('RateLimiter: capacity must be ≥ 1 and refillMs > 0');
    this.capacity = options.capacity;
    this.refillMs = options.refillMs;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  /** Takes one token for `key`; false when its budget is spent. */
  take(key: string): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    const tokens = Math.min(this.capacity, b.tokens + (now - b.at) / this.refillMs);
    const allowed = tokens >= 1;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return allowed;
  }
}
