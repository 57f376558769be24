/** Routes for `/v1/studies`: thin handlers, validated input → one use case → response. */
import { Router } from 'express';
import type { Deps } from '../../domain/deps.js';
import type { MetadataPatch } from '../../domain/metadata.js';
import { createStudy, deleteStudy, getStudy, listStudies, updateStudy } from '../../domain/study-lifecycle.js';
import type { StudyState } from '../../domain/study.js';
import { principalOf } from '../auth.js';
import { studyBody } from '../presenters.js';
import type { StudyCreateBody, StudyPatchBody } from '../types.js';
import { queryLimit, queryString } from './query.js';

export function studiesRouter(deps: Deps): Router {
  const router = Router();

  router.post('/v1/studies', async (req, res) => {
    const body = req.body as StudyCreateBody;
    const { study, created } = await createStudy(deps, { ...body, metadata: body.metadata as MetadataPatch | undefined }, principalOf(req));
    if (created) res.status(201).location(`/v1/studies/${study.id}`);
    res.json(studyBody(study));
  });

  router.get('/v1/studies', async (req, res) => {
    const state = queryString(req, 'state') as StudyState | undefined;
    const page = await listStudies(deps, queryString(req, 'cursor'), queryLimit(req), principalOf(req), state);
    res.json({ studies: page.items.map(studyBody), nextCursor: page.nextCursor });
  });

  router.get('/v1/studies/:studyId', async (req, res) => {
    res.json(studyBody(await getStudy(deps, req.params.studyId)));
  });

  router.patch('/v1/studies/:studyId', async (req, res) => {
    const body = req.body as StudyPatchBody;
    const patch = { ...(body.state !== undefined ? { state: body.state } : {}), ...(body.metadata !== undefined ? { metadata: body.metadata as MetadataPatch } : {}) };
    res.json(studyBody(await updateStudy(deps, req.params.studyId, patch)));
  });

  router.delete('/v1/studies/:studyId', async (req, res) => {
    await deleteStudy(deps, req.params.studyId);
    res.status(204).end();
  });

  return router;
}
