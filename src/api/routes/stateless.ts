/** `POST /v1/suggest`: suggestions from the body alone, nothing stored. */
import { Router } from 'express';
import type { Deps } from '../../domain/deps.js';
import { suggestStateless, type StatelessRequest } from '../../domain/suggest/stateless-suggest.js';
import { clientSignal } from '../client-signal.js';

export function statelessRouter(deps: Deps): Router {
  const router = Router();
  router.post('/v1/suggest', async (req, res) => {
    const suggestions = await suggestStateless(deps, req.body as StatelessRequest, clientSignal(res));
    res.json({ suggestions });
  });
  return router;
}
