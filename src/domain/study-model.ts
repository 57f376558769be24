/**
 * Read-only views of a study's GP for the dashboard: a slice along one parameter, a contour
 * over two, and the parameters' importances (bo/model-view.ts), computed on the engine's
 * threads like a suggestion, never on the event loop.
 *
 * The model conditions on what the suggester's model conditions on (every completed trial,
 * above `modelObservations` the same cap, and above the engine's MODEL_SUBSET.size the same
 * subset, bo/model-subset.ts) with the hyperparameters the study's last
 * suggestion stored; a study without them (a random or grid study, or one still in its
 * design) gets a fit here, kept in memory for the same observations, never written.
 */
import { LRUCache } from 'lru-cache';
import { EngineError } from '../bo/engine.js';
import type { FittedHyperparameters } from '../bo/fit.js';
import type { ModelQuery, ModelView } from '../bo/model-view.js';
import type { Deps } from './deps.js';
import { ProblemError } from './errors.js';
import type { Limits } from './limits.js';
import type { ModelViewer } from './ports.js';
import { requireStudy } from './study-lifecycle.js';
import { GP_MODEL_KIND, modelledObservations } from './suggest/gp-suggester.js';
import type { Trial } from './trial.js';

export type StudyModelView = {
  view: ModelView;
  /** The trial every other parameter is held at: the best completed one. */
  incumbent: Trial;
  /** Observations the model conditions on (above the engine's MODEL_SUBSET.size, its subset). */
  observations: number;
};

/**
 * Views of one study computed or waiting at once; more are refused with ENGINE_BUSY.
 * NOTE: views run as a tenant of their own (`<studyId>/views`), so that the fair queue serves
 * the study's suggestions between them: a dashboard never holds up the optimization (decision 0023).
 */
export const MAX_VIEWS_PER_STUDY = 8;

export class StudyModels {
  /** Views in flight by study id. */
  private readonly inFlight = new Map<string, number>();

  /** θ fitted here for studies without a stored one, by study id, with the observations it was fitted to. */
  private readonly fits = new LRUCache<string, { n: number; theta: FittedHyperparameters }>({ max: 1000 });

  constructor(
    private readonly viewer: ModelViewer,
    private readonly limits: Pick<Limits, 'modelObservations' | 'engineDeadlineMs'>,
  ) {}

  /**
   * The view `query` asks for.
   * Throws STUDY_NOT_FOUND, INVALID_PARAMS (a parameter the space lacks, or x = y, with
   * the query parameter), NO_COMPLETED_TRIALS, ENGINE_BUSY (MAX_VIEWS_PER_STUDY already
   * in flight), MODEL_UNAVAILABLE (the GP could not be fitted).
   */
  async view(deps: Deps, studyId: string, query: ModelQuery, signal?: AbortSignal): Promise<StudyModelView> {
    const study = await requireStudy(deps, studyId);
    const names = new Set(study.parameters.map((p) => p.name));
    const named = query.kind === 'slice' ? [['parameter', query.parameter]] : query.kind === 'contour' ? [['x', query.x], ['y', query.y]] : [];
    for (const [field, name] of named as [string, string][]) {
      if (!names.has(name)) {
        throw new ProblemError('INVALID_PARAMS', `the study has no parameter named '${name}'`, [
          { parameter: field, detail: `one of ${[...names].map((n) => `'${n}'`).join(', ')}` },
        ]);
      }
    }
    if (query.kind === 'contour' && query.x === query.y) {
      throw new ProblemError('INVALID_PARAMS', 'x and y must name two different parameters', [{ parameter: 'y', detail: `equals x ('${query.x}')` }]);
    }
    const goal = study.objective.goal;
    const incumbent = await deps.store.bestTrial(studyId, goal);
    if (!incumbent) throw new ProblemError('NO_COMPLETED_TRIALS', `study ${studyId} has no completed trial yet: there is nothing to model`);
    // In completion order, as the suggester passes them, so that the engine's cached factor serves both.
    const completed = (await deps.store.allTrials(studyId))
      .filter((t) => t.state === 'completed' && t.value !== null)
      .sort((a, b) => (a.completedAt ?? 0) - (b.completedAt ?? 0) || a.number - b.number)
      .map((t) => ({ params: t.params, value: t.value as number }));
    const observations = modelledObservations(completed, this.limits.modelObservations, goal);
    const stored = await deps.store.studyModel(studyId);
    const memo = this.fits.get(studyId);
    const previous =
      stored?.kind === GP_MODEL_KIND ? (stored.state as FittedHyperparameters) : memo?.n === completed.length ? memo.theta : undefined;
    const running = this.inFlight.get(studyId) ?? 0;
    if (running >= MAX_VIEWS_PER_STUDY) {
      throw new ProblemError('ENGINE_BUSY', `${running} views of this study's model are being computed; retry in about 1 s`, undefined, { retryAfterSeconds: 1 });
    }
    this.inFlight.set(studyId, running + 1);
    let output;
    try {
      output = await this.viewer(
        { space: study.parameters, goal, observations, incumbent: incumbent.params, seed: study.options.seed, query, ...(previous ? { previous } : {}) },
        { tenant: `${studyId}/views`, lane: 'study', cacheKey: studyId, deadlineMs: this.limits.engineDeadlineMs, ...(signal ? { signal } : {}) },
      );
    } catch (err) {
      if (err instanceof EngineError && err.reason === 'numerical-failure') {
        throw new ProblemError('MODEL_UNAVAILABLE', `the GP could not be fitted to this study's trials: ${err.message}`, undefined, { retryAfterSeconds: 5 });
      }
      throw err;
    } finally {
      const left = (this.inFlight.get(studyId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(studyId, left);
      else this.inFlight.delete(studyId);
    }
    if (output.fitted && stored?.kind !== GP_MODEL_KIND) this.fits.set(studyId, { n: completed.length, theta: output.hyperparameters });
    return { view: output.view, incumbent, observations: output.rows };
  }

  /** Drops what is kept for a deleted study. */
  forget(studyId: string): void {
    this.fits.delete(studyId);
  }
}
