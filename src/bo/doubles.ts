/**
 * Counting and stepping through the IEEE-754 doubles of a closed interval.
 *
 * A float parameter is continuous only while its range holds many representable
 * values: [1, 1 + 2⁻⁵²] holds two, [0, 5e-324] holds two. A sampler that assumes a
 * collision is a measure-zero event loops forever on such a range (issue 10), so the
 * design counts them and treats a short range as the finite set it is.
 *
 * Order-preserving integer image of a double (IEEE 754-2019 §5.10, totalOrder on
 * non-negative values is the order of the bit patterns): ord(x) = bits(|x|) for
 * x ≥ 0, −bits(|x|) for x < 0, so −0 and +0 share ord 0, and the doubles in
 * [low, high] are exactly those with ord in [ord(low), ord(high)].
 */

import { InvariantError } from './errors.js';

const buffer = new DataView(new ArrayBuffer(8));

function ord(x: number): bigint {
  buffer.setFloat64(0, Math.abs(x));
  const bits = buffer.getBigUint64(0);
  return x < 0 ? -bits : bits;
}

function fromOrd(k: bigint): number {
  buffer.setBigUint64(0, k < 0n ? -k : k);
  const v = buffer.getFloat64(0);
  return k < 0n ? -v : v + 0;
}

/**
 * The number of distinct doubles x with low ≤ x ≤ high (−0 and +0 counted once),
 * for finite low ≤ high; exact while it is below 2⁵³, a close upper estimate beyond.
 */
export function doublesBetween(low: number, high: number): number {
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) throw new InvariantError(`doublesBetween needs finite low <= high, got [${low}, ${high}]`);
  return Number(ord(high) - ord(low) + 1n);
}

/**
 * Every double in [low, high] in ascending order; for ranges of at most `max`
 * values (the caller checks with doublesBetween first).
 */
export function allDoublesBetween(low: number, high: number, max: number): number[] {
  const count = doublesBetween(low, high);
  if (count > max) throw new InvariantError(`[${low}, ${high}] holds ${count} doubles, more than ${max}`);
  const first = ord(low);
  return Array.from({ length: count }, (_, k) => fromOrd(first + BigInt(k)));
}
