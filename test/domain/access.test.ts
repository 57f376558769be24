import { describe, expect, test } from 'vitest';
import {
  grants,
  operationScopes,
  reachesStudy,
  requireScope,
  requireStudyName,
  SCOPES,
  type Principal,
  type Scope,
} from '../../src/domain/access.js';
import { ProblemError } from '../../src/domain/errors.js';

const key = (...scopes: Scope[]): Principal => ({ name: 'k', scopes });

describe('scopes', () => {
  test.each([
    // held,              read,  write, admin
    [['read'], [true, false, false]],
    [['write'], [false, true, false]],
    [['read', 'write'], [true, true, false]],
    [['admin'], [true, true, true]],
  ] as [Scope[], boolean[]][])('a key with %j holds read, write, admin = %j', (held, expected) => {
    expect(SCOPES.map((s) => grants(key(...held), s))).toEqual(expected);
  });

  test('every GET needs read, the study writes (queuing, a trial\'s metadata and an import too) and the stateless suggest need write, create, change and delete need admin', () => {
    expect(operationScopes).toEqual({
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
    });
  });

  test('an out-of-scope call is 403 FORBIDDEN_SCOPE, saying which scope it needs', () => {
    let error: unknown;
    try {
      requireScope({ name: 'ci', scopes: ['read'] }, 'suggestTrials');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ code: 'FORBIDDEN_SCOPE', status: 403 });
    expect((error as Error).message).toBe("suggestTrials needs the 'write' scope (or 'admin'); the key 'ci' has read");
  });
});

describe('study-name prefix', () => {
  test('a key without a prefix reaches every study; one with a prefix reaches the names that start with it', () => {
    expect(reachesStudy(undefined, 'anything')).toBe(true);
    expect(reachesStudy(key('read'), 'anything')).toBe(true);
    const teamA = { ...key('admin'), studyPrefix: 'team-a/' };
    expect(reachesStudy(teamA, 'team-a/resnet')).toBe(true);
    expect(reachesStudy(teamA, 'team-a/')).toBe(true);
    expect(reachesStudy(teamA, 'team-b/resnet')).toBe(false);
    expect(reachesStudy(teamA, 'team-a')).toBe(false);
    expect(reachesStudy(teamA, 'TEAM-A/resnet')).toBe(false);
  });

  test('a name outside the prefix is refused with a pointer to #/name', () => {
    expect(() => requireStudyName({ name: 'a', scopes: ['admin'], studyPrefix: 'team-a/' }, 'team-b/x')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN_SCOPE', errors: [{ pointer: '#/name', detail: "must start with 'team-a/'" }] }),
    );
  });
});
