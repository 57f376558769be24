/** `posterior pause`, `resume` and `complete`: a study's state, by `PATCH /v1/studies/{id}`. */
import { expectPositionals, type CommandLine } from './args.js';
import { answer, type Api } from './client.js';
import { json, type Out } from './output.js';

/** The state each command sets. */
export const controlStates = { pause: 'paused', resume: 'active', complete: 'completed' } as const;

export type ControlCommand = keyof typeof controlStates;

export async function studyControlCommand(api: Api, command: ControlCommand, line: CommandLine, out: Out): Promise<void> {
  const [studyId] = expectPositionals(line.positionals.slice(1), ['studyId'], `posterior ${command} <studyId>`);
  const study = answer(
    await api.typed.PATCH('/v1/studies/{studyId}', { params: { path: { studyId: studyId! } }, body: { state: controlStates[command] } }),
  );
  if (line.global.json) return json(out, study);
  const c = study.trialCounts;
  out.write(`study ${study.id} (${study.name}) is ${study.state}; ${c.pending} running, ${c.queued} queued\n`);
}
