/** `posterior trials list`: a study's trials as a table, optionally only those in one state. */
import { expectPositionals, UsageError, type CommandLine } from './args.js';
import { answer, type Api, type Trial } from './client.js';
import { json, trialTable, type Out } from './output.js';

export const TRIAL_STATES = ['queued', 'pending', 'completed', 'failed', 'stale', 'stopped'] as const;
export type TrialStateName = (typeof TRIAL_STATES)[number];

/** Every trial of the study by number (every page), optionally only those in `state`. */
export async function allTrials(api: Api, studyId: string, state?: TrialStateName): Promise<Trial[]> {
  const trials: Trial[] = [];
  let cursor: string | undefined;
  do {
    const page = answer(
      await api.typed.GET('/v1/studies/{studyId}/trials', {
        params: { path: { studyId }, query: { limit: 1000, ...(state ? { state } : {}), ...(cursor ? { cursor } : {}) } },
      }),
    );
    trials.push(...page.trials);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return trials;
}

export async function trialsCommand(api: Api, line: CommandLine, out: Out): Promise<void> {
  const [, sub, ...rest] = line.positionals;
  if (sub !== 'list') {
    throw new UsageError(sub ? `unknown command \`trials ${sub}\`; use list` : '`posterior trials` needs list');
  }
  const [studyId] = expectPositionals(rest, ['studyId'], 'posterior trials list <studyId> [--state STATE]');
  const state = line.options.state;
  if (state !== undefined && !TRIAL_STATES.includes(state as TrialStateName)) {
    throw new UsageError(`--state must be one of ${TRIAL_STATES.join(', ')}, got ${JSON.stringify(state)}`);
  }
  const trials = await allTrials(api, studyId!, state as TrialStateName | undefined);
  if (line.global.json) return json(out, { trials });
  if (trials.length === 0) return out.write(state ? `no ${state} trials\n` : 'no trials yet\n');
  trialTable(out, trials, { source: true });
}
