/** `posterior suggest`, `observe`, `report`, `best` and `export`. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { expectPositionals, integerOption, UsageError, type CommandLine } from './args.js';
import { answer, type Api } from './client.js';
import { fields, formatValue, json, trialTable, type Out } from './output.js';

export async function suggestCommand(api: Api, line: CommandLine, out: Out): Promise<void> {
  const [studyId] = expectPositionals(line.positionals.slice(1), ['studyId'], 'posterior suggest <studyId> [--count N]');
  const count = integerOption(line.options.count, 'count', 1, 64) ?? 1;
  const key = line.options['idempotency-key'];
  const { trials } = answer(
    await api.typed.POST('/v1/studies/{studyId}/suggest', {
      params: { path: { studyId: studyId! }, ...(typeof key === 'string' ? { header: { 'Idempotency-Key': key } } : {}) },
      body: { count },
    }),
  );
  if (line.global.json) return json(out, { trials });
  trialTable(out, trials);
}

export async function observeCommand(api: Api, line: CommandLine, out: Out): Promise<void> {
  const failed = line.options.failed === true;
  const reason = line.options.reason;
  const usage = 'posterior observe <studyId> <trialId> <value> | --failed [--reason TEXT]';
  if (reason !== undefined && !failed) throw new UsageError('--reason goes with --failed');
  const [studyId, trialId, raw] = expectPositionals(line.positionals.slice(1), failed ? ['studyId', 'trialId'] : ['studyId', 'trialId', 'value'], usage);
  let body;
  if (failed) {
    body = { trialId: trialId!, failed: true as const, ...(typeof reason === 'string' ? { reason } : {}) };
  } else {
    const value = Number(raw);
    if (raw!.trim() === '' || !Number.isFinite(value)) throw new UsageError(`<value> must be a finite number, got ${JSON.stringify(raw)}`);
    body = { trialId: trialId!, value };
  }
  const trial = answer(await api.typed.POST('/v1/studies/{studyId}/observe', { params: { path: { studyId: studyId! } }, body }));
  if (line.global.json) return json(out, trial);
  out.write(
    trial.state === 'failed'
      ? `trial ${trial.number} (${trial.id}) failed${trial.failureReason ? `: ${trial.failureReason}` : ''}\n`
      : `trial ${trial.number} (${trial.id}) completed with ${formatValue(trial.value)}\n`,
  );
}

/**
 * A running trial's value at a step. Either decision is a success (exit 0): `stop` is an
 * answer for the worker, not an error; a script reads it from the first line, or from
 * `decision` with --json.
 */
export async function reportCommand(api: Api, line: CommandLine, out: Out): Promise<void> {
  const usage = 'posterior report <studyId> <trialId> <step> <value>';
  const [studyId, trialId, rawStep, rawValue] = expectPositionals(line.positionals.slice(1), ['studyId', 'trialId', 'step', 'value'], usage);
  const step = Number(rawStep);
  if (rawStep!.trim() === '' || !Number.isInteger(step) || step < 1 || step > 1e9) {
    throw new UsageError(`<step> must be an integer from 1 to 1000000000, got ${JSON.stringify(rawStep)}`);
  }
  const value = Number(rawValue);
  if (rawValue!.trim() === '' || !Number.isFinite(value)) throw new UsageError(`<value> must be a finite number, got ${JSON.stringify(rawValue)}`);
  const answered = answer(
    await api.typed.POST('/v1/studies/{studyId}/trials/{trialId}/report', { params: { path: { studyId: studyId!, trialId: trialId! } }, body: { step, value } }),
  );
  if (line.global.json) return json(out, answered);
  const { trial } = answered;
  fields(out, [
    ['decision', answered.decision],
    ['reason', answered.reason],
    ['trial', `${trial.number} (${trial.id}) ${trial.state}${trial.state === 'stopped' ? ` with ${formatValue(trial.value)}` : ''}`],
  ]);
}

export async function bestCommand(api: Api, line: CommandLine, out: Out): Promise<void> {
  const [studyId] = expectPositionals(line.positionals.slice(1), ['studyId'], 'posterior best <studyId>');
  const trial = answer(await api.typed.GET('/v1/studies/{studyId}/best', { params: { path: { studyId: studyId! } } }));
  if (line.global.json) return json(out, trial);
  fields(out, [
    ['value', formatValue(trial.value)],
    ['trial', `${trial.number} (${trial.id})`],
    ...Object.entries(trial.params).map(([k, v]): [string, string] => [k, formatValue(v)]),
  ]);
}

export async function exportCommand(api: Api, line: CommandLine, out: Out): Promise<void> {
  const [studyId] = expectPositionals(line.positionals.slice(1), ['studyId'], 'posterior export <studyId> [--format csv|json] [-o FILE]');
  const format = line.options.format ?? (line.global.json ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json, got ${JSON.stringify(format)}`);
  // As text either way: the file is written as the server made it.
  const text = answer(
    await api.typed.GET('/v1/studies/{studyId}/export', {
      params: { path: { studyId: studyId! }, query: { format } },
      headers: { accept: format === 'csv' ? 'text/csv' : 'application/json' },
      parseAs: 'text',
    }),
  );
  const file = line.options.output;
  if (typeof file === 'string' && file !== '-') {
    const stream = createWriteStream(file);
    stream.end(text);
    await once(stream, 'finish');
  } else {
    out.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
