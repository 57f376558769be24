/**
 * Forward-only, checksummed migrations of the PostgreSQL database
 * (`migrations/postgres/NNNN_verb_noun.sql`, read by ../migrations.ts), each applied in its
 * own transaction together with its row in `schema_migrations`.
 *
 * Several replicas may start at once: the whole run holds a session advisory lock, so one
 * replica applies what is missing while the others wait for it and then find nothing to do.
 */
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import { readMigrations, type Migration } from '../migrations.js';

export const PG_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/postgres/', import.meta.url));

/** The advisory lock key of the migration run: any constant that no other lock uses (see study-lock.ts). */
export const MIGRATION_LOCK_KEY = 0x706f7374; // 'post'

export const readPgMigrations = (): Migration[] => readMigrations(PG_MIGRATIONS_DIR);

/** Applies every migration not yet applied, under the advisory lock; returns the names it applied. */
export async function applyPgMigrations(pool: Pool, migrations: Migration[] = readPgMigrations()): Promise<string[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations');
      const applied = new Map(rows.map((r) => [r.version, r]));
      const done: string[] = [];
      for (const m of migrations) {
        const previous = applied.get(m.version);
        if (previous) {
          if (previous.checksum !== m.checksum) throw new Error(`migration ${m.name} was edited after it was applied; add a new migration instead`);
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [m.version, m.name, m.checksum, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        done.push(m.name);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A connection that failed is dropped rather than pooled: it may still hold the lock.
    client.release(broken);
  }
}

/** Whether every migration is recorded as applied (the readiness probe's question). */
export async function migrationsApplied(pool: Pool, migrations: Migration[] = readPgMigrations()): Promise<boolean> {
  const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations');
  const versions = new Set(rows.map((r) => r.version));
  return migrations.every((m) => versions.has(m.version));
}
