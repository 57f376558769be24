/**
 * An online backup of the SQLite database with SQLite's backup API, safe to take while the
 * server runs and writes: the copy is one consistent snapshot, checked with
 * `PRAGMA integrity_check`, and appears under its final name only once it is complete.
 *
 * Steps: open the source read-only → copy every page into `<target>.<pid>.partial` in the
 * target's folder → switch the copy to a rollback journal, check it, count its studies and
 * trials → fsync → move it to `<target>` → fsync the folder.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS, sqlitePath } from './database.js';

export type BackupReport = {
  /** Absolute paths of the database copied and of the copy. */
  source: string;
  target: string;
  studies: number;
  trials: number;
  /** Size of the copy. */
  bytes: number;
  /** Wall time of the whole backup: copy, check and move. */
  seconds: number;
};

/** A backup that was not attempted because of its arguments; nothing was written. */
export class BackupRefusedError extends Error {
  override readonly name = 'BackupRefusedError';
}

/** The copy was made but is not sound; it was removed and nothing was written under the target. */
export class BackupCheckError extends Error {
  override readonly name = 'BackupCheckError';
}

// NOTE: one step, one read transaction: a copy in chunks restarts from page 1 whenever the
// server writes between chunks, and did not finish in 20 s on 100 MB under a write every
// 5 ms; one step took 0.46 s. In WAL mode the reader never blocks the writers (decision 0001).
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the database named by `databaseUrl` (a `sqlite:` URL) to the file `to`. Refuses,
 * with a BackupRefusedError, a target that exists (unless `force`), a target that is the
 * database itself, and a source that is missing or not a Posterior database.
 */
export async function backupDatabase(databaseUrl: string, to: string, options: { force?: boolean } = {}): Promise<BackupReport> {
  const started = performance.now();
  let source: string;
  try {
    source = sqlitePath(databaseUrl);
  } catch (err) {
    throw new BackupRefusedError((err as Error).message);
  }
  if (source === ':memory:') throw new BackupRefusedError('an in-memory database cannot be backed up from another process');
  if (!existsSync(source)) throw new BackupRefusedError(`there is no database at ${source}`);
  const target = resolve(to);
  if (existsSync(target)) {
    if (realpathSync(target) === realpathSync(source)) throw new BackupRefusedError(`${target} is the database itself`);
    if (statSync(target).isDirectory()) throw new BackupRefusedError(`${target} is a folder; name the backup file`);
    if (!options.force) throw new BackupRefusedError(`${target} exists; pass --force to replace it`);
  }

  const folder = dirname(target);
  mkdirSync(folder, { recursive: true });
  const partial = join(folder, `${basename(target)}.${process.pid}-${randomBytes(3).toString('hex')}.partial`);
  try {
    await copyPages(source, partial);
    const { studies, trials } = checkedCounts(partial);
    syncFile(partial);
    moveIntoPlace(partial, target, options.force === true);
    syncFile(folder);
    return { source, target, studies, trials, bytes: statSync(target).size, seconds: (performance.now() - started) / 1000 };
  } finally {
    // Nothing is left behind on failure; after success `partial` is already gone.
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true });
  }
}

/** Every page of `source` into the new file `partial`, through a read-only connection. */
async function copyPages(source: string, partial: string): Promise<void> {
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new BackupRefusedError(`cannot open ${source}: ${(err as Error).message}`);
  }
  try {
    let tables: unknown[];
    try {
      tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('studies', 'trials')`).all();
    } catch (err) {
      // e.g. SQLITE_NOTADB: the file is not a database at all
      throw new BackupRefusedError(`cannot read ${source} as a database: ${(err as Error).message}`);
    }
    if (tables.length !== 2) throw new BackupRefusedError(`${source} has no studies and trials tables: it is not a Posterior database`);
    await db.backup(partial, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
}

/**
 * Checks the copy and counts what it holds. The copy carries the source's WAL mode in its
 * header; it is switched to a rollback journal so that it is one self-contained file that
 * opens without side files. The server turns WAL back on when it opens a restored copy.
 */
function checkedCounts(partial: string): { studies: number; trials: number } {
  const db = new Database(partial, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok') {
      throw new BackupCheckError(`the copy failed integrity_check: ${integrity.slice(0, 5).map((r) => r.integrity_check).join('; ')}`);
    }
    const orphans = db.pragma('foreign_key_check') as unknown[];
    if (orphans.length > 0) throw new BackupCheckError(`the copy failed foreign_key_check: ${orphans.length} rows refer to missing rows`);
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { studies: count('studies'), trials: count('trials') };
  } finally {
    db.close();
  }
}

/**
 * Gives the finished copy its name. Without `force` a hard link makes the name appear only
 * if it is still free (an atomic check); with `force` a rename replaces whatever is there.
 */
function moveIntoPlace(partial: string, target: string, force: boolean): void {
  if (force) return renameSync(partial, target);
  try {
    linkSync(partial, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new BackupRefusedError(`${target} appeared during the backup; pass --force to replace it`);
    // A file system without hard links: check, then rename (not atomic, but the best it offers).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    if (existsSync(target)) throw new BackupRefusedError(`${target} appeared during the backup; pass --force to replace it`);
    renameSync(partial, target);
  }
  rmSync(partial, { force: true });
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
