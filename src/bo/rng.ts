/**
 * Seeded pseudo-random numbers for the numerics: every random choice in `bo`
 * draws from an `Rng` passed in as an argument, so the same seed gives the same
 * suggestions (STYLE.md, habit 1).
 *
 * Notation
 *   s = (s0, s1, s2, s3)   xoshiro128** state, four uint32 words, never all zero
 *   key                    four uint32 words an `Rng` is derived from; the state
 *                          starts equal to the key, and `fork` hashes key and stream
 *   mix32(x)               murmur3's 32-bit finalizer, a bijection on uint32
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom
 * number generators", ACM TOMS 47(4), 2021), period 2^128 - 1. Seeds and streams
 * are spread over the 128-bit key with a splitmix-style hash chain.
 *
 * NOTE: `fork(stream)` depends only on the parent's key and `stream`, not on how
 * many numbers the parent has drawn, and does not advance the parent. Components
 * can therefore be handed `rng.fork(k)` in any order and still see the same
 * numbers; two forks with the same stream number are the same stream.
 */

import { InvariantError } from './errors.js';

export interface Rng {
  /** Uniform double in [0, 1) with 53 random bits (a multiple of 2^-53). */
  uniform(): number;
  /** Standard normal N(0, 1) (Box–Muller; the second variate of a pair is cached). */
  normal(): number;
  /** Uniform integer in [lo, hi], both inclusive; lo ≤ hi safe integers, hi - lo < 2^53. */
  int(lo: number, hi: number): number;
  /** Child stream determined by (this rng's key, stream); see the NOTE above. */
  fork(stream: number): Rng;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const GOLDEN = 0x9e3779b9;

/** murmur3 fmix32: an avalanche bijection on uint32. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash of a word list, one 32-bit lane per `lane` value (splitmix-style chain). */
function hashWords(words: readonly number[], lane: number): number {
  let h = mix32(Math.imul(lane + 1, GOLDEN));
  for (const w of words) h = mix32((h + GOLDEN) ^ w);
  return h;
}

/** Split a safe integer into [low 32 bits, high 21 bits + sign], both uint32. */
function integerWords(n: number, what: string): [number, number] {
  if (!Number.isSafeInteger(n)) throw new InvariantError(`${what} must be a safe integer, got ${n}`);
  const negative = n < 0 ? 1 : 0;
  const a = Math.abs(n);
  return [a % TWO_POW_32 >>> 0, (Math.floor(a / TWO_POW_32) | (negative << 31)) >>> 0];
}

function deriveKey(words: readonly number[]): Uint32Array {
  const key = new Uint32Array(4);
  for (let lane = 0; lane < 4; lane++) key[lane] = hashWords(words, lane);
  if ((key[0]! | key[1]! | key[2]! | key[3]!) === 0) key[0] = 1; // the all-zero state is a fixed point
  return key;
}

/**
 * One xoshiro128** step: returns the next uint32 output and advances `s` (four
 * uint32 words, not all zero) in place. Exported for golden tests.
 */
export function xoshiro128ss(s: Uint32Array): number {
  const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
  const m = Math.imul(s1, 5);
  const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
  const t = s1 << 9;
  const n2 = s2 ^ s0;
  const n3 = s3 ^ s1;
  s[1] = s1 ^ n2;
  s[0] = s0 ^ n3;
  s[2] = n2 ^ t;
  s[3] = (n3 << 11) | (n3 >>> 21);
  return result;
}

class Xoshiro128Rng implements Rng {
  private readonly state: Uint32Array;
  private spareNormal: number | null = null;

  constructor(private readonly key: Uint32Array) {
    this.state = key.slice();
  }

  private nextUint32(): number {
    return xoshiro128ss(this.state);
  }

  /** 53-bit integer in [0, 2^53): high 26 bits of one output, high 27 of the next. */
  private nextUint53(): number {
    const a = this.nextUint32() >>> 6;
    const b = this.nextUint32() >>> 5;
    return a * 134217728 + b;
  }

  uniform(): number {
    return this.nextUint53() / TWO_POW_53;
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
      throw new InvariantError(`int(lo, hi) needs safe integers lo <= hi, got ${lo}, ${hi}`);
    }
    const n = hi - lo + 1;
    if (!(n <= TWO_POW_53)) throw new InvariantError(`int(lo, hi): range ${lo}..${hi} is wider than 2^53`);
    // Rejection keeps every value equally likely: accept only below the largest multiple of n.
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let r = this.nextUint32();
      while (r >= limit) r = this.nextUint32();
      return lo + (r % n);
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    let r = this.nextUint53();
    while (r >= limit) r = this.nextUint53();
    return lo + (r % n);
  }

  fork(stream: number): Rng {
    const [lo, hi] = integerWords(stream, 'fork stream');
    return new Xoshiro128Rng(deriveKey([this.key[0]!, this.key[1]!, this.key[2]!, this.key[3]!, lo, hi, 0x666f726b]));
  }
}

/**
 * A seeded generator. `seed` is any safe integer (negative allowed); equal seeds
 * give identical sequences on every platform, nearby seeds unrelated ones.
 */
export function createRng(seed: number): Rng {
  const [lo, hi] = integerWords(seed, 'seed');
  return new Xoshiro128Rng(deriveKey([lo, hi]));
}
