/**
 * The GP engine on a pool of worker threads (piscina), so that a fit at n = 1000 never
 * blocks the event loop: health checks and other studies' observations keep answering.
 *
 * NOTE: this folder is neither `bo` (pure) nor `domain` (no threads): it is the small
 * piece of infrastructure that runs `bo` code off the main thread.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { EngineError, type SuggestInput, type SuggestOutput } from '../bo/engine.js';
import type { WorkerResult } from './engine-worker.js';

export type EnginePool = { run(input: SuggestInput): Promise<SuggestOutput>; close(): Promise<void> };

/**
 * Threads by default: one less than the cores, at least one. NOTE: the main thread keeps a
 * core of its own for HTTP and SQLite; on this project's 2-core machines that is what
 * holds /healthz under 50 ms while a suggestion at n = 1000 is computed.
 */
export function defaultEngineThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function createEnginePool(threads: number = defaultEngineThreads()): EnginePool {
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new Piscina({
    filename: new URL(fromSource ? './engine-worker.ts' : './engine-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Under tsx (tests, `node --import tsx`), a worker needs the loader to import TypeScript.
    ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
  });
  return {
    async run(input) {
      const result = (await pool.run(input)) as WorkerResult;
      if (!result.ok) throw new EngineError(result.reason, result.message);
      return result.output;
    },
    close: () => pool.destroy(),
  };
}
