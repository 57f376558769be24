/**
 * One-shot suggestions from a body that carries its own history (`POST /v1/suggest`). The
 * body is turned into a transient study and trials, so that exactly the same suggester
 * runs as for a stored study; nothing is written and nothing is remembered.
 */
import { paramsKey, validateParams } from '../../bo/encoding.js';
import type { Goal, ParamSpec, Params } from '../../bo/search-space.js';
import type { Deps } from '../deps.js';
import { CancelledError, ProblemError, type FieldError } from '../errors.js';
import { assertWithinLimits, countLimitErrors, spaceLimitErrors } from '../limits.js';
import { searchSpaceErrors } from '../search-space-rules.js';
import { defaultInitialTrials, encodingOf, normalizeParameters, NO_EARLY_STOPPING, type Study, DEFAULT_LEASE_SECONDS } from '../study.js';
import type { Suggestion } from './suggester.js';
import { newTrial, type Trial } from '../trial.js';

export type StatelessRequest = {
  parameters: ParamSpec[];
  objective: { name?: string; goal: Goal };
  observations: { params: Params; value: number }[];
  pending?: Params[];
  count?: number;
  seed?: number;
  initialTrials?: number;
};

export async function suggestStateless(
  deps: Pick<Deps, 'suggester' | 'clock' | 'limits'>,
  body: StatelessRequest,
  signal?: AbortSignal,
): Promise<Suggestion[]> {
  assertWithinLimits([
    ...spaceLimitErrors(body.parameters, deps.limits),
    ...(body.observations.length > deps.limits.statelessObservations
      ? [{ pointer: '#/observations', detail: `at most ${deps.limits.statelessObservations} observations (LIMIT_STATELESS_OBSERVATIONS), got ${body.observations.length}` }]
      : []),
    ...countLimitErrors(body.count ?? 1, deps.limits),
  ]);
  const spaceErrors = searchSpaceErrors(body.parameters);
  if (spaceErrors.length > 0) throw new ProblemError('INVALID_SEARCH_SPACE', spaceErrors[0]?.detail, spaceErrors);
  const parameters = normalizeParameters(body.parameters);
  const encoding = encodingOf({ parameters });

  const errors: FieldError[] = [];
  body.observations.forEach((o, i) => {
    for (const e of validateParams(encoding, o.params)) errors.push({ pointer: `#/observations/${i}/params${e.pointer}`, detail: e.message });
    if (!Number.isFinite(o.value)) errors.push({ pointer: `#/observations/${i}/value`, detail: 'must be a finite number' });
  });
  (body.pending ?? []).forEach((p, i) => {
    for (const e of validateParams(encoding, p)) errors.push({ pointer: `#/pending/${i}${e.pointer}`, detail: e.message });
  });
  if (errors.length > 0) throw new ProblemError('INVALID_PARAMS', errors[0]?.detail, errors);

  const now = deps.clock.now();
  const study: Study = {
    id: '',
    name: '',
    parameters,
    objective: { name: body.objective.name ?? 'value', goal: body.objective.goal },
    options: {
      seed: body.seed ?? 0,
      initialTrials: body.initialTrials ?? defaultInitialTrials(parameters.length),
      leaseSeconds: DEFAULT_LEASE_SECONDS,
      algorithm: 'gp',
      earlyStopping: NO_EARLY_STOPPING,
    },
    state: 'active',
    createdAt: now,
    metadata: {},
  };
  const trial = (params: Params, number: number, value: number | null): Trial =>
    newTrial({
      id: `t${number}`,
      studyId: '',
      number,
      params,
      paramsKey: paramsKey(encoding, params),
      source: 'external',
      createdAt: now,
      ...(value === null ? {} : { state: 'completed', value, completedAt: now }),
    });
  const trials = [
    ...body.observations.map((o, i) => trial(o.params, i, o.value)),
    ...(body.pending ?? []).map((p, i) => trial(p, body.observations.length + i, null)),
  ];
  const { suggestions } = await deps.suggester.suggest({
    study, trials, firstNumber: trials.length, count: body.count ?? 1, now, transient: true, ...(signal ? { signal } : {}),
  });
  if (signal?.aborted) throw new CancelledError();
  return suggestions;
}
