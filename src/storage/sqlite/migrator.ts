/**
 * Forward-only migrations of the SQLite database (`migrations/NNNN_verb_noun.sql`, read by
 * ../migrations.ts), applied in order at start-up, each in its own transaction together with
 * its row in `schema_migrations`. A migration that was applied and has since been edited
 * stops the start-up: they never change after they land.
 */
import { readMigrations, type Migration } from '../migrations.js';
import type { SqliteDatabase } from './database.js';

export { MIGRATIONS_DIR, readMigrations, type Migration } from '../migrations.js';

/** Applies every migration not yet applied; returns the names it applied. */
export function applyMigrations(db: SqliteDatabase, migrations: Migration[] = readMigrations()): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Map(
    (db.prepare('SELECT version, name, checksum FROM schema_migrations').all() as { version: number; name: string; checksum: string }[]).map(
      (r) => [r.version, r],
    ),
  );
  const done: string[] = [];
  for (const m of migrations) {
    const previous = applied.get(m.version);
    if (previous) {
      if (previous.checksum !== m.checksum) {
        throw new Error(`migration ${m.name} was edited after it was applied; add a new migration instead`);
      }
      continue;
    }
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
        m.version,
        m.name,
        m.checksum,
        Date.now(),
      );
    }).immediate();
    done.push(m.name);
  }
  return done;
}

/** Whether every migration in `migrations` is recorded as applied. */
export function migrationsApplied(db: SqliteDatabase, migrations: Migration[]): boolean {
  const rows = db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
  const versions = new Set(rows.map((r) => r.version));
  return migrations.every((m) => versions.has(m.version));
}
