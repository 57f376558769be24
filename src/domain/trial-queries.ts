/** Use cases that read trials, the heartbeat that renews a lease, and the metadata update. */
import type { Deps } from './deps.js';
import { ProblemError } from './errors.js';
import { applyMetadata, type MetadataPatch } from './metadata.js';
import type { Page } from './ports.js';
import { requireStudy } from './study-lifecycle.js';
import { effectiveState, type Trial, type TrialReport, type TrialState } from './trial.js';

export function listTrials(
  deps: Deps,
  studyId: string,
  filter: { state?: TrialState; cursor?: string; limit: number },
): Page<Trial> {
  requireStudy(deps, studyId);
  return deps.store.listTrials(studyId, filter, deps.clock.now());
}

export function getTrial(deps: Deps, studyId: string, trialId: string): { trial: Trial; reports: TrialReport[] } {
  requireStudy(deps, studyId);
  return { trial: requireTrial(deps, studyId, trialId), reports: deps.store.trialReports(studyId, trialId) };
}

export function bestTrial(deps: Deps, studyId: string): Trial {
  const study = requireStudy(deps, studyId);
  const best = deps.store.bestTrial(studyId, study.objective.goal);
  if (!best) throw new ProblemError('NO_COMPLETED_TRIALS', `study ${studyId} has no completed trial yet`);
  return best;
}

/**
 * Renews the lease of a running trial. A stale trial becomes pending again: a heartbeat
 * proves its worker is alive, it was only late.
 */
export function heartbeat(deps: Deps, studyId: string, trialId: string): Trial {
  return deps.store.transaction(() => {
    const study = requireStudy(deps, studyId);
    const trial = requireTrial(deps, studyId, trialId);
    const now = deps.clock.now();
    const state = effectiveState(trial, now);
    if (state !== 'pending' && state !== 'stale') {
      throw new ProblemError('TRIAL_NOT_PENDING', `trial ${trialId} is ${state}; only running trials take heartbeats`);
    }
    const renewed: Trial = { ...trial, leaseExpiresAt: now + study.options.leaseSeconds * 1000 };
    deps.store.updateTrial(renewed);
    return renewed;
  });
}

/**
 * Merges `patch` into the trial's metadata (domain/metadata.ts), whatever its state: a
 * finished trial gets its checkpoint's path or its evaluation report afterwards too.
 */
export function updateTrialMetadata(deps: Deps, studyId: string, trialId: string, patch: MetadataPatch): { trial: Trial; reports: TrialReport[] } {
  return deps.store.transaction(() => {
    requireStudy(deps, studyId);
    const trial = requireTrial(deps, studyId, trialId);
    const next: Trial = { ...trial, metadata: applyMetadata(trial.metadata, patch) };
    deps.store.updateTrial(next);
    return { trial: next, reports: deps.store.trialReports(studyId, trialId) };
  });
}

export function requireTrial(deps: Deps, studyId: string, trialId: string): Trial {
  const trial = deps.store.findTrial(studyId, trialId);
  if (!trial) throw new ProblemError('TRIAL_NOT_FOUND', `study ${studyId} has no trial '${trialId}'`);
  return trial;
}
