/**
 * Early-stopping decisions under concurrency and crashes (issue 12): many reports at once
 * through two server processes on one database file, and a SIGKILL mid-rung. Every stored
 * decision must be the one ASHA gives against the values recorded before it (in commit
 * order), and a decision once answered must never change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, test } from 'vitest';
import { ashaPromotes, bracketOf, type AshaSettings } from '../../src/domain/early-stopping/asha.js';
import { json, startServer, type ServerProcess } from '../support/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'posterior-es-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settings: AshaSettings = { minStep: 1, maxStep: 27, reductionFactor: 3, mode: 'standard' };

/** Replays the stored rung decisions in commit order and returns those that disagree with ASHA. */
function inconsistentDecisions(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT r.rowid, t.number, r.trial_id, r.rung, r.value, r.decision FROM trial_reports r JOIN trials t ON t.id = r.trial_id
        WHERE r.rung IS NOT NULL ORDER BY r.rowid`)
      .all() as { number: number; trial_id: string; rung: number; value: number; decision: string }[];
    const seen = new Map<string, number[]>();
    const wrong: string[] = [];
    for (const row of rows) {
      const key = `${bracketOf(row.number, settings)}@${row.rung}`;
      const before = seen.get(key) ?? [];
      const expected = ashaPromotes(row.value, before, settings.reductionFactor, 'minimize').promote ? 'continue' : 'stop';
      if (expected !== row.decision) wrong.push(`${row.trial_id} at rung ${row.rung}: ${row.decision}, ASHA says ${expected}`);
      seen.set(key, [...before, row.value]);
    }
    return wrong;
  } finally {
    db.close();
  }
}

const curve = (trial: number, step: number) => 1 / (1 + 0.3 * step) + ((trial * 0.618034) % 1) * 0.5;

async function createStudy(url: string, name: string): Promise<string> {
  const res = await json(`${url}/v1/studies`, 'POST', {
    name,
    parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }],
    objective: { goal: 'minimize' },
    options: { seed: 4, algorithm: 'random', earlyStopping: { rule: 'asha', ...settings } },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

test('two server processes judging concurrent reports agree with ASHA in commit order, and retries get the answer already given', async () => {
  const file = join(dir, 'two.db');
  const env = { DATABASE_URL: `sqlite:${file}` };
  const servers: ServerProcess[] = [await startServer(env), await startServer(env)];
  try {
    const study = await createStudy(servers[0]!.url, 'two');
    const leased = await json(`${servers[1]!.url}/v1/studies/${study}/suggest`, 'POST', { count: 24 });
    const trials = leased.body.trials as { id: string; number: number }[];
    const answers = new Map<string, string>();
    // Every trial reports steps 1..9 as fast as it can, alternating between the processes.
    await Promise.all(
      trials.map(async (t) => {
        for (let step = 1; step <= 9; step++) {
          const url = servers[(t.number + step) % 2]!.url;
          const r = await json(`${url}/v1/studies/${study}/trials/${t.id}/report`, 'POST', { step, value: curve(t.number, step) });
          expect(r.status).toBe(200);
          answers.set(`${t.id}/${step}`, r.body.decision);
          if (r.body.decision === 'stop') return;
        }
      }),
    );
    expect(inconsistentDecisions(file)).toEqual([]);
    // A retry through the other process gets the same answer.
    for (const [key, decision] of answers) {
      const [id, step] = key.split('/') as [string, string];
      const t = trials.find((x) => x.id === id)!;
      const url = servers[(t.number + Number(step) + 1) % 2]!.url;
      const again = await json(`${url}/v1/studies/${study}/trials/${id}/report`, 'POST', { step: Number(step), value: curve(t.number, Number(step)) });
      expect(again.body.decision).toBe(decision);
    }
    const stopped = [...answers.values()].filter((d) => d === 'stop').length;
    expect(stopped).toBeGreaterThan(0);
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
  }
}, 120_000);

test('a SIGKILL in the middle of a rung changes no decision already answered', async () => {
  const file = join(dir, 'kill.db');
  const env = { DATABASE_URL: `sqlite:${file}` };
  const first = await startServer(env);
  const study = await createStudy(first.url, 'kill');
  const trials = (await json(`${first.url}/v1/studies/${study}/suggest`, 'POST', { count: 30 })).body.trials as { id: string; number: number }[];
  const answered = new Map<string, string>();
  await Promise.all(
    trials.map(async (t) => {
      const r = await json(`${first.url}/v1/studies/${study}/trials/${t.id}/report`, 'POST', { step: 1, value: curve(t.number, 1) });
      if (r.status === 200) answered.set(t.id, r.body.decision);
    }),
  );
  // Half-way through the next rung's burst, the process dies.
  const burst = trials.filter((t) => answered.get(t.id) === 'continue');
  const during = burst.map((t) =>
    json(`${first.url}/v1/studies/${study}/trials/${t.id}/report`, 'POST', { step: 3, value: curve(t.number, 3) })
      .then((r) => (r.status === 200 ? answered.set(`${t.id}/3`, r.body.decision) : undefined))
      .catch(() => undefined),
  );
  setTimeout(() => first.child.kill('SIGKILL'), 15);
  await Promise.all(during);
  await first.exited;

  const second = await startServer(env);
  try {
    for (const [key, decision] of answered) {
      const [id, step] = key.includes('/') ? (key.split('/') as [string, string]) : [key, '1'];
      const t = trials.find((x) => x.id === id)!;
      const again = await json(`${second.url}/v1/studies/${study}/trials/${id}/report`, 'POST', { step: Number(step), value: curve(t.number, Number(step)) });
      expect(again.status).toBe(200);
      expect(again.body.decision).toBe(decision);
    }
    expect(inconsistentDecisions(file)).toEqual([]);
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
}, 120_000);
