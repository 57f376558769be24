/**
 * Whether a running trial goes on after a report, by the study's early-stopping rule
 * (asha.ts, median.ts), from what the store holds of the other trials. Runs inside the
 * report's transaction, so concurrent reports are judged one after another.
 */
import type { StoreDeps } from '../deps.js';
import type { Study } from '../study.js';
import type { Trial, TrialReport } from '../trial.js';
import { ashaPromotes, bracketOf, rungToJudge, rungsOf, type AshaSettings } from './asha.js';
import { medianStops } from './median.js';

export type Decision = Pick<TrialReport, 'decision' | 'reason' | 'rung'>;

const goOn = (reason: string): Decision => ({ decision: 'continue', reason, rung: null });

/**
 * @param reports  the trial's earlier reports, by step.
 * @param input    the new report.
 */
export async function decide(deps: Pick<StoreDeps, 'store'>, study: Study, trial: Trial, reports: TrialReport[], input: { step: number; value: number }): Promise<Decision> {
  const rule = study.options.earlyStopping;
  if (rule.rule === 'none') return goOn('early stopping is off for this study');
  if (input.step < rule.minStep) return goOn(`step ${input.step} is before minStep ${rule.minStep}`);
  if (input.step >= rule.maxStep) return goOn(`the trial is fully trained at maxStep ${rule.maxStep}; observe its final value`);
  return rule.rule === 'asha' ? ashaDecision(deps, study, trial, reports, input, rule) : medianDecision(deps, study, trial, reports, input);
}

async function ashaDecision(
  deps: Pick<StoreDeps, 'store'>, study: Study, trial: Trial, reports: TrialReport[], input: { step: number; value: number }, settings: AshaSettings,
): Promise<Decision> {
  const bracket = bracketOf(trial.number, settings);
  const judged = reports.reduce<number | null>((top, r) => (r.rung !== null && (top === null || r.rung > top) ? r.rung : top), null);
  const rung = rungToJudge(input.step, bracket, settings, judged);
  if (rung === null) {
    const next = rungsOf(bracket, settings).find((r) => r > input.step);
    return goOn(next === undefined ? `bracket ${bracket} has no rung left before maxStep` : `the next rung of bracket ${bracket} is step ${next}`);
  }
  const others = (await deps.store.rungValues(study.id, rung, trial.id))
    .filter((o) => bracketOf(o.number, settings) === bracket)
    .map((o) => o.value);
  const { promote, rank, of, cutoff } = ashaPromotes(input.value, others, settings.reductionFactor, study.objective.goal);
  const where = `rung ${rung} of bracket ${bracket}: ${ordinal(rank)} of ${of}`;
  return promote
    ? { decision: 'continue', reason: `${where}, within the best 1/${settings.reductionFactor}`, rung }
    : { decision: 'stop', reason: `${where}; it needed ${cutoff} or better to go on`, rung };
}

async function medianDecision(deps: Pick<StoreDeps, 'store'>, study: Study, trial: Trial, reports: TrialReport[], input: { step: number; value: number }): Promise<Decision> {
  const goal = study.objective.goal;
  const best = [...reports.map((r) => r.value), input.value].reduce((a, b) => (goal === 'minimize' ? Math.min(a, b) : Math.max(a, b)));
  const averages = await deps.store.runningAverages(study.id, input.step, trial.id);
  const { stop, median } = medianStops(best, averages, goal);
  if (median === null) return goOn(`fewer than 3 other trials have reached step ${input.step}`);
  return stop
    ? { decision: 'stop', reason: `best so far ${best} is worse than ${median}, the median of ${averages.length} other trials' running averages at step ${input.step}`, rung: null }
    : goOn(`best so far ${best} is no worse than ${median}, the median of ${averages.length} other trials' running averages at step ${input.step}`);
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
