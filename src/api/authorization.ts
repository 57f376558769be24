/**
 * Maps each `/v1` operation of openapi.yaml (method and path) to the scope check of
 * `domain/access.ts`, and for a study by id, to its prefix check. It is a router built from
 * the spec, so Express matches a request here exactly as it matches the handler it leads
 * to (case, trailing slash, decoded ids). It runs before the body is read.
 */
import { Router, type RequestHandler } from 'express';
import { isOperation, requireScope, requireStudyAccess, type Operation } from '../domain/access.js';
import type { Deps } from '../domain/deps.js';
import { principalOf } from './auth.js';
import { expressPath } from './spec.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type SpecPaths = Record<string, Partial<Record<(typeof METHODS)[number], { operationId?: string }>>>;

/** Every `/v1` operation of the spec by Express path and upper-case method; throws if one has no scope. */
export function v1Operations(spec: object): Map<string, Map<string, Operation>> {
  const paths = new Map<string, Map<string, Operation>>();
  for (const [path, item] of Object.entries((spec as { paths?: SpecPaths }).paths ?? {})) {
    if (!path.startsWith('/v1/')) continue;
    const methods = new Map<string, Operation>();
    for (const method of METHODS) {
      const id = item[method]?.operationId;
      if (id === undefined) continue;
      // A programmer's error: a new operation must be given a scope before it can be served.
      if (!isOperation(id)) throw new Error(`openapi.yaml: operation '${id}' has no scope in src/domain/access.ts`);
      methods.set(method.toUpperCase(), id);
    }
    paths.set(expressPath(path), methods);
  }
  return paths;
}

/** Refuses with `403 FORBIDDEN_SCOPE` a call that the caller's key does not allow. */
export function authorizationRouter(deps: Pick<Deps, 'store'>, spec: object): Router {
  const router = Router();
  for (const [path, methods] of v1Operations(spec)) {
    const authorize: RequestHandler = async (req, _res, next) => {
      // HEAD is served by the GET route; any other method the path lacks goes on to the 405.
      const operation = methods.get(req.method === 'HEAD' ? 'GET' : req.method);
      if (operation) {
        const principal = principalOf(req);
        // requireKey ran first on every /v1 path; a missing principal is a wiring mistake.
        if (!principal) throw new Error(`no principal on ${req.method} ${req.path}`);
        requireScope(principal, operation);
        const studyId = req.params.studyId;
        if (typeof studyId === 'string') await requireStudyAccess(deps, principal, studyId);
      }
      next();
    };
    // NOTE: `all`, not one route per method: a router answers OPTIONS by itself for a path
    // that has routes but none for OPTIONS, and this one must only check, never answer.
    router.all(path, authorize);
  }
  return router;
}
