/**
 * Queued configurations: a point a person wants tried (a known-good baseline, a paper's
 * setting), stored as a `queued` trial. The next suggest hands queued trials out first,
 * oldest first, leased like any suggestion (suggest/suggest.ts); until then a queued trial
 * holds no lease, takes no observation, and may be deleted. Optuna calls this `enqueue_trial`.
 */
import { paramsKey } from '../bo/encoding.js';
import type { Params } from '../bo/search-space.js';
import { inTransaction, type Deps } from './deps.js';
import { ProblemError } from './errors.js';
import { newId } from './ids.js';
import { paramsInSpace } from './observe.js';
import { requireStudy } from './study-lifecycle.js';
import { encodingOf } from './study.js';
import { requireTrial } from './trial-queries.js';
import { newTrial, type Trial } from './trial.js';

/**
 * Queues `params` as a new trial (`created: true`), or returns the queued trial that already
 * has exactly these parameters (a retry). A point some other trial has is 409
 * DUPLICATE_PARAMS: a suggestion never repeats a trial's point. A queued trial counts among
 * the study's trials, so a study with its `maxTrials` takes no more (409 STUDY_COMPLETE), nor
 * does one a user marked completed. A paused study takes them: they wait for its resumption.
 */
export async function enqueueTrial(deps: Deps, studyId: string, input: { params: Params }): Promise<{ trial: Trial; created: boolean }> {
  const study = await requireStudy(deps, studyId);
  const params = paramsInSpace(study, input.params);
  const key = paramsKey(encodingOf(study), params);
  return inTransaction(deps, async ({ store, clock }) => {
    const current = await requireStudy({ store }, studyId);
    const existing = await store.trialWithParamsKey(studyId, key);
    if (existing?.state === 'queued') return { trial: existing, created: false };
    if (existing) {
      throw new ProblemError('DUPLICATE_PARAMS', `trial ${existing.number} (${existing.id}, ${existing.state}) already has these parameters`, [
        { pointer: '#/params', detail: `the point of trial ${existing.number}; a study never tries a point twice` },
      ]);
    }
    if (current.state === 'completed') {
      throw new ProblemError('STUDY_COMPLETE', `study ${studyId} was marked completed; make it active (PATCH with state active) to queue trials`);
    }
    const now = clock.now();
    const { maxTrials } = current.options;
    const total = (await store.trialCounts(studyId, now)).total;
    if (maxTrials !== undefined && total >= maxTrials) {
      throw new ProblemError('STUDY_COMPLETE', `the study has ${total} of its ${maxTrials} trials; a queued one would be one more`);
    }
    const trial = newTrial({
      id: newId('tr'),
      studyId,
      number: await store.nextTrialNumber(studyId),
      params,
      paramsKey: key,
      source: 'queued',
      createdAt: now,
      state: 'queued',
    });
    await store.insertTrial(trial);
    return { trial, created: true };
  });
}

/** Deletes a queued trial; any other is 409 TRIAL_NOT_QUEUED (its record is the study's history). */
export function deleteQueuedTrial(deps: Deps, studyId: string, trialId: string): Promise<void> {
  return deps.store.transaction(async (store) => {
    await requireStudy({ store }, studyId);
    const trial = await requireTrial({ store }, studyId, trialId);
    if (!(await store.deleteQueuedTrial(studyId, trialId))) {
      throw new ProblemError('TRIAL_NOT_QUEUED', `trial ${trial.number} (${trialId}) is ${trial.state === 'pending' ? 'running or stale' : trial.state}; only a queued trial can be deleted`);
    }
  });
}
