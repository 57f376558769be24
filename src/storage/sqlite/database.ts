/**
 * Opens the SQLite database named by `DATABASE_URL` and sets the pragmas every
 * connection needs.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** The database when `DATABASE_URL` is not set (config.ts uses the same; a test keeps them equal). */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/posterior.db';

/** Milliseconds a writer waits for another connection's lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * The file path of a `sqlite:` URL: `sqlite:./data/x.db` (relative to the working
 * directory), `sqlite:/abs/x.db`, `sqlite:///abs/x.db`, or `sqlite::memory:`.
 */
export function sqlitePath(url: string): string {
  if (!url.startsWith('sqlite:')) throw new Error(`DATABASE_URL must start with 'sqlite:', got '${url}'`);
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '') throw new Error('DATABASE_URL names no file');
  return rest === ':memory:' ? rest : resolve(rest);
}

export function openDatabase(url: string): SqliteDatabase {
  const path = sqlitePath(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NOTE: FULL, not the usual NORMAL for WAL: NORMAL survives a process crash but may lose
  // the last commits on power loss, and a 2xx promises the write is on disk (decision 0020).
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return db;
}
