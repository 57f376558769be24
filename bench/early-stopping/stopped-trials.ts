/**
 * What the GP learns from a stopped trial, as a benchmark-only experiment (issue 12, the
 * design question): a Suggester that rewrites the snapshot the domain's suggester is given.
 *
 *   excluded  no change: production (gp-suggester.ts), where the model ignores a stopped
 *             trial and its point is still never suggested again (decision 0021).
 *   observed  stopped trials become completed ones at their last reported value.
 *   rung      BOHB's idea (Falkner et al. 2018, §4.1: the model is fit on the largest
 *             budget with enough observations): r* is the highest rung (ASHA's rungs and
 *             maxStep) at which at least max(4, d + 1) finished (completed or stopped)
 *             trials reported; each of those is modelled at its value at r*, and finished
 *             trials that never reached r* become failed ones. With no such rung yet, the
 *             snapshot is left as it is.
 *
 * A trial turned failed would also leave the GP's initial-design count (failed trials do
 * not count towards it), so the snapshot's initialTrials is lowered by as many: the
 * design ends where it does in production, and only the model differs.
 */
import { bracketCount, rungsOf } from '../../src/domain/early-stopping/asha.js';
import type { Study } from '../../src/domain/study.js';
import type { Suggester, SuggestionRequest, SuggestionResult } from '../../src/domain/suggest/suggester.js';
import type { Trial, TrialReport } from '../../src/domain/trial.js';

export type StoppedTrialsVariant = 'excluded' | 'observed' | 'rung';
export const STOPPED_TRIALS_VARIANTS: StoppedTrialsVariant[] = ['excluded', 'observed', 'rung'];

/** Finished trials a rung needs before the `rung` variant models at it: max(4, d + 1). */
export const rungMinTrials = (dimension: number): number => Math.max(4, dimension + 1);

/** The steps the `rung` variant may model at: every ASHA rung of the study's settings, and maxStep; ascending. */
export function modelRungs(study: Study): number[] {
  const rule = study.options.earlyStopping;
  if (rule.rule === 'none') return [];
  const rungs = new Set<number>([rule.maxStep]);
  for (let b = 0; b < bracketCount(rule); b++) for (const r of rungsOf(b, rule)) rungs.add(r);
  return [...rungs].sort((a, b) => a - b);
}

const finished = (t: Trial) => t.state === 'completed' || t.state === 'stopped';

/** The highest of `rungs` at which at least `minTrials` finished trials reported, or null. */
export function modelRung(trials: Trial[], reports: Map<string, TrialReport[]>, rungs: number[], minTrials: number): number | null {
  let best: number | null = null;
  for (const r of rungs) {
    const reached = trials.filter((t) => finished(t) && reports.get(t.id)?.some((q) => q.step === r)).length;
    if (reached >= minTrials) best = r;
  }
  return best;
}

/** The request with its trials rewritten for `variant`; `reports` maps a trial id to its reports. */
export function stoppedTrialsSnapshot(request: SuggestionRequest, variant: StoppedTrialsVariant, reports: Map<string, TrialReport[]>): SuggestionRequest {
  if (variant === 'excluded') return request;
  const failed = (t: Trial): Trial => ({ ...t, state: 'failed', value: null, failureReason: `bench: ${variant}` });
  let trials: Trial[];
  if (variant === 'observed') {
    trials = request.trials.map((t) => (t.state === 'stopped' ? { ...t, state: 'completed' } : t));
  } else {
    const r = modelRung(request.trials, reports, modelRungs(request.study), rungMinTrials(request.study.parameters.length));
    if (r === null) return request;
    trials = request.trials.map((t) => {
      if (!finished(t)) return t;
      const at = reports.get(t.id)?.find((q) => q.step === r);
      return at ? { ...t, state: 'completed', value: at.value } : failed(t);
    });
  }
  const turned = trials.filter((t, i) => t.state === 'failed' && request.trials[i]!.state !== 'failed').length;
  const options = { ...request.study.options, initialTrials: Math.max(0, request.study.options.initialTrials - turned) };
  return { ...request, study: { ...request.study, options }, trials };
}

/** The domain's suggester, given the snapshot as `variant` rewrites it; reports are read from the store. */
export class StoppedTrialsSuggester implements Suggester {
  constructor(
    private readonly inner: Suggester,
    private readonly variant: StoppedTrialsVariant,
    private readonly studyReports: (studyId: string) => Promise<Map<string, TrialReport[]>>,
  ) {}

  async suggest(request: SuggestionRequest): Promise<SuggestionResult> {
    const reports = this.variant === 'rung' ? await this.studyReports(request.study.id) : new Map<string, TrialReport[]>();
    return this.inner.suggest(stoppedTrialsSnapshot(request, this.variant, reports));
  }

  forget(studyId: string): void {
    this.inner.forget?.(studyId);
  }
}
