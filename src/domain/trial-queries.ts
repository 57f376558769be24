/** Use cases that read trials, the heartbeat that renews a lease, and the metadata update. */
import { inTransaction, type Deps, type StoreDeps } from './deps.js';
import { ProblemError } from './errors.js';
import { applyMetadata, type MetadataPatch } from './metadata.js';
import type { Page } from './ports.js';
import { requireStudy } from './study-lifecycle.js';
import { effectiveState, type Trial, type TrialReport, type TrialState } from './trial.js';

export async function listTrials(
  deps: Deps,
  studyId: string,
  filter: { state?: TrialState; cursor?: string; limit: number },
): Promise<Page<Trial>> {
  await requireStudy(deps, studyId);
  return deps.store.listTrials(studyId, filter, deps.clock.now());
}

export async function getTrial(deps: Deps, studyId: string, trialId: string): Promise<{ trial: Trial; reports: TrialReport[] }> {
  await requireStudy(deps, studyId);
  return { trial: await requireTrial(deps, studyId, trialId), reports: await deps.store.trialReports(studyId, trialId) };
}

export async function bestTrial(deps: Deps, studyId: string): Promise<Trial> {
  const study = await requireStudy(deps, studyId);
  const best = await deps.store.bestTrial(studyId, study.objective.goal);
  if (!best) throw new ProblemError('NO_COMPLETED_TRIALS', `study ${studyId} has no completed trial yet`);
  return best;
}

/**
 * Renews the lease of a running trial. A stale trial becomes pending again: a heartbeat
 * proves its worker is alive, it was only late.
 */
export function heartbeat(deps: Deps, studyId: string, trialId: string): Promise<Trial> {
  return inTransaction(deps, async (tx) => {
    const study = await requireStudy(tx, studyId);
    const trial = await requireTrial(tx, studyId, trialId);
    const now = tx.clock.now();
    const state = effectiveState(trial, now);
    if (state !== 'pending' && state !== 'stale') {
      throw new ProblemError('TRIAL_NOT_PENDING', `trial ${trialId} is ${state}; only running trials take heartbeats`);
    }
    const renewed: Trial = { ...trial, leaseExpiresAt: now + study.options.leaseSeconds * 1000 };
    await tx.store.updateTrial(renewed);
    return renewed;
  });
}

/**
 * Merges `patch` into the trial's metadata (domain/metadata.ts), whatever its state: a
 * finished trial gets its checkpoint's path or its evaluation report afterwards too.
 */
export function updateTrialMetadata(deps: Deps, studyId: string, trialId: string, patch: MetadataPatch): Promise<{ trial: Trial; reports: TrialReport[] }> {
  return inTransaction(deps, async (tx) => {
    await requireStudy(tx, studyId);
    const trial = await requireTrial(tx, studyId, trialId);
    const next: Trial = { ...trial, metadata: applyMetadata(trial.metadata, patch) };
    await tx.store.updateTrial(next);
    return { trial: next, reports: await tx.store.trialReports(studyId, trialId) };
  });
}

export async function requireTrial(deps: Pick<StoreDeps, 'store'>, studyId: string, trialId: string): Promise<Trial> {
  const trial = await deps.store.findTrial(studyId, trialId);
  if (!trial) throw new ProblemError('TRIAL_NOT_FOUND', `study ${studyId} has no trial '${trialId}'`);
  return trial;
}
