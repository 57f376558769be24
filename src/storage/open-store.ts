/**
 * The store a `DATABASE_URL` names: `sqlite:` (the default; one file, one process or several
 * on one machine) or `postgres://` (any number of replicas on one database), migrated and
 * ready, with what the composition root needs to run on it and to close it.
 */
import type { Store, StudyLock } from '../domain/ports.js';
import { applyPgMigrations } from './postgres/migrator.js';
import { createPgPool, isPostgresUrl, redactedUrl } from './postgres/pool.js';
import { pgStore } from './postgres/store.js';
import { pgStudyLock } from './postgres/study-lock.js';
import { openDatabase, sqlitePath } from './sqlite/database.js';
import { applyMigrations } from './sqlite/migrator.js';
import { sqliteStore } from './sqlite/store.js';

export type OpenedStore = {
  store: Store;
  /** Turns on a study across processes; absent for SQLite (its transactions check for lost races). */
  studyLock?: StudyLock;
  /** The migrations this start applied. */
  applied: string[];
  /** Where the data is, for the log (a password never shows). */
  location: string;
  close(): Promise<void>;
};

export type StoreLog = { warn(obj: object, msg: string): void };

export async function openStore(url: string, log: StoreLog): Promise<OpenedStore> {
  if (isPostgresUrl(url)) {
    const onError = (error: Error) => log.warn({ err: error.message }, 'an idle database connection failed; the pool opens a new one when needed');
    const pool = createPgPool(url, { onError });
    const locks = createPgPool(url, { max: 32, onError });
    const applied = await applyPgMigrations(pool);
    return {
      store: pgStore(pool),
      studyLock: pgStudyLock(locks),
      applied,
      location: redactedUrl(url),
      close: async () => {
        await Promise.all([pool.end(), locks.end()]);
      },
    };
  }
  const db = openDatabase(url);
  const applied = applyMigrations(db);
  return { store: sqliteStore(db), applied, location: sqlitePath(url), close: async () => void db.close() };
}
