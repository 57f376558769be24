/**
 * PostgreSQL's migrations: applied once when several replicas start together (the advisory
 * lock), recorded with their checksums, and a migration edited after it was applied stops
 * the start-up, as on SQLite (migrator.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyPgMigrations, migrationsApplied, readPgMigrations } from '../../src/storage/postgres/migrator.js';
import { createPgPool } from '../../src/storage/postgres/pool.js';
import { startCluster, unavailableReason, type Cluster } from '../support/postgres-cluster.js';

const reason = unavailableReason();
if (reason && process.env.CI === 'true') throw new Error(`CI must run the PostgreSQL migrator tests: ${reason}`);
if (reason) console.warn(`skipping the PostgreSQL migrator tests: ${reason}`);

let cluster: Cluster | undefined;
beforeAll(async () => {
  if (!reason) cluster = await startCluster();
}, 120_000);
afterAll(() => cluster?.stop());

describe.skipIf(reason !== undefined)('PostgreSQL migrations', () => {
  test('five replicas starting at once apply each migration exactly once', async () => {
    const url = await cluster!.createDatabase();
    const pools = Array.from({ length: 5 }, () => createPgPool(url));
    try {
      const applied = await Promise.all(pools.map((pool) => applyPgMigrations(pool)));
      const all = readPgMigrations().map((m) => m.name);
      expect(applied.flat().sort()).toEqual(all.sort());
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
      expect(await migrationsApplied(pools[0]!)).toBe(true);
      const { rows } = await pools[0]!.query('SELECT name, checksum FROM schema_migrations ORDER BY version');
      expect(rows).toEqual(readPgMigrations().map((m) => ({ name: m.name, checksum: m.checksum })));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  }, 60_000);

  test('a migration edited after it was applied stops the start-up, and a missing one is reported not applied', async () => {
    const pool = createPgPool(await cluster!.createDatabase());
    try {
      const [first, ...rest] = readPgMigrations();
      await applyPgMigrations(pool, [first!]);
      await expect(applyPgMigrations(pool, [{ ...first!, sql: `${first!.sql}\n-- edited`, checksum: 'f'.repeat(64) }])).rejects.toThrow(/was edited after it was applied/);
      const later = { version: 9999, name: '9999_add_nothing', sql: 'SELECT 1', checksum: 'a'.repeat(64) };
      expect(await migrationsApplied(pool, [first!, ...rest, later])).toBe(false);
      // The lock was released: another run proceeds at once.
      expect(await applyPgMigrations(pool, [first!, later])).toEqual(['9999_add_nothing']);
    } finally {
      await pool.end();
    }
  }, 60_000);
});
