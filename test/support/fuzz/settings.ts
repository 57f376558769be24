/** What the fuzz tests and the fuzz bench share: a fixed seed (FUZZ_SEED overrides it) and the deadlines. */
import type { TargetOptions } from './live-target.js';

function seedFromEnv(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return 20261201;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`FUZZ_SEED must be a non-negative integer, got '${raw}'`);
  return seed;
}

export const FUZZ_SEED = seedFromEnv();

/**
 * A suggestion in the CI profile takes milliseconds, so 5 s is a hang. `/healthz` answers
 * in about 2 ms (p99 13 ms under the load benchmark), so 1 s is a blocked event loop.
 */
export const CI_TARGET: TargetOptions = { requestTimeoutMs: 5_000, healthTimeoutMs: 1_000 };
