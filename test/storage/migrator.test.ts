import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { openDatabase, sqlitePath, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { applyMigrations, migrationsApplied, readMigrations } from '../../src/storage/sqlite/migrator.js';
import { sqliteStore } from '../../src/storage/sqlite/store.js';

let dir: string;
let db: SqliteDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'posterior-migrate-'));
  db = openDatabase(`sqlite:${join(dir, 'a', 'b', 'x.db')}`);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('applies every migration once, and a second run applies nothing', () => {
  const first = applyMigrations(db);
  expect(first).toEqual(readMigrations().map((m) => m.name));
  expect(applyMigrations(db)).toEqual([]);
  expect(migrationsApplied(db, readMigrations())).toBe(true);
});

test('refuses to start when an applied migration was edited', () => {
  applyMigrations(db);
  const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: 'different' } : m));
  expect(() => applyMigrations(db, edited)).toThrow(/edited after it was applied/);
});

test('a failing migration leaves nothing half-applied', () => {
  applyMigrations(db);
  const bad = { version: 9999, name: '9999_break_things', sql: 'CREATE TABLE half (x INTEGER); SELECT * FROM missing_table;', checksum: 'c' };
  expect(() => applyMigrations(db, [...readMigrations(), bad])).toThrow();
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
  expect(db.prepare('SELECT version FROM schema_migrations WHERE version = 9999').get()).toBeUndefined();
});

test('reads only NNNN_verb_noun.sql files, in order', () => {
  const mdir = join(dir, 'm');
  rmSync(mdir, { recursive: true, force: true });
  mkdirSync(mdir);
  writeFileSync(join(mdir, '0002_add_b.sql'), 'SELECT 2;');
  writeFileSync(join(mdir, '0001_add_a.sql'), 'SELECT 1;');
  writeFileSync(join(mdir, 'notes.txt'), 'x');
  expect(readMigrations(mdir).map((m) => m.name)).toEqual(['0001_add_a', '0002_add_b']);
});

test('opens the connection in WAL mode with foreign keys, a busy timeout and full sync', () => {
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  expect(db.pragma('synchronous', { simple: true })).toBe(2);
});

test.each([
  ['sqlite:./data/p.db', join(process.cwd(), 'data/p.db')],
  ['sqlite:/tmp/p.db', '/tmp/p.db'],
  ['sqlite:///tmp/p.db', '/tmp/p.db'],
  ['sqlite::memory:', ':memory:'],
])('DATABASE_URL %s names the file %s', (url, path) => {
  expect(sqlitePath(url)).toBe(path);
});

test('a DATABASE_URL that is not sqlite: is refused', () => {
  expect(() => sqlitePath('postgres://x')).toThrow(/sqlite:/);
});

test('0004 keeps every trial of a database made before it, and then allows a stopped trial with its reports', () => {
  const all = readMigrations();
  applyMigrations(db, all.filter((m) => m.version < 4));
  db.prepare(`INSERT INTO studies (id, name, parameters, objective, options, created_at) VALUES ('st_1', 'old', '[]', '{}', '{}', 1)`).run();
  const insert = db.prepare(`INSERT INTO trials (id, study_seq, number, params, params_key, state, value, source, created_at, prediction_mean, prediction_std, acquisition)
    VALUES (?, 1, ?, '{}', ?, ?, ?, 'initial', 1, ?, ?, ?)`);
  insert.run('tr_a', 0, 'a', 'completed', 0.5, 0.4, 0.1, -2);
  insert.run('tr_b', 1, 'b', 'pending', null, null, null, null);
  const before = db.prepare('SELECT * FROM trials ORDER BY number').all();
  applyMigrations(db, all.filter((m) => m.version <= 4));
  expect(db.prepare('SELECT * FROM trials ORDER BY number').all()).toEqual(before);
  applyMigrations(db, all);
  db.prepare(`UPDATE trials SET state = 'stopped', value = 0.9 WHERE id = 'tr_b'`).run();
  db.prepare(`INSERT INTO trial_reports (trial_id, study_seq, step, value, at, decision, reason, rung) VALUES ('tr_b', 1, 1, 0.9, 2, 'stop', 'r', 1)`).run();
  expect(() => db.prepare(`UPDATE trials SET state = 'stopped', value = NULL WHERE id = 'tr_a'`).run()).toThrow(/CHECK/);
  expect(db.pragma('foreign_key_check')).toEqual([]);
  db.prepare(`DELETE FROM studies WHERE id = 'st_1'`).run();
  expect(db.prepare('SELECT COUNT(*) AS n FROM trial_reports').get()).toEqual({ n: 0 });
});

test('0006 keeps every study, trial (with its metadata) and report of a database made before it, and then allows queued trials and paused studies', () => {
  const all = readMigrations();
  applyMigrations(db, all.filter((m) => m.version < 6));
  db.prepare(`INSERT INTO studies (id, name, parameters, objective, options, created_at) VALUES ('st_1', 'old', '[]', '{}', '{}', 1)`).run();
  const insert = db.prepare(`INSERT INTO trials (id, study_seq, number, params, params_key, state, value, source, created_at, lease_expires_at)
    VALUES (?, 1, ?, '{}', ?, ?, ?, 'initial', 1, ?)`);
  insert.run('tr_a', 0, 'a', 'completed', 0.5, null);
  insert.run('tr_b', 1, 'b', 'stopped', 0.9, null);
  insert.run('tr_c', 2, 'c', 'pending', null, 99);
  db.prepare(`INSERT INTO trial_reports (trial_id, study_seq, step, value, at, decision, reason, rung) VALUES ('tr_b', 1, 1, 0.9, 2, 'stop', 'r', 1)`).run();
  db.prepare(`UPDATE trials SET metadata = '{"url":"u"}' WHERE id = 'tr_a'`).run();
  db.prepare(`UPDATE studies SET metadata = '{"team":"vision"}'`).run();
  const trials = db.prepare('SELECT * FROM trials ORDER BY number').all();
  const reports = db.prepare('SELECT * FROM trial_reports').all();
  const { state: _state, ...study } = db.prepare('SELECT * FROM studies').get() as Record<string, unknown>;
  applyMigrations(db, all);
  expect(db.prepare('SELECT * FROM trials ORDER BY number').all()).toEqual(trials);
  expect(db.prepare('SELECT * FROM trial_reports').all()).toEqual(reports);
  expect(db.prepare('SELECT * FROM studies').get()).toEqual({ ...study, state: 'active' });
  db.prepare(`UPDATE studies SET state = 'paused'`).run();
  expect(() => db.prepare(`UPDATE studies SET state = 'stopped'`).run()).toThrow(/CHECK/);
  insert.run('tr_d', 3, 'd', 'queued', null, null);
  expect(() => insert.run('tr_e', 4, 'e', 'queued', null, 5)).toThrow(/CHECK/);
  expect(db.pragma('foreign_key_check')).toEqual([]);
  db.prepare(`DELETE FROM studies WHERE id = 'st_1'`).run();
  expect(db.prepare('SELECT COUNT(*) AS n FROM trial_reports').get()).toEqual({ n: 0 });
  expect(db.prepare('SELECT COUNT(*) AS n FROM trials').get()).toEqual({ n: 0 });
});

test('0005 adds metadata to studies and trials made before it, which read as {}', async () => {
  const all = readMigrations();
  applyMigrations(db, all.filter((m) => m.version < 5));
  db.prepare(`INSERT INTO studies (id, name, parameters, objective, options, created_at) VALUES ('st_1', 'old', '[]', '{"name":"value","goal":"minimize"}', '{}', 1)`).run();
  db.prepare(`INSERT INTO trials (id, study_seq, number, params, params_key, state, value, source, created_at)
    VALUES ('tr_a', 1, 0, '{}', 'a', 'completed', 0.5, 'initial', 1)`).run();
  applyMigrations(db, all);
  const store = sqliteStore(db);
  expect((await store.findStudy('st_1'))?.metadata).toEqual({});
  expect((await store.findTrial('st_1', 'tr_a'))?.metadata).toEqual({});
  await store.updateStudyMetadata('st_1', { team: 'vision' });
  await store.updateTrial({ ...(await store.findTrial('st_1', 'tr_a'))!, metadata: { url: 'u' } });
  expect((await store.findStudy('st_1'))?.metadata).toEqual({ team: 'vision' });
  expect((await store.findTrial('st_1', 'tr_a'))?.metadata).toEqual({ url: 'u' });
  // The empty object is stored as NULL, as before the migration.
  await store.updateStudyMetadata('st_1', {});
  expect(db.prepare(`SELECT metadata FROM studies WHERE id = 'st_1'`).get()).toEqual({ metadata: null });
});
