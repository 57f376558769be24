/**
 * `tune(options, objective)`: the whole suggest → run → observe loop of one worker.
 *
 * - While the objective runs, the trial's lease is renewed every `heartbeatSeconds`
 *   (default a third of the study's `leaseSeconds`), so a long run is not taken for dead.
 * - An objective that throws (or returns a value that is not a finite number) is reported
 *   with `failed: true` and the error's message; the loop goes on with the next trial.
 * - Calls that fail with a 5xx or a network error are retried by the client, suggest with
 *   the same `Idempotency-Key`.
 * - It stops after `trials` trials, or earlier when a finite space has no unused point left.
 */
import { randomUUID } from 'node:crypto';
import { PosteriorError, type Posterior } from './client.js';
import type { Study, StudyCreate, Trial } from './types.js';

export type Objective = (params: Trial['params'], trial: Trial) => number | Promise<number>;

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
  /** Called after each trial is completed or failed. */
  onTrial?: (trial: Trial) => void;
};

export type TuneResult = {
  study: Study;
  /** The trials this call ran, completed or failed, in order. */
  trials: Trial[];
  /** The best completed trial of the whole study (other workers' included), if any. */
  best: Trial | undefined;
};

export async function tune(options: TuneOptions, objective: Objective): Promise<TuneResult> {
  const { client } = options;
  const study = typeof options.study === 'string' ? await client.getStudy(options.study) : await client.createStudy(options.study);
  const heartbeatMs = 1000 * (options.heartbeatSeconds ?? study.options.leaseSeconds / 3);
  const worker = options.workerId ?? randomUUID().slice(0, 8);
  const ran: Trial[] = [];

  for (let step = 0; step < options.trials; step++) {
    let trial: Trial | undefined;
    try {
      [trial] = await client.suggest(study.id, { idempotencyKey: `${worker}-${randomUUID()}` });
    } catch (err) {
      if (err instanceof PosteriorError && err.code === 'SEARCH_SPACE_EXHAUSTED') break;
      throw err;
    }
    if (!trial) break;
    const outcome = await runWithHeartbeats(client, study.id, trial, heartbeatMs, objective);
    const done =
      'value' in outcome
        ? await client.observe(study.id, trial.id, outcome.value)
        : await client.fail(study.id, trial.id, outcome.reason);
    ran.push(done);
    options.onTrial?.(done);
  }

  const best = await client.best(study.id).catch((err: unknown) => {
    if (err instanceof PosteriorError && err.code === 'NO_COMPLETED_TRIALS') return undefined;
    throw err;
  });
  return { study, trials: ran, best };
}

async function runWithHeartbeats(
  client: Posterior,
  studyId: string,
  trial: Trial,
  heartbeatMs: number,
  objective: Objective,
): Promise<{ value: number } | { reason: string }> {
  const timer = setInterval(() => {
    client.heartbeat(studyId, trial.id).catch((err: unknown) => {
      // NOTE: a heartbeat that fails is not fatal: at worst the trial turns stale, and
      // observing a stale trial still completes it. Stop only when it cannot succeed.
      if (err instanceof PosteriorError && err.status < 500) clearInterval(timer);
    });
  }, heartbeatMs);
  try {
    const value = await objective(trial.params, trial);
    if (typeof value !== 'number' || !Number.isFinite(value)) return { reason: `the objective returned ${String(value)}, not a finite number` };
    return { value };
  } catch (err) {
    return { reason: err instanceof Error ? err.message || err.name : String(err) };
  } finally {
    clearInterval(timer);
  }
}
