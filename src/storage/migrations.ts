/**
 * The migration files of one engine: `NNNN_verb_noun.sql`, forward-only, each with the
 * SHA-256 checksum of its text, so that one edited after it was applied stops the start-up.
 * SQLite's are in `migrations/`, PostgreSQL's in `migrations/postgres/`: the same versions
 * and names, each in its engine's dialect.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export type Migration = { version: number; name: string; sql: string; checksum: string };

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}
