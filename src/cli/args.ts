/**
 * The command line: global options, the command, its positionals and options, parsed with
 * node:util parseArgs. Every mistake is a UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type GlobalOptions = { url: string; apiKey: string | undefined; json: boolean };

export type CommandLine = {
  global: GlobalOptions;
  help: boolean;
  /** The command's words, e.g. ['studies', 'list'] or ['suggest', 'st_…']. */
  positionals: string[];
  options: Record<string, string | boolean | undefined>;
};

const globalOptions = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every command's own options; an option used with another command is a usage error. */
export const commandOptions = {
  serve: { port: { type: 'string' }, host: { type: 'string' }, database: { type: 'string' } },
  studies: { file: { type: 'string' } },
  suggest: { count: { type: 'string' }, 'idempotency-key': { type: 'string' } },
  observe: { failed: { type: 'boolean' }, reason: { type: 'string' } },
  report: {},
  best: {},
  pause: {},
  resume: {},
  complete: {},
  trials: { state: { type: 'string' } },
  watch: { interval: { type: 'string' }, last: { type: 'string' }, once: { type: 'boolean' } },
  export: { format: { type: 'string' }, output: { type: 'string', short: 'o' } },
  import: { file: { type: 'string' }, format: { type: 'string' }, 'idempotency-key': { type: 'string' } },
  backup: { to: { type: 'string' }, database: { type: 'string' }, force: { type: 'boolean' } },
  'migrate-storage': { from: { type: 'string' }, to: { type: 'string' } },
} as const;

export type CommandName = keyof typeof commandOptions;

// NOTE: parseArgs reads `-0.5` as a short option, but `observe <study> <trial> -0.5` (or
// `report … 3 -0.5`) is a value. Numbers are swapped for a marked token before parsing and restored after.
const NUMBER = /^-(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const MARK = '\u0000';
const unmark = (s: string) => (s.startsWith(MARK) ? s.slice(1) : s);

export function parseCommandLine(argv: string[], env: NodeJS.ProcessEnv): CommandLine {
  const allOptions = { ...globalOptions };
  for (const options of Object.values(commandOptions)) Object.assign(allOptions, options);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.map((a) => (NUMBER.test(a) ? MARK + a : a)),
      options: allOptions,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const positionals = parsed.positionals.map(unmark);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const options: CommandLine['options'] = {};
  for (const [name, value] of Object.entries(values)) options[name] = typeof value === 'string' ? unmark(value) : value;

  const command = positionals[0];
  if (command && command in commandOptions) {
    const allowed = commandOptions[command as CommandName] as Record<string, unknown>;
    for (const token of parsed.tokens ?? []) {
      if (token.kind === 'option' && !(token.name in globalOptions) && !(token.name in allowed)) {
        throw new UsageError(`${token.rawName} is not an option of \`posterior ${command}\``);
      }
    }
  }
  return {
    global: {
      url: ((options.url as string | undefined) ?? env.POSTERIOR_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
      apiKey: (options['api-key'] as string | undefined) ?? (env.POSTERIOR_API_KEY || undefined),
      json: options.json === true,
    },
    help: options.help === true,
    positionals,
    options,
  };
}

/** The positionals after the command words, exactly `names.length` of them. */
export function expectPositionals(got: string[], names: string[], usage: string): string[] {
  if (got.length < names.length) throw new UsageError(`missing ${names.slice(got.length).map((n) => `<${n}>`).join(' ')}; usage: ${usage}`);
  if (got.length > names.length) throw new UsageError(`unexpected argument ${JSON.stringify(got[names.length])}; usage: ${usage}`);
  return got;
}

export function integerOption(value: string | boolean | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export const usage = `Usage: posterior [--url URL] [--api-key KEY] [--json] <command>

Commands:
  serve [--port N] [--host H] [--database sqlite:PATH]   run the service
  studies list                                            every study
  studies show <studyId>                                  a study, its space, its counts and best trial
  studies create --file space.json                        create a study (or find it by name and definition); - reads stdin
  studies delete <studyId>                                delete a study and its trials
  suggest <studyId> [--count N] [--idempotency-key K]     lease N new trials (default 1)
  observe <studyId> <trialId> <value>                     complete a trial
  observe <studyId> <trialId> --failed [--reason TEXT]    report a failed run
  report <studyId> <trialId> <step> <value>               report a running trial's value at a step (epoch);
                                                          prints the decision (continue or stop) and why
  best <studyId>                                          the best completed trial
  pause <studyId>                                         stop suggesting; running trials still report and finish
  resume <studyId>                                        make a paused (or completed) study active again
  complete <studyId>                                      end the study: suggest answers STUDY_COMPLETE
  trials list <studyId> [--state STATE]                   the study's trials; STATE is queued, pending,
                                                          completed, failed, stale or stopped
  watch <studyId> [--interval S] [--last N] [--once]      a live view: trials by state, the best so far and
                                                          its sparkline, the last N results (default 5),
                                                          redrawn every S seconds (default 2) until Ctrl-C;
                                                          --once prints one view and exits; colours unless
                                                          NO_COLOR is set or the output is not a terminal
  export <studyId> [--format csv|json] [-o FILE]          every trial, as CSV (default) or JSON
  import <studyId> --file FILE [--format csv|json]        record the completed, failed and stopped trials of an export
         [--idempotency-key K]                            (CSV or JSON, by the file's extension) in one request;
                                                          - reads stdin
  backup --to FILE [--database sqlite:PATH] [--force]     copy the database file, also while the server runs;
                                                          --force replaces FILE; the database defaults to
                                                          $DATABASE_URL, then sqlite:./data/posterior.db
  migrate-storage --from URL --to URL                     copy every study, trial, report and fitted model into
                                                          an empty database (sqlite: or postgres://), checking
                                                          the counts; run it with the servers stopped

Global options:
  --url URL        the service (default: $POSTERIOR_URL or http://127.0.0.1:8080)
  --api-key KEY    bearer key (default: $POSTERIOR_API_KEY)
  --json           machine output: the API's JSON answers; errors as problem documents on stderr
  -h, --help       this help

Exit codes: 0 ok, 1 the API refused the request (4xx), 2 usage error,
3 the server is unreachable or failed (5xx), or the backup failed.
`;
