/**
 * Worker-thread entry: runs the GP engine (a suggestion) or a view of the model (a slice,
 * a contour, importances) on a structured-cloned input, with this thread's model cache.
 */
import { getPriority, setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { EngineError, suggestNext, type EngineInput, type EngineOutput } from '../bo/engine.js';
import { modelView, type ModelViewInput, type ModelViewOutput } from '../bo/model-view.js';
import { createModelCaches, DEFAULT_MODEL_CACHE_BYTES } from './model-cache.js';
import { stopCheck } from './stop-check.js';

/** What a task computes: a suggestion (engine.ts) or a view of the model (model-view.ts). */
export type WorkerWork = { kind: 'suggest'; input: EngineInput } | { kind: 'view'; input: ModelViewInput };

export type WorkerTask = {
  work: WorkerWork;
  cacheKey?: string;
  /** Compute budget from the moment this thread starts the task, ms. */
  deadlineMs: number;
  /** Shared with the pool: 1 means the caller is gone, stop now. */
  cancel: Int32Array;
  /** Studies deleted since this thread's last task: their models go first. */
  forget?: string[];
};
export type EngineWorkerData = { modelCacheBytes?: number; niceness?: number };
export type WorkerResult = { ok: true; output: EngineOutput | ModelViewOutput } | { ok: false; reason: EngineError['reason']; message: string };

const data = (workerData ?? {}) as EngineWorkerData;
const caches = createModelCaches(data.modelCacheBytes ?? DEFAULT_MODEL_CACHE_BYTES);
// Pid 0 is this thread alone on Linux (engine-pool.ts, DEFAULT_ENGINE_NICENESS).
if (process.platform === 'linux' && data.niceness !== undefined && data.niceness > getPriority(0)) setPriority(0, data.niceness);

/** EngineError is returned as a value: an error's own fields do not survive the thread boundary. */
export default function run(task: WorkerTask): WorkerResult {
  for (const key of task.forget ?? []) caches.forget(key);
  const shouldStop = stopCheck({
    deadlineMs: task.deadlineMs,
    startedAt: performance.now(),
    now: () => performance.now(),
    cancelled: () => Atomics.load(task.cancel, 0) === 1,
  });
  try {
    const modelCache = task.cacheKey !== undefined ? { modelCache: caches.slot(task.cacheKey) } : {};
    const { work } = task;
    const output = work.kind === 'suggest' ? suggestNext(work.input, { shouldStop, ...modelCache }) : modelView(work.input, { shouldStop: () => shouldStop('fit'), ...modelCache });
    return { ok: true, output };
  } catch (err) {
    if (err instanceof EngineError) return { ok: false, reason: err.reason, message: err.message };
    throw err;
  }
}
