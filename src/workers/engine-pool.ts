/**
 * The GP engine on worker threads (piscina), so that a fit at n = 1000 never blocks the
 * event loop: health checks and other studies' observations keep answering.
 *
 * Each thread keeps the models of the studies it served warm (model-cache.ts), so a
 * study's requests go back to the thread that served it last, unless that thread is
 * busy while another is idle: waiting costs more than one full factorization.
 *
 * NOTE: this folder is neither `bo` (pure) nor `domain` (no threads): it is the small
 * piece of infrastructure that runs `bo` code off the main thread.
 */
import { availableParallelism } from 'node:os';
import { LRUCache } from 'lru-cache';
import { Piscina } from 'piscina';
import { EngineError, type SuggestInput, type SuggestOutput } from '../bo/engine.js';
import type { EngineWorkerData, WorkerResult, WorkerTask } from './engine-worker.js';
import { DEFAULT_MODEL_CACHE_BYTES } from './model-cache.js';

/** `cacheKey`: the study, whose model the thread keeps warm; without it nothing is cached. */
export type EnginePool = { run(input: SuggestInput, cacheKey?: string): Promise<SuggestOutput>; close(): Promise<void> };

export interface EnginePoolOptions {
  /** Worker threads. Default defaultEngineThreads(). */
  threads?: number;
  /**
   * Model-cache budget of all threads together, in bytes, shared equally: a study's
   * model lives on the thread it returns to. Default DEFAULT_MODEL_CACHE_BYTES.
   */
  modelCacheBytes?: number;
  /** Nice value of each engine thread (Linux; ignored elsewhere). Default DEFAULT_ENGINE_NICENESS. */
  niceness?: number;
}

/**
 * NOTE: the engine threads run below the main thread's priority, so that HTTP and SQLite
 * work preempts a long fit instead of queueing behind it on a machine with as many engine
 * threads as cores. On Linux a thread's nice value is its own (setpriority(2), BUGS), so
 * the worker renices only itself; elsewhere it would renice the whole process, so it does
 * not. The engine still gets every cycle the main thread leaves idle.
 * `npm run bench:load -- --seconds 60 --heavy 1000`, 2 cores, 2 engine threads, two runs
 * each, ENGINE_NICENESS 0 → 10: observe p99 32.2, 32.5 → 20.2, 17.0 ms; /healthz p99 24.2,
 * 24.3 → 12.7, 12.3 ms; 33.3, 32.7 → 34.4, 34.7 requests/s; suggest p99 2456, 2156 →
 * 2118, 2293 ms. Without --heavy: observe p99 29.0 → 19.8 ms, 43.8 → 45.1 requests/s.
 */
export const DEFAULT_ENGINE_NICENESS = 10;

/**
 * Threads by default: one per core. NOTE: the main thread's work (HTTP, SQLite) is light
 * and mostly waiting, so it does not need a core of its own. `npm run bench:load -- --heavy
 * 1000` on a 2-core machine, 1 thread → 2 threads: 22.9 → 36.3 and 35.9 requests/s, suggest
 * p99 2806 → 1829 and 1812 ms, observe p99 26.9 → 28.2 and 24.0 ms, /healthz p99 15.6 →
 * 23.4 and 20.8 ms (target 50). Before this version (one shared piscina queue, no model
 * cache), 2 threads had given suggest p99 tails of 8–13 s, which is why the default was
 * cores − 1.
 */
export function defaultEngineThreads(): number {
  return Math.max(1, availableParallelism());
}

export function createEnginePool(options: EnginePoolOptions = {}): EnginePool {
  const threads = options.threads ?? defaultEngineThreads();
  const fromSource = import.meta.url.endsWith('.ts');
  // One single-thread pool per thread: piscina picks threads itself, and the cache needs to choose.
  const workers = Array.from({ length: threads }, () => ({
    pool: new Piscina({
      filename: new URL(fromSource ? './engine-worker.ts' : './engine-worker.js', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      workerData: {
        modelCacheBytes: Math.floor((options.modelCacheBytes ?? DEFAULT_MODEL_CACHE_BYTES) / threads),
        niceness: options.niceness ?? DEFAULT_ENGINE_NICENESS,
      } satisfies EngineWorkerData,
      // Under tsx (tests, `node --import tsx`), a worker needs the loader to import TypeScript.
      ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
    }),
    inFlight: 0,
  }));
  const home = new LRUCache<string, number>({ max: 10_000 });

  const pick = (key: string | undefined): number => {
    const last = key === undefined ? undefined : home.get(key);
    if (last !== undefined && (workers[last]!.inFlight === 0 || workers.every((w) => w.inFlight > 0))) return last;
    let best = 0;
    for (let i = 1; i < workers.length; i++) if (workers[i]!.inFlight < workers[best]!.inFlight) best = i;
    return best;
  };

  return {
    async run(input, cacheKey) {
      const index = pick(cacheKey);
      if (cacheKey !== undefined) home.set(cacheKey, index);
      const worker = workers[index]!;
      worker.inFlight++;
      try {
        const result = (await worker.pool.run({ input, ...(cacheKey !== undefined ? { cacheKey } : {}) } satisfies WorkerTask)) as WorkerResult;
        if (!result.ok) throw new EngineError(result.reason, result.message);
        return result.output;
      } finally {
        worker.inFlight--;
      }
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.pool.destroy()));
    },
  };
}
