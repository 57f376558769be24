/**
 * The report use case: a running trial's intermediate value, and the answer whether it
 * should go on. The report, the decision and, on `stop`, the trial's new state are written
 * in one transaction before the answer leaves, so a decision once answered never changes:
 * not on a retry, not after a crash, not in another server process on the same database.
 */
import { inTransaction, type Deps, type StoreDeps } from './deps.js';
import { decide } from './early-stopping/decide.js';
import { ProblemError } from './errors.js';
import { applyMetadata, sameMetadata, type MetadataPatch } from './metadata.js';
import { requireStudy } from './study-lifecycle.js';
import { requireTrial } from './trial-queries.js';
import { effectiveState, type Trial, type TrialReport } from './trial.js';

/** `metadata`, when sent, is merged into the trial's (domain/metadata.ts). */
export type ReportInput = { step: number; value: number; metadata?: MetadataPatch };
export type ReportResult = { report: TrialReport; trial: Trial };

export function reportTrial(deps: Deps, studyId: string, trialId: string, input: ReportInput): Promise<ReportResult> {
  if (!Number.isFinite(input.value)) {
    throw new ProblemError('VALIDATION_FAILED', 'value must be a finite number', [{ pointer: '#/value', detail: 'must be a finite number' }]);
  }
  return inTransaction(deps, async (tx) => {
    const { store, clock } = tx;
    const study = await requireStudy(tx, studyId);
    const trial = await requireTrial(tx, studyId, trialId);
    const reports = await store.trialReports(studyId, trialId);
    const same = reports.find((r) => r.step === input.step);
    if (same) {
      // A retry: the same answer (and its metadata merged again, which changes nothing the
      // second time). Another value for a step already answered is a conflict.
      if (same.value === input.value) return { report: same, trial: await annotated(tx, trial, input.metadata) };
      throw new ProblemError('REPORT_STEP_CONFLICT', `step ${input.step} of trial ${trialId} was reported with the value ${same.value}, not ${input.value}`, [
        { pointer: '#/value', detail: `step ${input.step} already has the value ${same.value}` },
      ]);
    }
    const now = clock.now();
    const state = effectiveState(trial, now);
    if (state !== 'pending') {
      throw new ProblemError('TRIAL_NOT_PENDING', `trial ${trialId} is ${state}; only a running trial reports`);
    }
    const last = reports[reports.length - 1];
    if (last && input.step < last.step) {
      throw new ProblemError('REPORT_STEP_BEHIND', `trial ${trialId} already reported step ${last.step}; steps only go up`, [
        { pointer: '#/step', detail: `must be at least ${last.step}` },
      ]);
    }
    const metadata = applyMetadata(trial.metadata, input.metadata);
    const decision = await decide(tx, study, trial, reports, input);
    const report: TrialReport = { step: input.step, value: input.value, at: now, ...decision };
    await store.insertTrialReport(studyId, trialId, report);
    const next: Trial =
      decision.decision === 'stop'
        ? { ...trial, state: 'stopped', value: input.value, completedAt: now, leaseExpiresAt: null, metadata }
        : { ...trial, leaseExpiresAt: now + study.options.leaseSeconds * 1000, metadata };
    await store.updateTrial(next);
    return { report, trial: next };
  });
}

/** The trial with `patch` merged into its metadata, written when that changes it. */
async function annotated(deps: StoreDeps, trial: Trial, patch: MetadataPatch | undefined): Promise<Trial> {
  const metadata = applyMetadata(trial.metadata, patch);
  if (metadata === trial.metadata || sameMetadata(metadata, trial.metadata)) return trial;
  const next = { ...trial, metadata };
  await deps.store.updateTrial(next);
  return next;
}
