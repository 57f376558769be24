/**
 * Stateful fuzzing: a study on a generated (odd but valid) space, then a generated
 * sequence of suggest, observe (values, failures, external points), heartbeat, best,
 * trials, export and get calls, then delete. Every call goes through the oracle; on top,
 * the answers must agree with what the scenario did:
 *
 * - a suggestion returns `count` pending trials, each a point of the space, none with the
 *   parameters of an earlier trial (or 409 when a finite space runs out);
 * - an observation returns the trial with the value or failure just reported;
 * - `best` is the best completed value by the goal, or 404 when none is completed;
 * - the JSON export holds every trial; after delete the study is gone.
 */
import fc from 'fast-check';
import { objectFromEntries, schemaArbitrary } from '../schema-arbitrary.js';
import type { LiveTarget } from './live-target.js';
import { describeAnswer, exchange, type Exchange, type Failure } from './oracle.js';
import type { FuzzProfile } from './request-arbitraries.js';
import { describeJson } from './raw-json.js';
import { fitsSpace, observedValue, pointAt, unitPoint, validSpace, type Parameter } from './search-space.js';
import type { Spec } from './spec-operations.js';

export type Step =
  | { op: 'suggest'; count: number; idempotencyKey?: string }
  | { op: 'observe'; pick: number; value: number }
  | { op: 'fail'; pick: number; reason?: string }
  | { op: 'external'; u: number[]; value: number }
  | { op: 'heartbeat'; pick: number }
  | { op: 'best' }
  | { op: 'export'; format: 'json' | 'csv' }
  | { op: 'trials'; state?: 'pending' | 'completed' | 'failed' | 'stale'; limit?: number }
  | { op: 'get-trial'; pick: number }
  | { op: 'get-study' };

export type Scenario = {
  name: string;
  parameters: Parameter[];
  goal: 'minimize' | 'maximize';
  options: { seed: number; initialTrials?: number; leaseSeconds?: number };
  steps: Step[];
};

export function scenarioArbitrary(spec: Spec, profile: FuzzProfile): fc.Arbitrary<Scenario> {
  const root = spec.document;
  const pick = fc.nat({ max: 1000 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('suggest' as const), count: fc.integer({ min: 1, max: profile.maxCount }), idempotencyKey: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }) }, { requiredKeys: ['op', 'count'] }), weight: 6 },
    { arbitrary: fc.record({ op: fc.constant('observe' as const), pick, value: observedValue }), weight: 6 },
    { arbitrary: fc.record({ op: fc.constant('fail' as const), pick, reason: schemaArbitrary({ type: 'string', maxLength: 2000 }, { root }) as fc.Arbitrary<string> }, { requiredKeys: ['op', 'pick'] }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('external' as const), u: unitPoint(profile.maxParameters), value: observedValue }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('heartbeat' as const), pick }), weight: 1 },
    { arbitrary: fc.constant({ op: 'best' as const }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('export' as const), format: fc.constantFrom('json' as const, 'csv' as const) }), weight: 1 },
    {
      arbitrary: fc.record(
        { op: fc.constant('trials' as const), state: fc.constantFrom('pending' as const, 'completed' as const, 'failed' as const, 'stale' as const), limit: fc.integer({ min: 1, max: 1000 }) },
        { requiredKeys: ['op'] },
      ),
      weight: 1,
    },
    { arbitrary: fc.record({ op: fc.constant('get-trial' as const), pick }), weight: 1 },
    { arbitrary: fc.constant({ op: 'get-study' as const }), weight: 1 },
  );
  return fc.record({
    name: schemaArbitrary({ type: 'string', minLength: 1, maxLength: 180 }, { root }) as fc.Arbitrary<string>,
    parameters: validSpace(spec, { maxParameters: profile.maxParameters, maxLevels: profile.maxLevels }),
    goal: fc.constantFrom('minimize' as const, 'maximize' as const),
    options: fc.record(
      { seed: fc.integer({ min: 0, max: 4294967295 }), initialTrials: fc.integer({ min: 1, max: 6 }), leaseSeconds: fc.constantFrom(1, 60, 2592000) },
      { requiredKeys: ['seed'] },
    ),
    steps: fc.array(step, { minLength: 1, maxLength: 12 }),
  });
}

type Known = { id: string; params: Record<string, unknown>; state: 'pending' | 'completed' | 'failed'; value?: number };

export type ScenarioResult = { failures: Failure[]; transcript: string[] };

const paramsKey = (p: Record<string, unknown>) => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));

/** Runs the scenario; stops at the first step with a failure. `serial` keeps study names unique on one server. */
export async function runScenario(target: LiveTarget, spec: Spec, s: Scenario, serial: number): Promise<ScenarioResult> {
  const transcript: string[] = [];
  const failures: Failure[] = [];
  const name = `${s.name}#${serial}`;
  const studyPath = '/v1/studies/{study}';
  let studyId = '';
  const trials: Known[] = [];

  /** `path` may hold `{study}`: the transcript keeps it, the request gets the id. */
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Exchange> => {
    const ex = await exchange(target, spec, {
      method,
      path: path.replace('{study}', studyId),
      headers: { ...headers, 'x-request-id': target.nextRequestId(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
    });
    const headerText = Object.entries(headers).map(([k, v]) => `\n   ${k}: ${v}`).join('');
    transcript.push(`${method} ${path}${headerText}${body === undefined ? '' : `\n   ${describeJson(body)}`}\n   ${describeAnswer(ex)}`);
    failures.push(...ex.failures);
    return ex;
  };
  const behaviour = (op: string, rule: string, message: string) =>
    failures.push({ assertion: 'behaviour', message, signature: `behaviour|${op}|${rule}` });
  const json = (ex: Exchange) => (ex.answer.kind === 'response' ? (JSON.parse(ex.answer.text || 'null') as Record<string, unknown>) : null);
  const status = (ex: Exchange) => (ex.answer.kind === 'response' ? ex.answer.status : 0);

  const created = await call('POST', '/v1/studies', {
    name,
    parameters: s.parameters,
    objective: { goal: s.goal },
    options: s.options,
  });
  if (status(created) !== 201 || failures.length > 0) return { failures, transcript };
  studyId = (json(created) as { id: string }).id;
  const at = (pick: number) => (trials.length === 0 ? undefined : trials[pick % trials.length]);

  for (const step of s.steps) {
    if (failures.length > 0) break;
    switch (step.op) {
      case 'suggest': {
        const ex = await call('POST', `${studyPath}/suggest`, { count: step.count }, step.idempotencyKey ? { 'Idempotency-Key': step.idempotencyKey } : {});
        if (status(ex) !== 200) break;
        const got = (json(ex) as { trials: Known[] }).trials;
        const replay = step.idempotencyKey !== undefined && got.every((t) => trials.some((k) => k.id === t.id));
        if (replay) break;
        if (got.length !== step.count) behaviour('suggestTrials', 'count', `asked for ${step.count} trials, got ${got.length}`);
        const seen = new Set(trials.map((t) => paramsKey(t.params)));
        for (const t of got) {
          const misfit = fitsSpace(s.parameters, t.params);
          if (misfit) behaviour('suggestTrials', 'in-space', `suggested trial ${t.id} is not a point of the space: ${misfit}`);
          if (seen.has(paramsKey(t.params))) behaviour('suggestTrials', 'no-repeat', `suggested trial ${t.id} repeats the parameters of an earlier trial`);
          seen.add(paramsKey(t.params));
          trials.push({ id: t.id, params: t.params, state: 'pending' });
        }
        break;
      }
      case 'observe':
      case 'fail': {
        const t = at(step.pick);
        if (!t) break;
        const body = step.op === 'observe' ? { trialId: t.id, value: step.value } : objectFromEntries([['trialId', t.id], ['failed', true], ...(step.reason === undefined ? [] : [['reason', step.reason] as [string, unknown]])]);
        const ex = await call('POST', `${studyPath}/observe`, body);
        if (status(ex) !== 200) break;
        const got = json(ex) as { state: string; value?: number };
        if (step.op === 'observe') {
          if (got.state !== 'completed' || got.value !== step.value) behaviour('observe', 'echo', `observed ${step.value}, the answer says ${got.state} ${got.value}`);
          if (t.state === 'pending') Object.assign(t, { state: 'completed', value: step.value });
        } else if (t.state === 'pending') t.state = 'failed';
        break;
      }
      case 'external': {
        const params = pointAt(s.parameters, step.u);
        const ex = await call('POST', `${studyPath}/observe`, { params, value: step.value });
        if (status(ex) === 201) trials.push({ id: (json(ex) as { id: string }).id, params, state: 'completed', value: step.value });
        break;
      }
      case 'heartbeat': {
        const t = at(step.pick);
        if (t) await call('POST', `${studyPath}/trials/${encodeURIComponent(t.id)}/heartbeat`);
        break;
      }
      case 'best': {
        const ex = await call('GET', `${studyPath}/best`);
        const values = trials.filter((t) => t.state === 'completed').map((t) => t.value as number);
        if (values.length === 0 && status(ex) === 200) behaviour('getBestTrial', 'none', 'best answered 200 with no completed trial');
        if (values.length > 0 && status(ex) === 404) behaviour('getBestTrial', 'missing', 'best answered 404 with completed trials');
        if (values.length > 0 && status(ex) === 200) {
          const want = s.goal === 'minimize' ? Math.min(...values) : Math.max(...values);
          const got = (json(ex) as { value: number }).value;
          if (got !== want) behaviour('getBestTrial', 'value', `best value ${got}, expected ${want} (${s.goal})`);
        }
        break;
      }
      case 'export': {
        const ex = await call('GET', `${studyPath}/export?format=${step.format}`);
        if (status(ex) === 200 && step.format === 'json') {
          const n = (json(ex) as { trials: unknown[] }).trials.length;
          if (n !== trials.length) behaviour('exportStudy', 'all-trials', `the export holds ${n} trials, the study has ${trials.length}`);
        }
        break;
      }
      case 'trials': {
        const query = [step.state ? `state=${step.state}` : '', step.limit ? `limit=${step.limit}` : ''].filter(Boolean).join('&');
        await call('GET', `${studyPath}/trials${query ? `?${query}` : ''}`);
        break;
      }
      case 'get-trial': {
        const t = at(step.pick);
        if (t) await call('GET', `${studyPath}/trials/${encodeURIComponent(t.id)}`);
        break;
      }
      case 'get-study':
        await call('GET', studyPath);
        break;
    }
  }
  if (failures.length === 0) {
    const deleted = await call('DELETE', studyPath);
    if (status(deleted) === 204) {
      const gone = await call('GET', studyPath);
      if (status(gone) !== 404) behaviour('deleteStudy', 'gone', `the study answers ${status(gone)} after delete`);
    } else if (failures.length === 0) behaviour('deleteStudy', 'deleted', `delete answered ${status(deleted)}`);
  }
  return { failures, transcript };
}
