/**
 * Each engine thread's bounded cache of conditioned GPs, one per study (the key), so
 * that a study's next suggestion extends the factor instead of recomputing it
 * (bo/engine.ts, ModelCache). Least recently used models go first once the factors
 * exceed the byte budget; an evicted model only costs one full factorization later.
 */
import { LRUCache } from 'lru-cache';
import type { ModelCache } from '../bo/engine.js';
import type { GaussianProcess } from '../bo/gp.js';

/**
 * Default budget of all engine threads together: about 190 studies at the model's largest size
 * (400 rows: a 1.3 MB factor; bo/model-subset.ts, decision 0029), or 30 that condition on every
 * one of 1,000 rows (an experiment's exact model).
 */
export const DEFAULT_MODEL_CACHE_BYTES = 256 * 2 ** 20;

export interface ModelCaches {
  /** The cache slot of one study. */
  slot(key: string): ModelCache;
  /** Drops a study's model (the study was deleted). */
  forget(key: string): void;
  /** Models held and their bytes, for tests and logs. */
  stats(): { models: number; bytes: number };
}

function bytesOf(gp: GaussianProcess): number {
  return gp.L.byteLength + gp.X.byteLength + gp.y.byteLength + gp.alpha.byteLength;
}

export function createModelCaches(maxBytes: number = DEFAULT_MODEL_CACHE_BYTES): ModelCaches {
  const lru = new LRUCache<string, GaussianProcess>({ maxSize: maxBytes, sizeCalculation: (gp) => Math.max(1, bytesOf(gp)) });
  return {
    slot: (key) => ({ get: () => lru.get(key), set: (gp) => void lru.set(key, gp) }),
    forget: (key) => void lru.delete(key),
    stats: () => ({ models: lru.size, bytes: lru.calculatedSize }),
  };
}
