/**
 * The default suggester: the study's scrambled Sobol design first, then the Gaussian-
 * process engine (`bo/engine.ts`, Matérn-5/2 + log EI) conditioned on every completed
 * trial, with every pending one taken into account by fantasies of its outcome.
 *
 * A numerical failure never reaches the client as a 500: the point falls back to a
 * seeded random draw with `source: "random-fallback"`, a warning log line with the reason
 * and a metric.
 */
import { paramsKey } from '../../bo/encoding.js';
import { EngineError, type FittedHyperparameters, type EngineOutput } from '../../bo/engine.js';
import { designSuggestions } from './design-suggester.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { Engine, EngineMetrics } from '../ports.js';
import type { Suggester, Suggestion, SuggestionRequest, SuggestionResult } from './suggester.js';
import { encodingOf } from '../study.js';
import { effectiveState } from '../trial.js';

/** Tags the stored model state: GP hyperparameters from `bo/engine.ts`. */
export const GP_MODEL_KIND = 'gp-matern52-v1';

export type WarnLog = { warn(obj: object, msg: string): void };

export class GpSuggester implements Suggester {
  private readonly engine: Engine;
  private readonly metrics: EngineMetrics;
  private readonly log: WarnLog;
  private readonly limits: Pick<Limits, 'modelObservations' | 'engineDeadlineMs'>;

  private readonly forgetModel: ((studyId: string) => void) | undefined;

  constructor(options: {
    metrics: EngineMetrics;
    log: WarnLog;
    engine: Engine;
    /** Drops the engine's warm model of a deleted study. */
    forget?: (studyId: string) => void;
    limits?: Pick<Limits, 'modelObservations' | 'engineDeadlineMs'>;
  }) {
    this.engine = options.engine;
    this.forgetModel = options.forget;
    this.metrics = options.metrics;
    this.log = options.log;
    this.limits = options.limits ?? DEFAULT_LIMITS;
  }

  async suggest(request: SuggestionRequest): Promise<SuggestionResult> {
    const { study, trials, count, now } = request;
    const active = trials.filter((t) => t.state !== 'failed').length;
    const designCount = Math.max(0, Math.min(count, study.options.initialTrials - active));
    const design = designCount > 0 ? designSuggestions({ ...request, count: designCount }) : [];
    if (designCount === count) return { suggestions: design };

    // In the order they completed, so that a new observation is a new last row and the
    // engine's cached factor extends instead of being recomputed (trials finish out of order).
    const completed = trials
      .filter((t) => t.state === 'completed' && t.value !== null)
      .sort((a, b) => (a.completedAt ?? 0) - (b.completedAt ?? 0) || a.number - b.number)
      .map((t) => ({ params: t.params, value: t.value as number }));
    const observations = modelledObservations(completed, this.limits.modelObservations, study.objective.goal);
    const pending = [
      ...trials.filter((t) => effectiveState(t, now) === 'pending').map((t) => t.params),
      ...design.map((s) => s.params),
    ];
    // Failed and stale trials are not modelled, but their points are never suggested again.
    // NOTE: a stopped trial is not modelled (its partial value is not a result) but its point
    // is never suggested again: it beat modelling it at its last value or at a common rung (decision 0021).
    const exclude = trials
      .filter((t) => t.state === 'failed' || t.state === 'stopped' || effectiveState(t, now) === 'stale')
      .map((t) => t.params);
    const rest = count - designCount;
    if (observations.length === 0) {
      // Every design point is still running: nothing to model yet, so keep exploring.
      return { suggestions: [...design, ...this.random(request, design, rest, 'random')] };
    }

    const previous = request.model?.kind === GP_MODEL_KIND ? (request.model.state as FittedHyperparameters) : undefined;
    const started = performance.now();
    let output: EngineOutput;
    try {
      output = await this.engine({
        space: study.parameters,
        goal: study.objective.goal,
        observations,
        pending,
        count: rest,
        seed: engineSeed(study.options.seed, request.firstNumber),
        exclude,
        ...(previous ? { previous } : {}),
        ...(observations.length < completed.length ? { totalObservations: completed.length } : {}),
      }, {
        tenant: request.transient ? 'stateless' : study.id,
        lane: request.transient ? 'stateless' : 'study',
        ...(request.transient ? {} : { cacheKey: study.id }),
        deadlineMs: this.limits.engineDeadlineMs,
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (err) {
      // Only bad numerical luck falls back; a bug (an invariant broken, input the engine
      // should never have been given) must surface as a 500, not hide as a random point.
      if (!(err instanceof EngineError) || err.reason === 'invalid-input' || err.reason === 'no-observations') throw err;
      if (err.reason === 'space-exhausted') return { suggestions: [...design, ...this.random(request, design, rest, 'random')] };
      this.metrics.countFallback(err.reason);
      this.log.warn({ err, studyId: study.id, reason: err.reason }, 'GP suggestion failed; falling back to a random point');
      return { suggestions: [...design, ...this.random(request, design, rest, 'random-fallback')] };
    }
    this.metrics.observeEngineCall((performance.now() - started) / 1000, output.work);
    const modelled = this.withoutTaken(request, [...design, ...output.suggestions]);
    const missing = count - modelled.length;
    let tail: Suggestion[] = [];
    if (missing > 0 && output.work.interrupted && !request.signal?.aborted) {
      // The deadline cut the batch short: the rest are random, counted and logged.
      this.metrics.countFallback('deadline');
      this.log.warn(
        { studyId: study.id, reason: 'deadline', deadlineMs: this.limits.engineDeadlineMs, missing },
        'the GP engine reached its deadline; the rest of the batch is random',
      );
      tail = this.random(request, modelled, missing, 'random-fallback');
    } else if (missing > 0) {
      // A finite space can run out part-way through a batch: draw the rest, which answers
      // SEARCH_SPACE_EXHAUSTED if there really is no unused point left.
      tail = this.random(request, modelled, missing, 'random');
    }
    return { suggestions: [...modelled, ...tail], model: { kind: GP_MODEL_KIND, state: output.hyperparameters } };
  }

  forget(studyId: string): void {
    this.forgetModel?.(studyId);
  }

  /**
   * Safety net: the engine avoids every trial's point (observed, pending, and `exclude`), so
   * this only fires if it did not; such a suggestion is replaced by a random point.
   */
  private withoutTaken(request: SuggestionRequest, suggestions: Suggestion[]): Suggestion[] {
    const encoding = encodingOf(request.study);
    const taken = new Set(request.trials.map((t) => t.paramsKey));
    const out: Suggestion[] = [];
    for (const s of suggestions) {
      let chosen = s;
      if (taken.has(paramsKey(encoding, s.params))) {
        this.metrics.countFallback('duplicate-of-failed-or-stale');
        [chosen] = this.random(request, out, 1, 'random-fallback') as [Suggestion];
      }
      out.push(chosen);
      taken.add(paramsKey(encoding, chosen.params));
    }
    return out;
  }

  /** `count` seeded uniform draws, avoiding the trials and the points chosen `before` in this request. */
  private random(request: SuggestionRequest, before: Suggestion[], count: number, source: 'random' | 'random-fallback'): Suggestion[] {
    const encoding = encodingOf(request.study);
    const points = designSuggestions(
      { ...request, firstNumber: request.firstNumber + before.length, count },
      { randomOnly: true, alsoTaken: before.map((s) => paramsKey(encoding, s.params)) },
    );
    return points.map((p) => ({ params: p.params, source }));
  }

}

/**
 * The observations a study's model conditions on: all of them up to `cap`; above it the
 * ⌈cap/2⌉ best by the goal and the most recent ones up to `cap`, in completion order.
 * NOTE: a bound on the O(n³) conditioning and O(n²) memory of one engine call (issue 10:
 * 5,000 observations took 31 s and 370 MB); the best keep the incumbent's neighbourhood
 * modelled, the recent keep what the search is doing now. Issue 17 will replace this
 * with a model measured to scale.
 */
export function modelledObservations<O extends { value: number }>(observations: O[], cap: number, goal: 'minimize' | 'maximize'): O[] {
  if (observations.length <= cap) return observations;
  const byValue = observations.map((o, i) => i).sort((a, b) => {
    const d = observations[a]!.value - observations[b]!.value;
    return (goal === 'minimize' ? d : -d) || a - b;
  });
  const keep = new Set(byValue.slice(0, Math.ceil(cap / 2)));
  for (let i = observations.length - 1; i >= 0 && keep.size < cap; i--) keep.add(i);
  return observations.filter((_, i) => keep.has(i));
}

/** A per-request engine seed: the study's seed and the number of the first new trial. */
export function engineSeed(seed: number, firstNumber: number): number {
  return seed * 2 ** 20 + (firstNumber % 2 ** 20);
}
