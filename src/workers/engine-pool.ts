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
import { EngineError, type EngineInput, type EngineOutput } from '../bo/engine.js';
import { CancelledError, ProblemError } from '../domain/errors.js';
import type { EngineCall } from '../domain/ports.js';
import type { ModelViewInput, ModelViewOutput } from '../bo/model-view.js';
import type { EngineWorkerData, WorkerResult, WorkerTask, WorkerWork } from './engine-worker.js';
import { FairQueue } from './fair-queue.js';
import { DEFAULT_MODEL_CACHE_BYTES } from './model-cache.js';

export type EnginePool = {
  run(input: EngineInput, call: EngineCall): Promise<EngineOutput>;
  /** A view of a study's model (bo/model-view.ts), queued and served like a suggestion. */
  view(input: ModelViewInput, call: EngineCall): Promise<ModelViewOutput>;
  /** Drops the model kept for `cacheKey` (its study was deleted), with the thread's next task. */
  forget(cacheKey: string): void;
  close(): Promise<void>;
};

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
  /** Stateless calls waiting for a thread before more are refused with ENGINE_BUSY. Default DEFAULT_STATELESS_QUEUE. */
  statelessQueue?: number;
  /** One more thread that serves light studies only (see LIGHT_CALL_MS). Default true. */
  expressThread?: boolean;
}

/**
 * A study whose last engine call took less than this is light, and may use the express
 * thread. NOTE: with every thread busy with heavy studies (n = 1,000), a light study's
 * call otherwise waits for one of them to finish: bench/fairness.ts measured its p99 at
 * 11× its p99 alone without the express thread; the numbers with it are in decision 0002.
 */
export const LIGHT_CALL_MS = 200;
/** Before its first call has been timed, a study with at most this many observations (and ≤ 20 parameters) counts as light. */
const LIGHT_OBSERVATIONS = 300;

/** Default bound of the stateless lane's queue. */
export const DEFAULT_STATELESS_QUEUE = 8;

/**
 * NOTE: the engine threads run below the main thread's priority, so that HTTP and SQLite
 * work preempts a long fit instead of queueing behind it; this lowered observe and /healthz
 * p99 under a heavy fit (decision 0018).
 * On Linux a thread's nice value is its own (setpriority(2), BUGS), so the worker renices
 * only itself; elsewhere it would renice the whole process, so it does not.
 */
export const DEFAULT_ENGINE_NICENESS = 10;

/**
 * Threads by default: one per core. NOTE: the main thread's work (HTTP, SQLite) is light
 * and mostly waiting, so it does not need a core of its own; on 2 cores, 2 threads served
 * more requests at a lower suggest p99 than 1, the other endpoints within target (decision 0018).
 */
export function defaultEngineThreads(): number {
  return Math.max(1, availableParallelism());
}

type Job = {
  tenant: string;
  lane: EngineCall['lane'];
  work: WorkerWork;
  call: EngineCall;
  /** One Int32 over shared memory: set to 1 to tell the running engine to stop. */
  cancel: Int32Array;
  resolve: (output: EngineOutput | ModelViewOutput) => void;
  reject: (error: unknown) => void;
};

/** The stateless lane is full: retry after about one engine call. */
function engineBusy(deadlineMs: number): ProblemError {
  const retryAfterSeconds = Math.max(1, Math.ceil(deadlineMs / 1000));
  return new ProblemError('ENGINE_BUSY', `the engine's queue for stateless suggestions is full; retry in about ${retryAfterSeconds} s`, undefined, { retryAfterSeconds });
}

type Thread = {
  /** A single-thread piscina pool: piscina picks threads itself, and the model cache needs to choose. */
  pool: Piscina;
  busy: boolean;
  /** The express thread: light studies only. */
  express: boolean;
  /** Keys whose models this thread should drop, sent with its next task. */
  forget: string[];
};

/**
 * The express thread runs 5 nice levels above the others (still below the main thread):
 * with every core busy with heavy fits, the scheduler gives a light call about three
 * times a heavy thread's share (CFS weights 335 against 110), so it finishes in about
 * its usual time (decision 0002).
 */
export function expressNiceness(niceness: number): number {
  return Math.max(0, niceness - 5);
}

/** `threads` engine threads, and the express one unless turned off (it comes last). */
function startThreads(threads: number, options: EnginePoolOptions): Thread[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const total = threads + ((options.expressThread ?? true) ? 1 : 0);
  return Array.from({ length: total }, (_, i) => ({
    pool: new Piscina({
      filename: new URL(fromSource ? './engine-worker.ts' : './engine-worker.js', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      workerData: {
        modelCacheBytes: Math.floor((options.modelCacheBytes ?? DEFAULT_MODEL_CACHE_BYTES) / total),
        niceness: i === threads ? expressNiceness(options.niceness ?? DEFAULT_ENGINE_NICENESS) : (options.niceness ?? DEFAULT_ENGINE_NICENESS),
      } satisfies EngineWorkerData,
      // Under tsx (tests, `node --import tsx`), a worker needs the loader to import TypeScript.
      ...(fromSource ? { execArgv: ['--import', 'tsx'] } : {}),
    }),
    busy: false,
    express: i === threads,
    forget: [],
  }));
}

/**
 * Runs engine calls on `threads` worker threads, one call per thread at a time. Waiting
 * calls are served round-robin across tenants (fair-queue.ts); a study's call goes to
 * the thread that holds its model when that thread is free, else to any free thread.
 * A call whose signal aborts is dropped if it waits, and told to stop if it runs.
 */
export function createEnginePool(options: EnginePoolOptions = {}): EnginePool {
  const threads = options.threads ?? defaultEngineThreads();
  const workers = startThreads(threads, options);
  const home = new LRUCache<string, number>({ max: 10_000 });
  /** Duration of each study's last engine call, ms. */
  const lastCallMs = new LRUCache<string, number>({ max: 10_000 });
  const isLight = (job: Job): boolean => {
    if (job.lane !== 'study') return false;
    const last = lastCallMs.get(job.tenant);
    return last !== undefined ? last < LIGHT_CALL_MS : job.work.input.observations.length <= LIGHT_OBSERVATIONS && job.work.input.space.length <= 20;
  };
  // NOTE: stateless calls may hold every thread but one, so a study always finds a
  // thread within one engine call, whatever the stateless endpoint is asked to do.
  const queue = new FairQueue<Job>({
    statelessConcurrency: Math.max(1, threads - 1),
    statelessQueue: options.statelessQueue ?? DEFAULT_STATELESS_QUEUE,
  });

  const start = (job: Job, index: number): void => {
    const worker = workers[index]!;
    worker.busy = true;
    const { cacheKey, deadlineMs } = job.call;
    if (cacheKey !== undefined) home.set(cacheKey, index);
    const started = performance.now();
    const forget = worker.forget.splice(0);
    const task: WorkerTask = {
      work: job.work, deadlineMs, cancel: job.cancel, ...(cacheKey !== undefined ? { cacheKey } : {}), ...(forget.length > 0 ? { forget } : {}),
    };
    // The thread is marked free before the caller hears back, so that a call made right
    // after the answer finds it free (and the study's warm model on it).
    const settle = (answer: () => void): void => {
      worker.busy = false;
      if (job.lane === 'study') lastCallMs.set(job.tenant, performance.now() - started);
      queue.finished(job);
      answer();
      dispatch();
    };
    (worker.pool.run(task) as Promise<WorkerResult>).then(
      (result) => settle(() => (result.ok ? job.resolve(result.output) : job.reject(new EngineError(result.reason, result.message)))),
      (error: unknown) => settle(() => job.reject(error)),
    );
  };

  const idle = (index: number | undefined, job: Job): boolean =>
    index !== undefined && !workers[index]!.busy && (!workers[index]!.express || isLight(job));
  const dispatch = (): void => {
    for (;;) {
      const general = workers.findIndex((w) => !w.busy && !w.express);
      const fast = workers.findIndex((w) => !w.busy && w.express);
      // A free general thread takes any job in turn; the express thread only a light one.
      const job = general >= 0 ? queue.next() : fast >= 0 ? queue.next(isLight) : null;
      if (!job) return;
      const last = job.call.cacheKey === undefined ? undefined : home.get(job.call.cacheKey);
      start(job, idle(last, job) ? last! : general >= 0 ? general : fast);
    }
  };

  const enqueue = (work: WorkerWork, call: EngineCall): Promise<EngineOutput | ModelViewOutput> =>
    new Promise((resolve, reject) => {
      if (call.signal?.aborted) return reject(new CancelledError());
      const job: Job = {
        tenant: call.tenant, lane: call.lane, work, call, cancel: new Int32Array(new SharedArrayBuffer(4)), resolve, reject,
      };
      if (!queue.push(job)) return reject(engineBusy(call.deadlineMs));
      call.signal?.addEventListener(
        'abort',
        () => {
          if (queue.remove(job)) reject(new CancelledError());
          else Atomics.store(job.cancel, 0, 1);
        },
        { once: true },
      );
      dispatch();
    });

  return {
    run: (input, call) => enqueue({ kind: 'suggest', input }, call) as Promise<EngineOutput>,
    view: (input, call) => enqueue({ kind: 'view', input }, call) as Promise<ModelViewOutput>,
    forget(cacheKey) {
      const index = home.get(cacheKey);
      if (index === undefined) return;
      home.delete(cacheKey);
      workers[index]!.forget.push(cacheKey);
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.pool.destroy()));
    },
  };
}
