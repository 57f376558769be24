/** Routes for `/v1/studies`: thin handlers, validated input → one use case → response. */
import { Router } from 'express';
import type { Deps } from '../../domain/deps.js';
import type { MetadataPatch } from '../../domain/metadata.js';
import { createStudy, deleteStudy, getStudy, listStudies, updateStudyMetadata } from '../../domain/study-lifecycle.js';
import { principalOf } from '../auth.js';
import { studyBody } from '../presenters.js';
import type { StudyCreateBody, StudyUpdateBody } from '../types.js';
import { queryLimit, queryString } from './query.js';

export function studiesRouter(deps: Deps): Router {
  const router = Router();

  router.post('/v1/studies', (req, res) => {
    const body = req.body as StudyCreateBody;
    const { study, created } = createStudy(deps, { ...body, metadata: body.metadata as MetadataPatch | undefined }, principalOf(req));
    if (created) res.status(201).location(`/v1/studies/${study.id}`);
    res.json(studyBody(study));
  });

  router.get('/v1/studies', (req, res) => {
    const page = listStudies(deps, queryString(req, 'cursor'), queryLimit(req), principalOf(req));
    res.json({ studies: page.items.map(studyBody), nextCursor: page.nextCursor });
  });

  router.get('/v1/studies/:studyId', (req, res) => {
    res.json(studyBody(getStudy(deps, req.params.studyId)));
  });

  router.patch('/v1/studies/:studyId', (req, res) => {
    const body = req.body as StudyUpdateBody;
    const study = body.metadata === undefined ? getStudy(deps, req.params.studyId) : updateStudyMetadata(deps, req.params.studyId, body.metadata as MetadataPatch);
    res.json(studyBody(study));
  });

  router.delete('/v1/studies/:studyId', (req, res) => {
    deleteStudy(deps, req.params.studyId);
    res.status(204).end();
  });

  return router;
}
