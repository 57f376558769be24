/**
 * `posterior migrate-storage --from sqlite:./data/posterior.db --to postgres://...`: copies
 * every study, trial, report and fitted model into an empty database of either engine
 * (storage/copy-store.ts), and checks the counts. Run it with the servers stopped.
 */
import { copyStore, CopyMismatchError, TargetNotEmptyError } from '../storage/copy-store.js';
import { openStore, type OpenedStore } from '../storage/open-store.js';
import { expectPositionals, UsageError, type CommandLine } from './args.js';
import { CommandFailedError } from './backup.js';
import { fields, json, type Out } from './output.js';

const USAGE = 'posterior migrate-storage --from DATABASE_URL --to DATABASE_URL';

export async function migrateStorageCommand(line: CommandLine, out: Out): Promise<void> {
  expectPositionals(line.positionals.slice(1), [], USAGE);
  const { from, to } = line.options;
  if (typeof from !== 'string' || typeof to !== 'string' || from === '' || to === '') throw new UsageError(`${USAGE}: both --from and --to are needed`);
  if (from === to) throw new UsageError('--from and --to name the same database');
  const quiet = { warn: () => undefined };
  const opened: OpenedStore[] = [];
  try {
    const source = await openStore(from, quiet);
    opened.push(source);
    const target = await openStore(to, quiet);
    opened.push(target);
    const started = performance.now();
    const report = await copyStore(source.store, target.store);
    const seconds = (performance.now() - started) / 1000;
    if (line.global.json) return json(out, { from: source.location, to: target.location, ...report, seconds, verified: true });
    fields(out, [
      ['from', source.location],
      ['to', target.location],
      ['studies', String(report.studies)],
      ['trials', String(report.trials)],
      ['reports', String(report.reports)],
      ['fitted models', String(report.models)],
      ['seconds', seconds.toFixed(2)],
      ['verified', 'studies and trials by state counted in both'],
    ]);
  } catch (err) {
    if (err instanceof TargetNotEmptyError) throw new UsageError(err.message);
    if (err instanceof CopyMismatchError || err instanceof UsageError) throw err instanceof UsageError ? err : new CommandFailedError(err.message);
    throw new CommandFailedError(`the migration failed: ${(err as Error).message}`);
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
}
