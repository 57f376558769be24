/** The observe use case: complete or fail a trial, or record an observation made elsewhere. */
import { paramsKey, validateParams } from '../bo/encoding.js';
import type { Params } from '../bo/search-space.js';
import { inTransaction, type Deps } from './deps.js';
import { ProblemError } from './errors.js';
import { applyMetadata, sameMetadata, type MetadataPatch } from './metadata.js';
import { newId } from './ids.js';
import { requireStudy } from './study-lifecycle.js';
import { requireTrial } from './trial-queries.js';
import { encodingOf, type Study } from './study.js';
import { effectiveState, newTrial, type Trial } from './trial.js';

/** `metadata`, when sent, is merged into the trial's (domain/metadata.ts), also on a repeated observation. */
export type Observation = (
  | { trialId: string; value: number }
  | { trialId: string; failed: true; reason?: string }
  | { params: Params; value: number }
) & { metadata?: MetadataPatch };

/**
 * The trial as it is after the observation, whether a new trial was created, and whether
 * anything changed at all (a repeated observation is a no-op).
 */
export async function observe(deps: Deps, studyId: string, observation: Observation): Promise<{ trial: Trial; created: boolean; changed: boolean }> {
  if ('value' in observation && !Number.isFinite(observation.value)) {
    throw new ProblemError('VALIDATION_FAILED', 'value must be a finite number', [
      { pointer: '#/value', detail: 'must be a finite number' },
    ]);
  }
  if ('params' in observation) return { trial: await recordExternal(deps, studyId, observation), created: true, changed: true };
  const { trial, changed } = await updatePending(deps, studyId, observation);
  return { trial, created: false, changed };
}

function updatePending(
  deps: Deps,
  studyId: string,
  observation: ({ trialId: string; value: number } | { trialId: string; failed: true; reason?: string }) & { metadata?: MetadataPatch },
): Promise<{ trial: Trial; changed: boolean }> {
  return inTransaction(deps, async ({ store, clock }) => {
    await requireStudy({ store }, studyId);
    const trial = await requireTrial({ store }, studyId, observation.trialId);
    const now = clock.now();
    const state = effectiveState(trial, now);
    if (state === 'queued') {
      throw new ProblemError('TRIAL_NOT_PENDING', `trial ${trial.id} is queued: no worker has it yet, a suggest hands it out first`);
    }
    if (state === 'stopped') {
      throw new ProblemError('TRIAL_NOT_PENDING', `trial ${trial.id} was stopped early at its value ${trial.value}; a stopped trial takes no observation`);
    }

    // NOTE: a repeated observation merges its metadata again, which changes nothing the
    // second time; `changed` is about the model's data only (metadata never reaches it).
    const metadata = applyMetadata(trial.metadata, observation.metadata);
    const sameAgain = async (): Promise<{ trial: Trial; changed: boolean }> => {
      if (metadata === trial.metadata || sameMetadata(metadata, trial.metadata)) return { trial, changed: false };
      const annotated = { ...trial, metadata };
      await store.updateTrial(annotated);
      return { trial: annotated, changed: false };
    };
    if ('failed' in observation) {
      if (state === 'failed') return sameAgain();
      if (state === 'completed') {
        throw new ProblemError('TRIAL_NOT_PENDING', `trial ${trial.id} is already completed with value ${trial.value}`);
      }
      const failed: Trial = {
        ...trial,
        state: 'failed',
        failureReason: observation.reason ?? null,
        completedAt: now,
        leaseExpiresAt: null,
        metadata,
      };
      await store.updateTrial(failed);
      return { trial: failed, changed: true };
    }

    if (state === 'completed') {
      if (trial.value === observation.value) return sameAgain();
      throw new ProblemError(
        'TRIAL_VALUE_CONFLICT',
        `trial ${trial.id} was completed with value ${trial.value}, not ${observation.value}`,
        [{ pointer: '#/value', detail: `the trial already has value ${trial.value}` }],
      );
    }
    if (state === 'failed') throw new ProblemError('TRIAL_NOT_PENDING', `trial ${trial.id} was reported failed`);
    const completed: Trial = { ...trial, state: 'completed', value: observation.value, completedAt: now, leaseExpiresAt: null, metadata };
    await store.updateTrial(completed);
    return { trial: completed, changed: true };
  });
}

/**
 * `params` checked against the study's space (422 INVALID_PARAMS with a pointer under
 * `#/params` for each bad field), in the space's order so that stored params read the same
 * whoever wrote them.
 */
export function paramsInSpace(study: Study, params: Params): Params {
  const errors = validateParams(encodingOf(study), params).map((e) => ({
    pointer: `#/params${e.pointer}`,
    detail: e.message,
  }));
  if (errors.length > 0) throw new ProblemError('INVALID_PARAMS', errors[0]?.detail, errors);
  return Object.fromEntries(study.parameters.map((p) => [p.name, params[p.name] as Params[string]]));
}

async function recordExternal(deps: Deps, studyId: string, observation: { params: Params; value: number; metadata?: MetadataPatch }): Promise<Trial> {
  const study = await requireStudy(deps, studyId);
  const encoding = encodingOf(study);
  const params = paramsInSpace(study, observation.params);
  const metadata = applyMetadata({}, observation.metadata);
  return inTransaction(deps, async ({ store, clock }) => {
    await requireStudy({ store }, studyId);
    const now = clock.now();
    const trial = newTrial({
      id: newId('tr'),
      studyId,
      number: await store.nextTrialNumber(studyId),
      params,
      paramsKey: paramsKey(encoding, params),
      source: 'external',
      createdAt: now,
      state: 'completed',
      value: observation.value,
      completedAt: now,
      metadata,
    });
    await store.insertTrial(trial);
    return trial;
  });
}
