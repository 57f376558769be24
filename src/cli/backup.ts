/**
 * `posterior backup --to FILE [--database sqlite:PATH] [--force]`: an online snapshot of the
 * database, taken beside the running server (it needs no --url: it reads the file).
 */
import { BackupCheckError, backupDatabase, BackupRefusedError } from '../storage/sqlite/backup.js';
import { DEFAULT_DATABASE_URL } from '../storage/sqlite/database.js';
import { expectPositionals, UsageError, type CommandLine } from './args.js';
import { fields, json, type Out } from './output.js';

/** The command ran but did not do its job (exit code 3, like a server failure). */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
}

export async function backupCommand(line: CommandLine, env: NodeJS.ProcessEnv, out: Out): Promise<void> {
  expectPositionals(line.positionals.slice(1), [], 'posterior backup --to FILE [--database sqlite:PATH] [--force]');
  const to = line.options.to;
  if (typeof to !== 'string' || to === '') throw new UsageError('`posterior backup` needs --to FILE');
  // The same default as the server's, so that `posterior backup` beside `posterior serve` finds its file.
  const database = typeof line.options.database === 'string' ? line.options.database : env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  let report;
  try {
    report = await backupDatabase(database, to, { force: line.options.force === true });
  } catch (err) {
    if (err instanceof BackupRefusedError) throw new UsageError(err.message);
    if (err instanceof BackupCheckError) throw new CommandFailedError(err.message);
    throw new CommandFailedError(`the backup failed: ${(err as Error).message}`);
  }
  if (line.global.json) return json(out, { ...report, integrity: 'ok' });
  fields(out, [
    ['backed up', report.source],
    ['to', report.target],
    ['studies', String(report.studies)],
    ['trials', String(report.trials)],
    ['bytes', `${report.bytes} (${(report.bytes / 2 ** 20).toFixed(1)} MiB)`],
    ['seconds', report.seconds.toFixed(2)],
    ['integrity', 'ok (integrity_check and foreign_key_check)'],
  ]);
}
