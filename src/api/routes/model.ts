/** Read-only views of a study's GP: a slice, a contour, and the parameters' importances (domain/study-model.ts). */
import { Router, type Request } from 'express';
import type { ModelView } from '../../bo/model-view.js';
import type { Deps } from '../../domain/deps.js';
import type { StudyModelView } from '../../domain/study-model.js';
import { clientSignal } from '../client-signal.js';
import type { ModelContourBody, ModelSliceBody, ParameterImportancesBody } from '../types.js';
import { queryString } from './query.js';

/** An integer query parameter that the validator has checked (and may have coerced). */
function queryInteger(req: Request, name: string, fallback: number): number {
  const value = req.query[name];
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : fallback;
  return Number.isInteger(n) ? n : fallback;
}

function incumbentBody({ incumbent }: StudyModelView): ModelSliceBody['incumbent'] {
  return { trialId: incumbent.id, number: incumbent.number, params: incumbent.params, value: incumbent.value as number };
}

/** The view's own part, narrowed: the use case answers the kind it was asked for. */
function expect<K extends ModelView['kind']>(view: ModelView, kind: K): ModelView & { kind: K } {
  if (view.kind !== kind) throw new Error(`asked for a ${kind}, got a ${view.kind}`);
  return view as ModelView & { kind: K };
}

export function modelRouter(deps: Deps): Router {
  const router = Router();

  router.get('/v1/studies/:studyId/model/slice', async (req, res) => {
    const query = { kind: 'slice' as const, parameter: queryString(req, 'parameter') ?? '', points: queryInteger(req, 'points', 50) };
    const result = await deps.models.view(deps, req.params.studyId, query, clientSignal(res));
    const view = expect(result.view, 'slice');
    const body: ModelSliceBody = { parameter: view.parameter, incumbent: incumbentBody(result), observations: result.observations, points: view.points };
    res.json(body);
  });

  router.get('/v1/studies/:studyId/model/contour', async (req, res) => {
    const query = { kind: 'contour' as const, x: queryString(req, 'x') ?? '', y: queryString(req, 'y') ?? '', points: queryInteger(req, 'points', 30) };
    const result = await deps.models.view(deps, req.params.studyId, query, clientSignal(res));
    const view = expect(result.view, 'contour');
    const body: ModelContourBody = {
      x: view.x, y: view.y, incumbent: incumbentBody(result), observations: result.observations,
      xValues: view.xValues, yValues: view.yValues, mean: view.mean, std: view.std,
    };
    res.json(body);
  });

  router.get('/v1/studies/:studyId/importances', async (req, res) => {
    const result = await deps.models.view(deps, req.params.studyId, { kind: 'importances' }, clientSignal(res));
    const body: ParameterImportancesBody = { method: 'inverse-lengthscale', observations: result.observations, importances: expect(result.view, 'importances').importances };
    res.json(body);
  });

  return router;
}
