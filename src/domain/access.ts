/**
 * Who may call what: the scopes of an API key and its optional study-name prefix.
 *
 * | scope   | allows                                                                        |
 * | ------- | ----------------------------------------------------------------------------- |
 * | `read`  | every GET under `/v1`                                                         |
 * | `write` | suggest, observe, report, heartbeat, import and a trial's metadata on a study, |
 * |         | queuing and deleting queued trials, and the stateless `POST /v1/suggest`       |
 * | `admin` | creating, changing (pausing, resuming, completing, metadata) and deleting      |
 * |         | studies, and everything `read` and `write` allow                               |
 *
 * `read` and `write` are independent of each other: a training worker's key is typically
 * `["read", "write"]`. A key with a `studyPrefix` reaches only the studies whose name
 * starts with it: it lists only those, creates only those, and any call on another study
 * by id is refused. The stateless suggest touches no study, so a prefix does not limit it.
 */
import type { StoreDeps } from './deps.js';
import { ProblemError } from './errors.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The caller behind a valid key. */
export type Principal = { name: string; scopes: readonly Scope[]; studyPrefix?: string };

/** A configured key: its principal and the SHA-256 digest of its secret (64 lowercase hex digits), never the secret. */
export type ApiKey = Principal & { sha256: string };

/** The scope each operation needs, by its `operationId` in openapi.yaml. */
export const operationScopes = {
  listStudies: 'read',
  getStudy: 'read',
  exportStudy: 'read',
  listTrials: 'read',
  getTrial: 'read',
  getBestTrial: 'read',
  getModelSlice: 'read',
  getModelContour: 'read',
  getParameterImportances: 'read',
  suggestTrials: 'write',
  observe: 'write',
  heartbeatTrial: 'write',
  reportTrial: 'write',
  enqueueTrial: 'write',
  deleteTrial: 'write',
  importTrials: 'write',
  updateTrial: 'write',
  suggestStateless: 'write',
  createStudy: 'admin',
  updateStudy: 'admin',
  deleteStudy: 'admin',
} as const satisfies Record<string, Scope>;

export type Operation = keyof typeof operationScopes;

export function isOperation(operationId: string): operationId is Operation {
  return Object.hasOwn(operationScopes, operationId);
}

/** Whether the principal holds `scope`; `admin` holds every scope. */
export function grants(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

export function requireScope(principal: Principal, operation: Operation): void {
  const needed = operationScopes[operation];
  if (grants(principal, needed)) return;
  throw new ProblemError(
    'FORBIDDEN_SCOPE',
    `${operation} needs the '${needed}' scope${needed === 'admin' ? '' : " (or 'admin')"}; the key '${principal.name}' has ${principal.scopes.join(', ')}`,
  );
}

/** Whether a study of this name is within the principal's prefix; every study is when there is none. */
export function reachesStudy(principal: Principal | undefined, studyName: string): boolean {
  return principal?.studyPrefix === undefined || studyName.startsWith(principal.studyPrefix);
}

/** For a study about to be created under `studyName` (the body's `#/name`). */
export function requireStudyName(principal: Principal | undefined, studyName: string): void {
  if (!principal || reachesStudy(principal, studyName)) return;
  const detail = `must start with '${principal.studyPrefix}'`;
  throw new ProblemError('FORBIDDEN_SCOPE', prefixRule(principal), [{ pointer: '#/name', detail }]);
}

/**
 * For a call on a study by id. An unknown id passes, so that the use case answers
 * `404 STUDY_NOT_FOUND` as it does for any key.
 */
export async function requireStudyAccess(deps: Pick<StoreDeps, 'store'>, principal: Principal | undefined, studyId: string): Promise<void> {
  if (principal?.studyPrefix === undefined) return;
  const study = await deps.store.findStudy(studyId);
  if (study && !reachesStudy(principal, study.name)) throw new ProblemError('FORBIDDEN_SCOPE', prefixRule(principal));
}

const prefixRule = (principal: Principal) =>
  `the key '${principal.name}' reaches only studies whose name starts with '${principal.studyPrefix}'`;
