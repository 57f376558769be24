/** The online backup: what it copies, what it refuses, and that it never leaves a half file. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { backupDatabase, BackupRefusedError } from '../../src/storage/sqlite/backup.js';
import { DEFAULT_DATABASE_URL } from '../../src/storage/sqlite/database.js';
import { startHarness, studyBody, type Harness } from '../support/harness.js';

let h: Harness;
let dir: string;
let url: string;
beforeEach(async () => {
  h = startHarness();
  dir = mkdtempSync(join(tmpdir(), 'posterior-backup-'));
  url = `sqlite:${h.db.name}`;
  for (const name of ['a', 'b']) {
    const study = (await h.request.post('/v1/studies').send(studyBody({ name }))).body.id;
    const { body } = await h.request.post(`/v1/studies/${study}/suggest`).send({ count: 4 });
    await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: body.trials[0].id, value: 0.25 });
    await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: body.trials[1].id, failed: true, reason: 'OOM' });
  }
});
afterEach(() => {
  h.close();
  rmSync(dir, { recursive: true, force: true });
});

const refusal = (promise: Promise<unknown>) => expect(promise).rejects.toBeInstanceOf(BackupRefusedError);

describe('a backup', () => {
  test('copies every study and trial of an open database, including what is still only in its WAL', async () => {
    // The harness's connection is open and has not checkpointed: the rows are in the -wal file.
    const to = join(dir, 'copy.db');
    const report = await backupDatabase(url, to);
    expect(report).toMatchObject({ source: h.db.name, target: to, studies: 2, trials: 8 });
    expect(report.bytes).toBe(readFileSync(to).length);
    expect(report.seconds).toBeGreaterThan(0);

    const copy = new Database(to, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const original = h.db.prepare('SELECT id, state, value, failure_reason FROM trials ORDER BY id').all();
      expect(copy.prepare('SELECT id, state, value, failure_reason FROM trials ORDER BY id').all()).toEqual(original);
      // One self-contained file: a rollback journal, so opening it needs no -wal or -shm.
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    } finally {
      copy.close();
    }
    expect(readdirSync(dir)).toEqual(['copy.db']);
  });

  test('creates the target folder when it does not exist', async () => {
    const to = join(dir, 'nightly', '2026-01-01.db');
    expect((await backupDatabase(url, to)).trials).toBe(8);
    expect(readdirSync(join(dir, 'nightly'))).toEqual(['2026-01-01.db']);
  });

  test('refuses to replace an existing file and leaves it as it was; with force it replaces it', async () => {
    const to = join(dir, 'copy.db');
    writeFileSync(to, 'yesterday');
    await refusal(backupDatabase(url, to));
    await expect(backupDatabase(url, to)).rejects.toThrow(`${to} exists; pass --force to replace it`);
    expect(readFileSync(to, 'utf8')).toBe('yesterday');
    expect(readdirSync(dir)).toEqual(['copy.db']);

    expect((await backupDatabase(url, to, { force: true })).studies).toBe(2);
    expect(readFileSync(to).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  test('refuses, even with force, to write over the database itself', async () => {
    await expect(backupDatabase(url, h.db.name, { force: true })).rejects.toThrow('is the database itself');
    expect(h.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  test('refuses a folder as the target', async () => {
    await expect(backupDatabase(url, dir, { force: true })).rejects.toThrow('is a folder');
  });

  test.each([
    ['postgres://db/posterior', "must start with 'sqlite:'"],
    ['sqlite:', 'names no file'],
    ['sqlite::memory:', 'in-memory database'],
    ['sqlite:/nonexistent/posterior.db', 'there is no database at /nonexistent/posterior.db'],
  ])('refuses the database URL %s: "%s"', async (source, message) => {
    await refusal(backupDatabase(source, join(dir, 'copy.db')));
    await expect(backupDatabase(source, join(dir, 'copy.db'))).rejects.toThrow(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('refuses a file that is not a database, and a database that is not Posterior\'s, leaving no file behind', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database, but long enough for SQLite to look at its header '.repeat(10));
    await expect(backupDatabase(`sqlite:${text}`, join(dir, 'copy.db'))).rejects.toThrow(/cannot read .*notes\.txt as a database/);
    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)').close();
    await expect(backupDatabase(`sqlite:${other}`, join(dir, 'copy.db'))).rejects.toThrow('not a Posterior database');
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'other.db']);
  });
});

test('the default database is the server\'s default', () => {
  expect(loadConfig({}, 1).databaseUrl).toBe(DEFAULT_DATABASE_URL);
});
