/**
 * `posterior migrate-storage`: a study made through the API (trials in every state, reports,
 * a fitted model) copied from SQLite into an empty SQLite file and into an empty PostgreSQL
 * database reads back the same through the target's store; a non-empty target is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';
import { migrateStorageCommand } from '../../src/cli/migrate-storage.js';
import type { Store } from '../../src/domain/ports.js';
import { openStore } from '../../src/storage/open-store.js';
import { startHarness, studyBody, type Harness } from '../support/harness.js';
import { startCluster, unavailableReason, type Cluster } from '../support/postgres-cluster.js';

const pgReason = unavailableReason();
if (pgReason && process.env.CI === 'true') throw new Error(`CI must run the PostgreSQL migration test: ${pgReason}`);
if (pgReason) console.warn(`skipping migrate-storage into PostgreSQL: ${pgReason}`);

let h: Harness;
let dir: string;
let cluster: Cluster | undefined;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'posterior-migrate-'));
  if (!pgReason) cluster = await startCluster();
  h = startHarness();
  const study = (await h.request.post('/v1/studies').send(studyBody({ options: { seed: 7, initialTrials: 2, earlyStopping: { rule: 'asha', maxStep: 9 } } }))).body.id;
  for (let i = 0; i < 4; i++) {
    const { body } = await h.request.post(`/v1/studies/${study}/suggest`).send({});
    const id = body.trials[0].id;
    await h.request.post(`/v1/studies/${study}/trials/${id}/report`).send({ step: 1, value: 3 - i });
    if (i < 3) await h.request.post(`/v1/studies/${study}/observe`).send(i === 1 ? { trialId: id, failed: true, reason: 'oom' } : { trialId: id, value: 1 - i / 10 });
  }
  await h.request.post(`/v1/studies/${study}/trials`).send({ params: { lr: 0.01, layers: 2, batch: 32, optimizer: 'sgd' } });
  await h.request.post('/v1/studies').send(studyBody({ name: 'second', metadata: { team: 'vision' } }));
  await h.deps.studyLocks.drain();
}, 120_000);
afterAll(() => {
  h.close();
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything a store holds, in a comparable form. */
async function contents(store: Store) {
  const studies = (await store.listStudies(undefined, 100)).items;
  return Promise.all(
    studies.map(async (s) => ({
      study: s,
      trials: await store.allTrials(s.id),
      reports: [...(await store.studyReports(s.id)).entries()].sort(),
      model: await store.studyModel(s.id),
    })),
  );
}

async function migrate(to: string): Promise<string> {
  let out = '';
  await migrateStorageCommand(parseCommandLine(['migrate-storage', '--from', `sqlite:${h.db.name}`, '--to', to], {}), { write: (t) => void (out += t) });
  return out;
}

describe('posterior migrate-storage', () => {
  const targets = [
    ['an empty SQLite file', () => Promise.resolve(`sqlite:${join(dir, 'copy.db')}`)],
    ['an empty PostgreSQL database', () => cluster!.createDatabase()],
  ] as const;
  test.each(targets)('copies every study, trial, report and fitted model into %s, and refuses to copy again', async (name, target) => {
    if (name.includes('PostgreSQL') && pgReason) return;
    const url = await target();
    const out = await migrate(url);
    expect(out).toMatch(/studies:\s+2/);
    expect(out).toMatch(/trials:\s+5/);
    expect(out).toMatch(/fitted models:\s+1/);
    const source = await contents(h.store);
    const copy = await openStore(url, { warn: () => undefined });
    try {
      const copied = await contents(copy.store);
      expect(copied).toEqual(source);
      expect(copied[0]!.trials.map((t) => t.state).sort()).toEqual(['completed', 'completed', 'failed', 'pending', 'queued']);
      expect(copied[0]!.model).toBeDefined();
    } finally {
      await copy.close();
    }
    await expect(migrate(url)).rejects.toThrow(UsageError);
  }, 120_000);

  test('names its usage when an option is missing', async () => {
    await expect(migrateStorageCommand(parseCommandLine(['migrate-storage', '--from', 'sqlite:x.db'], {}), { write: () => undefined })).rejects.toThrow(/--from and --to/);
  });
});
