/**
 * An optional request rate limit: one token bucket per API key name, or per client address
 * when the request carries no key. A bucket holds at most `burst` tokens and refills at
 * `rps` tokens per second; each request takes one, and a request that finds none is
 * answered `429 RATE_LIMITED` with `Retry-After`. Health probes are mounted before it.
 */
import type { RequestHandler } from 'express';
import { LRUCache } from 'lru-cache';
import { ProblemError } from '../domain/errors.js';
import { principalOf } from './auth.js';

export type RateLimit = { rps: number; burst: number };

/**
 * NOTE: at most this many buckets are kept, the least recently used going first, so a flood
 * of addresses cannot grow memory (a bucket is about 100 bytes). An evicted caller starts
 * again with a full bucket, which only matters when this many others came in between.
 */
export const MAX_BUCKETS = 10_000;

type Bucket = { tokens: number; at: number };

export class TokenBuckets {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly limit: RateLimit,
    /** Milliseconds from any fixed origin; monotonic. */
    private readonly now: () => number = () => performance.now(),
    maxBuckets: number = MAX_BUCKETS,
  ) {
    this.buckets = new LRUCache({ max: maxBuckets });
  }

  /**
   * Takes a token from `id`'s bucket. Returns 0 when there was one, otherwise the seconds
   * until there will be: tokens(t) = min(burst, tokens(t₀) + rps·(t − t₀)), so the wait is
   * (1 − tokens)/rps.
   */
  take(id: string): number {
    const t = this.now();
    const bucket = this.buckets.get(id) ?? { tokens: this.limit.burst, at: t };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.limit.rps);
    bucket.at = t;
    this.buckets.set(id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / this.limit.rps;
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** The middleware: callers are told to retry after a whole number of seconds, at least 1. */
export function rateLimiter(buckets: TokenBuckets): RequestHandler {
  return (req, _res, next) => {
    const principal = principalOf(req);
    const id = principal ? `key:${principal.name}` : `address:${req.socket.remoteAddress ?? 'unknown'}`;
    const wait = buckets.take(id);
    if (wait > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(wait));
      const who = principal ? `the key '${principal.name}'` : 'this address';
      throw new ProblemError('RATE_LIMITED', `${who} is over its limit; retry in ${retryAfterSeconds} s`, undefined, { retryAfterSeconds });
    }
    next();
  };
}
