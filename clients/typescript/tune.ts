/**
 * `tune(options, objective)`: the whole suggest → run → observe loop of one worker.
 *
 * - The objective returns the final value, or is a generator (sync or async) that yields
 *   `[step, value]` as it trains, `step` counting epochs (or any unit) from 1 up:
 *
 *   ```ts
 *   async function* objective(params) {
 *     const model = build(params);
 *     for (let epoch = 1; epoch <= 20; epoch++) {
 *       await trainOneEpoch(model);
 *       yield [epoch, await validationLoss(model)];
 *     }
 *   }
 *   ```
 *
 *   Each pair is reported. When the study's early stopping says stop, the generator is
 *   closed where it yielded (its `finally` blocks run) and the trial is left `stopped`
 *   with that value: nothing is observed. When the generator ends, the value it returns
 *   (if a number) or else its last yielded value is observed.
 * - While the objective runs, the trial's lease is renewed every `heartbeatSeconds`
 *   (default a third of the study's `leaseSeconds`), so a long run is not taken for dead.
 * - An objective that throws, returns or yields a value that is not a finite number, or
 *   yields steps that are not integers going up from 1, is reported with `failed: true`
 *   and the reason; the loop goes on with the next trial.
 * - Calls that fail with a 5xx or a network error are retried by the client, suggest with
 *   the same `Idempotency-Key`.
 * - It stops after `trials` trials, or earlier when a finite space has no unused point
 *   left or the study has its `maxTrials` or was completed; while the study has its
 *   `maxConcurrentTrials` running, it waits as the service's `Retry-After` says.
 * - While the study is paused, it asks again every `pausePollSeconds` and goes on once the
 *   study is resumed; after `maxPauseSeconds` paused (default: no limit) it gives up and
 *   resolves with `ended: 'paused'`.
 */
import { randomUUID } from 'node:crypto';
import { PosteriorError, type Posterior } from './client.js';
import type { Study, StudyCreate, Trial } from './types.js';

/** What a per-epoch objective yields: the step (training units done, from 1 up) and the value. */
export type Report = readonly [step: number, value: number];

export type Objective = (
  params: Trial['params'],
  trial: Trial,
) => number | Promise<number> | Generator<Report, number | void, undefined> | AsyncGenerator<Report, number | void, undefined>;

export type TuneOptions = {
  client: Posterior;
  /** A study id, or a definition: created, or found by name when it exists with the same definition. */
  study: string | StudyCreate;
  /** How many trials this call runs. */
  trials: number;
  /** Seconds between heartbeats; default `leaseSeconds / 3`. */
  heartbeatSeconds?: number;
  /** Prefix of this worker's idempotency keys, for reading the server's logs; default random. */
  workerId?: string;
  /** Called after each trial is completed, failed or stopped (a stopped one with its `reports`). */
  onTrial?: (trial: Trial) => void;
  /** Seconds between suggests while the study is paused (409 STUDY_PAUSED); default 5. */
  pausePollSeconds?: number;
  /** Seconds to wait for a paused study to be resumed before giving up; default no limit. */
  maxPauseSeconds?: number;
};

/**
 * Why the loop ended: it ran the `trials` asked for; the study was completed or has its
 * `maxTrials`; a finite space has no unused point left; or the study stayed paused longer
 * than `maxPauseSeconds`.
 */
export type TuneEnding = 'trials' | 'complete' | 'exhausted' | 'paused';

export type TuneResult = {
  study: Study;
  /** The trials this call ran, completed, failed or stopped, in order. */
  trials: Trial[];
  /** How the trials this call ran ended. */
  counts: { completed: number; failed: number; stopped: number };
  /** The best completed trial of the whole study (other workers' included), if any. */
  best: Trial | undefined;
  ended: TuneEnding;
};

type Outcome = { value: number } | { reason: string } | { stopped: true };

/** Longest wait for a study at its maxConcurrentTrials before asking again, in ms. */
const MAX_CONCURRENCY_WAIT_MS = 60_000;

/** The answers to suggest that end the loop, and what `TuneResult.ended` then says. */
const ENDINGS: Record<string, TuneEnding> = { STUDY_COMPLETE: 'complete', SEARCH_SPACE_EXHAUSTED: 'exhausted' };

export async function tune(options: TuneOptions, objective: Objective): Promise<TuneResult> {
  const { client } = options;
  const study = typeof options.study === 'string' ? await client.getStudy(options.study) : await client.createStudy(options.study);
  const heartbeatMs = 1000 * (options.heartbeatSeconds ?? study.options.leaseSeconds / 3);
  const worker = options.workerId ?? randomUUID().slice(0, 8);
  const ran: Trial[] = [];
  const counts = { completed: 0, failed: 0, stopped: 0 };
  const pause = pauseWait(options.pausePollSeconds ?? 5, options.maxPauseSeconds ?? Number.POSITIVE_INFINITY);
  let ended: TuneEnding = 'trials';

  for (let n = 0; n < options.trials; n++) {
    const leased = await lease(client, study.id, `${worker}-${randomUUID()}`, pause);
    if ('ended' in leased) {
      ended = leased.ended;
      break;
    }
    const { trial } = leased;
    const outcome = await withHeartbeats(client, study.id, trial.id, heartbeatMs, () => run(client, study.id, trial, objective));
    const done =
      'value' in outcome
        ? await client.observe(study.id, trial.id, outcome.value)
        : 'reason' in outcome
          ? await client.fail(study.id, trial.id, outcome.reason)
          : await client.getTrial(study.id, trial.id);
    if (done.state === 'completed' || done.state === 'failed' || done.state === 'stopped') counts[done.state]++;
    ran.push(done);
    options.onTrial?.(done);
  }

  const best = await client.best(study.id).catch((err: unknown) => {
    if (err instanceof PosteriorError && err.code === 'NO_COMPLETED_TRIALS') return undefined;
    throw err;
  });
  return { study, trials: ran, counts, best, ended };
}

type PauseWait = { wait(): Promise<boolean>; reset(): void };

/**
 * How long to wait for a paused study: `pollSeconds` between asks, `limitSeconds` in all,
 * counted from the first 409 STUDY_PAUSED. `wait` sleeps until the next ask, or resolves
 * false when the limit is reached (give up).
 */
function pauseWait(pollSeconds: number, limitSeconds: number): PauseWait {
  if (!(pollSeconds > 0)) throw new RangeError(`pausePollSeconds must be positive, got ${pollSeconds}`);
  let since: number | undefined;
  return {
    async wait() {
      since ??= Date.now();
      const leftMs = 1000 * limitSeconds - (Date.now() - since);
      if (leftMs <= 0) return false;
      await sleep(Math.min(1000 * pollSeconds, leftMs));
      return true;
    },
    reset() {
      since = undefined; // a later pause gets the whole maxPauseSeconds again
    },
  };
}

/** One new trial, or why the study has no more to give. */
async function lease(client: Posterior, studyId: string, idempotencyKey: string, pause: PauseWait): Promise<{ trial: Trial } | { ended: TuneEnding }> {
  for (;;) {
    try {
      const [trial] = await client.suggest(studyId, { idempotencyKey });
      pause.reset();
      return { trial: trial! };
    } catch (err) {
      if (!(err instanceof PosteriorError)) throw err;
      const ending = ENDINGS[err.code];
      if (ending) return { ended: ending };
      if (err.code === 'STUDY_PAUSED') {
        // A refused suggest stores nothing under its key: the same key asks again.
        if (!(await pause.wait())) return { ended: 'paused' };
        continue;
      }
      if (err.code !== 'CONCURRENCY_LIMIT') throw err;
      await sleep(Math.min(MAX_CONCURRENCY_WAIT_MS, 1000 * (err.retryAfterSeconds ?? 1)));
    }
  }
}

async function withHeartbeats<T>(client: Posterior, studyId: string, trialId: string, heartbeatMs: number, body: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    client.heartbeat(studyId, trialId).catch((err: unknown) => {
      // NOTE: a heartbeat that fails is not fatal: at worst the trial turns stale, and
      // observing a stale trial still completes it. Stop only when it cannot succeed.
      if (err instanceof PosteriorError && err.status < 500) clearInterval(timer);
    });
  }, heartbeatMs);
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}

async function run(client: Posterior, studyId: string, trial: Trial, objective: Objective): Promise<Outcome> {
  let result: Awaited<ReturnType<Objective>>;
  try {
    result = await objective(trial.params, trial);
  } catch (err) {
    return { reason: message(err) };
  }
  if (isGenerator(result)) return runReporting(client, studyId, trial.id, result);
  if (typeof result !== 'number' || !Number.isFinite(result)) return { reason: `the objective returned ${String(result)}, not a finite number` };
  return { value: result };
}

/**
 * Drives a per-epoch objective: reports each `[step, value]` it yields until it ends or the
 * service says stop; the generator is closed either way.
 */
async function runReporting(
  client: Posterior,
  studyId: string,
  trialId: string,
  reports: Generator<Report, number | void, undefined> | AsyncGenerator<Report, number | void, undefined>,
): Promise<Outcome> {
  let lastStep = 0;
  let lastValue: number | undefined;
  try {
    for (;;) {
      let next: IteratorResult<Report, number | void>;
      try {
        next = await reports.next();
      } catch (err) {
        return { reason: message(err) };
      }
      if (next.done) {
        const final = next.value ?? lastValue;
        if (final === undefined) return { reason: 'the objective yielded no [step, value] and returned nothing' };
        if (typeof final !== 'number' || !Number.isFinite(final)) return { reason: `the objective ended with ${String(final)}, not a finite number` };
        return { value: final };
      }
      const problem = badReport(next.value, lastStep);
      if (problem) return { reason: problem };
      [lastStep, lastValue] = next.value;
      if (await report(client, studyId, trialId, lastStep, lastValue)) return { stopped: true };
    }
  } finally {
    await reports.return(undefined);
  }
}

function isGenerator(result: unknown): result is Generator<Report, number | void, undefined> | AsyncGenerator<Report, number | void, undefined> {
  return typeof result === 'object' && result !== null && typeof (result as { next?: unknown }).next === 'function';
}

/** Why a yielded item is not a report that can follow `lastStep`; undefined when it is. */
function badReport(item: unknown, lastStep: number): string | undefined {
  if (!Array.isArray(item) || item.length !== 2) return `the objective yielded ${JSON.stringify(item)}, not a [step, value] pair`;
  const [step, value] = item as unknown[];
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step <= lastStep) {
    return `the objective yielded step ${String(step)} after step ${lastStep}; steps are integers going up from 1`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return `the objective yielded ${String(value)} at step ${step}, not a finite number`;
  return undefined;
}

async function report(client: Posterior, studyId: string, trialId: string, step: number, value: number): Promise<boolean> {
  try {
    return await client.report(studyId, trialId, step, value);
  } catch (err) {
    if (!(err instanceof PosteriorError) || err.code !== 'TRIAL_NOT_PENDING') throw err;
    // NOTE: the service refuses a report on a stale trial (its lease ran out, e.g. while the
    // network was down), but a heartbeat makes it pending again: this worker is evidently
    // alive. A trial that is really finished makes the heartbeat throw.
    await client.heartbeat(studyId, trialId);
    return client.report(studyId, trialId, step, value);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
