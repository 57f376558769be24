/** `posterior studies list|show|create|delete`. */
import { readFile } from 'node:fs/promises';
import { expectPositionals, UsageError, type CommandLine } from './args.js';
import { answer, ApiError, type Api, type Study, type StudyCreate, type Trial } from './client.js';
import { fields, formatValue, json, table, type Out } from './output.js';

export async function studiesCommand(api: Api, line: CommandLine, out: Out, stdin: () => Promise<string>): Promise<void> {
  const [, sub, ...rest] = line.positionals;
  switch (sub) {
    case 'list':
      expectPositionals(rest, [], 'posterior studies list');
      return list(api, line, out);
    case 'show': {
      const [id] = expectPositionals(rest, ['studyId'], 'posterior studies show <studyId>');
      return show(api, id!, line, out);
    }
    case 'create':
      expectPositionals(rest, [], 'posterior studies create --file space.json');
      return create(api, line, out, stdin);
    case 'delete': {
      const [id] = expectPositionals(rest, ['studyId'], 'posterior studies delete <studyId>');
      answer(await api.typed.DELETE('/v1/studies/{studyId}', { params: { path: { studyId: id! } } }));
      if (line.global.json) json(out, { id, deleted: true });
      else out.write(`deleted ${id}\n`);
      return;
    }
    default:
      throw new UsageError(sub ? `unknown command \`studies ${sub}\`; use list, show, create or delete` : '`posterior studies` needs list, show, create or delete');
  }
}

async function list(api: Api, line: CommandLine, out: Out): Promise<void> {
  const studies: Study[] = [];
  let cursor: string | undefined;
  do {
    const page = answer(await api.typed.GET('/v1/studies', { params: { query: { limit: 1000, ...(cursor ? { cursor } : {}) } } }));
    studies.push(...page.studies);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (line.global.json) return json(out, { studies });
  if (studies.length === 0) return out.write('no studies yet: create one with `posterior studies create --file space.json`\n');
  table(
    out,
    ['ID', 'NAME', 'STATE', 'GOAL', 'PARAMS', 'COMPLETED', 'PENDING', 'FAILED', 'TOTAL', 'CREATED'],
    studies.map((s) => [
      s.id,
      s.name,
      s.state,
      `${s.objective.goal} ${s.objective.name}`,
      String(s.parameters.length),
      String(s.trialCounts.completed),
      String(s.trialCounts.pending),
      String(s.trialCounts.failed),
      String(s.trialCounts.total),
      s.createdAt,
    ]),
  );
}

async function show(api: Api, studyId: string, line: CommandLine, out: Out): Promise<void> {
  const study = answer(await api.typed.GET('/v1/studies/{studyId}', { params: { path: { studyId } } }));
  if (line.global.json) return json(out, study);
  const best = await bestOrUndefined(api, studyId);
  const c = study.trialCounts;
  fields(out, [
    ['id', study.id],
    ['name', study.name],
    ['state', study.state],
    ['objective', `${study.objective.goal} ${study.objective.name}`],
    ['seed', String(study.options.seed)],
    ['initial trials', String(study.options.initialTrials)],
    ['lease', `${study.options.leaseSeconds} s`],
    ['algorithm', study.options.algorithm],
    ['early stopping', earlyStopping(study.options.earlyStopping)],
    ...(study.options.maxTrials !== undefined ? [['max trials', String(study.options.maxTrials)] as [string, string]] : []),
    ...(study.options.maxConcurrentTrials !== undefined ? [['max running', String(study.options.maxConcurrentTrials)] as [string, string]] : []),
    ['trials', `${c.total} (${c.completed} completed, ${c.pending} pending, ${c.queued} queued, ${c.stale} stale, ${c.failed} failed, ${c.stopped} stopped)`],
    ['best', best ? `${formatValue(best.value)} at trial ${best.number} (${best.id}) ${JSON.stringify(best.params)}` : 'none yet'],
    ['created', study.createdAt],
  ]);
  out.write('\n');
  table(
    out,
    ['PARAMETER', 'TYPE', 'RANGE'],
    study.parameters.map((p) => {
      switch (p.type) {
        case 'float':
        case 'int':
          return [p.name, p.type, `${p.low} … ${p.high}${p.log ? ' (log)' : ''}`];
        case 'ordinal':
          return [p.name, p.type, p.values.join(', ')];
        case 'categorical':
          return [p.name, p.type, p.choices.map((c) => JSON.stringify(c)).join(', ')];
      }
    }),
  );
}

function earlyStopping(rule: Study['options']['earlyStopping']): string {
  if (rule.rule === 'none') return 'none';
  const steps = `maxStep ${rule.maxStep}, minStep ${rule.minStep ?? 1}`;
  return rule.rule === 'asha' ? `asha (${steps}, reductionFactor ${rule.reductionFactor ?? 3}, mode ${rule.mode ?? 'standard'})` : `median (${steps})`;
}

async function create(api: Api, line: CommandLine, out: Out, stdin: () => Promise<string>): Promise<void> {
  const file = line.options.file;
  if (typeof file !== 'string') throw new UsageError('`posterior studies create` needs --file space.json (or --file - for stdin)');
  let text: string;
  try {
    text = file === '-' ? await stdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let body: StudyCreate;
  try {
    body = JSON.parse(text) as StudyCreate;
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const result = await api.typed.POST('/v1/studies', { body });
  const study = answer(result);
  if (line.global.json) return json(out, study);
  out.write(`${result.response.status === 201 ? 'created' : 'exists, same definition:'} ${study.id} (${study.name})\n`);
}

export async function bestOrUndefined(api: Api, studyId: string): Promise<Trial | undefined> {
  try {
    return answer(await api.typed.GET('/v1/studies/{studyId}/best', { params: { path: { studyId } } }));
  } catch (err) {
    if (err instanceof ApiError && err.problem?.code === 'NO_COMPLETED_TRIALS') return undefined;
    throw err;
  }
}
