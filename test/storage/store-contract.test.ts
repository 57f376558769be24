/**
 * One contract for both engines: every `Store` method and the transaction's all-or-nothing,
 * run against SQLite (a temporary file) and PostgreSQL (a throwaway cluster,
 * test/support/postgres-cluster.ts). Without PostgreSQL here the second half skips with its
 * reason printed, except in CI, where it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Store } from '../../src/domain/ports.js';
import type { Study } from '../../src/domain/study.js';
import type { Trial } from '../../src/domain/trial.js';
import { applyPgMigrations } from '../../src/storage/postgres/migrator.js';
import { createPgPool } from '../../src/storage/postgres/pool.js';
import { pgStore } from '../../src/storage/postgres/store.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { applyMigrations } from '../../src/storage/sqlite/migrator.js';
import { sqliteStore } from '../../src/storage/sqlite/store.js';
import { startCluster, unavailableReason, type Cluster } from '../support/postgres-cluster.js';

type Engine = { name: string; open(): Promise<{ store: Store; close(): Promise<void> }> };

const sqlite: Engine = {
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'posterior-contract-'));
    const db = openDatabase(`sqlite:${join(dir, 'c.db')}`);
    applyMigrations(db);
    return { store: sqliteStore(db), close: async () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
  },
};

let cluster: Cluster | undefined;
const pgReason = unavailableReason();
if (pgReason && process.env.CI === 'true') throw new Error(`CI must run the PostgreSQL suites: ${pgReason}`);
if (pgReason) console.warn(`skipping the PostgreSQL store contract: ${pgReason}`);
const postgres: Engine = {
  name: 'PostgreSQL',
  async open() {
    const pool = createPgPool(await cluster!.createDatabase());
    await applyPgMigrations(pool);
    return { store: pgStore(pool), close: () => pool.end() };
  },
};

beforeAll(async () => {
  if (!pgReason) cluster = await startCluster();
}, 120_000);
afterAll(() => cluster?.stop());

const study = (id: string, name: string, options: Partial<Study['options']> = {}): Study => ({
  id,
  name,
  parameters: [{ name: 'x', type: 'float', low: 0, high: 1, log: false }],
  objective: { name: 'value', goal: 'minimize' },
  options: { seed: 1, initialTrials: 5, leaseSeconds: 60, algorithm: 'gp', earlyStopping: { rule: 'none' }, ...options },
  state: 'active',
  createdAt: 1_700_000_000_000,
  metadata: {},
});

const trial = (studyId: string, number: number, fields: Partial<Trial> = {}): Trial => ({
  id: `tr_${studyId}_${number}`,
  studyId,
  number,
  params: { x: number / 100 },
  paramsKey: `k${number}`,
  state: 'pending',
  value: null,
  failureReason: null,
  source: 'initial',
  createdAt: 1_700_000_000_000 + number,
  completedAt: null,
  leaseExpiresAt: 1_700_000_100_000,
  prediction: null,
  acquisition: null,
  metadata: {},
  ...fields,
});

describe.each([sqlite, postgres])('the $name store', (engine) => {
  const skip = engine === postgres && pgReason !== undefined;
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    if (skip) return;
    ({ store, close } = await engine.open());
  }, 60_000);
  afterAll(async () => {
    if (!skip) await close();
  });

  test.skipIf(skip)('stores a study and finds it by id and by name, and lists studies by page, prefix and state', async () => {
    await store.insertStudy(study('st_a', 'alpha-1', { maxTrials: 1 }));
    await store.insertStudy({ ...study('st_b', 'alpha-2'), metadata: { team: 'vision' } });
    await store.insertStudy(study('st_c', 'beta'));
    expect(await store.findStudy('st_b')).toEqual({ ...study('st_b', 'alpha-2'), metadata: { team: 'vision' } });
    expect((await store.findStudyByName('beta'))?.id).toBe('st_c');
    expect(await store.findStudy('st_none')).toBeUndefined();
    const first = await store.listStudies(undefined, 2);
    expect(first.items.map((s) => s.id)).toEqual(['st_a', 'st_b']);
    const second = await store.listStudies(first.nextCursor!, 2);
    expect(second).toEqual({ items: [expect.objectContaining({ id: 'st_c' })], nextCursor: null });
    expect((await store.listStudies(undefined, 10, { namePrefix: 'alpha' })).items.map((s) => s.id)).toEqual(['st_a', 'st_b']);
    // st_a reaches its maxTrials with one trial, none queued: readers see it completed.
    await store.insertTrial(trial('st_a', 0));
    expect((await store.listStudies(undefined, 10, { state: 'completed' })).items.map((s) => s.id)).toEqual(['st_a']);
    await store.setStudyState('st_c', 'paused');
    expect((await store.listStudies(undefined, 10, { state: 'active' })).items.map((s) => s.id)).toEqual(['st_b']);
    await store.updateStudyMetadata('st_c', { a: 1 });
    expect(await store.findStudy('st_c')).toMatchObject({ state: 'paused', metadata: { a: 1 } });
    await expect(store.listStudies('not-a-cursor', 2)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test.skipIf(skip)('stores trials, counts them by effective state, and finds them by id, key and value', async () => {
    await store.insertStudy(study('st_t', 'trials'));
    const now = 1_700_000_050_000;
    await store.insertTrial(trial('st_t', 0, { state: 'completed', value: 0.5, completedAt: 10, leaseExpiresAt: null, prediction: { mean: 0.4, std: 0.1 }, acquisition: -2 }));
    await store.insertTrial(trial('st_t', 1, { state: 'completed', value: 0.25, completedAt: 20, leaseExpiresAt: null }));
    await store.insertTrial(trial('st_t', 2, { state: 'failed', failureReason: 'oom', leaseExpiresAt: null }));
    await store.insertTrial(trial('st_t', 3, { leaseExpiresAt: now - 1 }));
    await store.insertTrial(trial('st_t', 4));
    await store.insertTrial(trial('st_t', 5, { state: 'queued', leaseExpiresAt: null, source: 'queued', metadata: { why: 'baseline' } }));
    expect(await store.trialCounts('st_t', now)).toEqual({ queued: 1, pending: 1, stale: 1, completed: 2, failed: 1, stopped: 0, total: 6 });
    expect(await store.nextTrialNumber('st_t')).toBe(6);
    expect(await store.findTrial('st_t', 'tr_st_t_0')).toEqual(trial('st_t', 0, { state: 'completed', value: 0.5, completedAt: 10, leaseExpiresAt: null, prediction: { mean: 0.4, std: 0.1 }, acquisition: -2 }));
    expect((await store.allTrials('st_t')).map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await store.findTrialsByIds('st_t', ['tr_st_t_4', 'tr_none', 'tr_st_t_1'])).map((t) => t.number)).toEqual([4, 1]);
    expect(await store.takenParamsKeys('st_t', ['k9', 'k2', 'k5'])).toEqual(['k2', 'k5']);
    expect((await store.trialWithParamsKey('st_t', 'k5'))?.metadata).toEqual({ why: 'baseline' });
    expect((await store.bestTrial('st_t', 'minimize'))?.number).toBe(1);
    expect((await store.bestTrial('st_t', 'maximize'))?.number).toBe(0);
    const stale = await store.listTrials('st_t', { state: 'stale', limit: 10 }, now);
    expect(stale.items.map((t) => t.number)).toEqual([3]);
    const page = await store.listTrials('st_t', { limit: 4 }, now);
    expect(page.items.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect((await store.listTrials('st_t', { limit: 4, cursor: page.nextCursor! }, now)).items.map((t) => t.number)).toEqual([4, 5]);
    expect(await store.lastActivity('st_t')).toBe(1_700_000_000_005);
    expect(await store.lastActivity('st_a')).toBe(1_700_000_000_000);
  });

  test.skipIf(skip)('claims and deletes a queued trial only while it is queued, and updates the mutable fields', async () => {
    expect(await store.claimQueuedTrial('tr_st_t_5', 99)).toBe(true);
    expect(await store.claimQueuedTrial('tr_st_t_5', 99)).toBe(false);
    expect(await store.deleteQueuedTrial('st_t', 'tr_st_t_5')).toBe(false);
    await store.insertTrial(trial('st_t', 6, { state: 'queued', leaseExpiresAt: null }));
    expect(await store.deleteQueuedTrial('st_t', 'tr_st_t_6')).toBe(true);
    const t4 = (await store.findTrial('st_t', 'tr_st_t_4'))!;
    await store.updateTrial({ ...t4, state: 'stopped', value: 1.5, completedAt: 30, leaseExpiresAt: null, metadata: { m: [1, 2] } });
    expect(await store.findTrial('st_t', 'tr_st_t_4')).toMatchObject({ state: 'stopped', value: 1.5, completedAt: 30, leaseExpiresAt: null, metadata: { m: [1, 2] } });
  });

  test.skipIf(skip)('keeps reports, rung values and running averages, and the fitted model', async () => {
    await store.insertStudy(study('st_r', 'reports'));
    for (let n = 0; n < 3; n++) await store.insertTrial(trial('st_r', n));
    const report = (step: number, value: number, rung: number | null = null) => ({ step, value, at: 5 + step, decision: 'continue' as const, reason: 'r', rung });
    await store.insertTrialReport('st_r', 'tr_st_r_0', report(1, 4, 1));
    await store.insertTrialReport('st_r', 'tr_st_r_0', report(3, 2));
    await store.insertTrialReport('st_r', 'tr_st_r_1', report(1, 6, 1));
    await store.insertTrialReport('st_r', 'tr_st_r_2', report(2, 1));
    expect(await store.trialReports('st_r', 'tr_st_r_0')).toEqual([report(1, 4, 1), report(3, 2)]);
    expect((await store.studyReports('st_r')).get('tr_st_r_0')).toEqual([report(1, 4, 1), report(3, 2)]);
    expect(await store.rungValues('st_r', 1, 'tr_st_r_1')).toEqual([{ number: 0, value: 4 }]);
    expect((await store.runningAverages('st_r', 2, 'tr_st_r_1')).sort()).toEqual([1, 4]);
    expect(await store.lastActivity('st_r')).toBe(1_700_000_000_002);
    expect(await store.studyModel('st_r')).toBeUndefined();
    await store.saveStudyModel('st_r', { kind: 'gp', state: { theta: [0.5, -1] } });
    expect(await store.studyModel('st_r')).toEqual({ kind: 'gp', state: { theta: [0.5, -1] } });
  });

  test.skipIf(skip)('records idempotency keys per study, counts totals, and deletes a study with everything of it', async () => {
    await store.insertIdempotencyKey('st_r', 'key-1', { requestHash: 'h', trialIds: ['tr_st_r_1', 'tr_st_r_0'] }, 7);
    expect(await store.findIdempotencyKey('st_r', 'key-1')).toEqual({ requestHash: 'h', trialIds: ['tr_st_r_1', 'tr_st_r_0'] });
    expect(await store.findIdempotencyKey('st_t', 'key-1')).toBeUndefined();
    const before = await store.totals(1_700_000_050_000);
    expect(before.studies).toBe(5);
    expect(await store.deleteStudy('st_r')).toBe(true);
    expect(await store.deleteStudy('st_r')).toBe(false);
    expect(await store.allTrials('st_r')).toEqual([]);
    expect(await store.findIdempotencyKey('st_r', 'key-1')).toBeUndefined();
    const after = await store.totals(1_700_000_050_000);
    expect(after.studies).toBe(4);
    expect(after.trials.pending).toBe(before.trials.pending - 3);
  });

  test.skipIf(skip)('a transaction commits all its writes or, when its callback throws, none', async () => {
    await store.insertStudy(study('st_x', 'tx'));
    await expect(
      store.transaction(async (tx) => {
        await tx.insertTrial(trial('st_x', 0));
        expect((await tx.allTrials('st_x')).length).toBe(1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await store.allTrials('st_x')).toEqual([]);
    const n = await store.transaction(async (tx) => {
      await tx.insertTrial(trial('st_x', 0));
      await tx.insertTrial(trial('st_x', 1));
      return tx.nextTrialNumber('st_x');
    });
    expect(n).toBe(2);
    expect((await store.allTrials('st_x')).length).toBe(2);
    expect(await store.isReady()).toBe(true);
  });

  test.skipIf(skip)('concurrent read-then-write transactions behave as if run one at a time: 20 inserts, 20 numbers', async () => {
    await store.insertStudy(study('st_c2', 'concurrent'));
    const numbers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.transaction(async (tx) => {
          const number = await tx.nextTrialNumber('st_c2');
          await tx.insertTrial({ ...trial('st_c2', number), id: `tr_c_${i}`, paramsKey: `c${i}` });
          return number;
        }),
      ),
    );
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
