/**
 * Nothing acknowledged with a 2xx is lost: the server is SIGKILLed right after a burst of
 * observations and restarted on the same file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { json, startServer } from '../support/server-process.js';
import { mixedSpace } from '../support/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'posterior-durability-'));
const env = { DATABASE_URL: `sqlite:${join(dir, 'nested', 'posterior.db')}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a tuning loop survives SIGKILL: every acknowledged trial and value is there after a restart', async () => {
  const first = await startServer(env);
  const created = await json(`${first.url}/v1/studies`, 'POST', { name: 'durable', parameters: mixedSpace, objective: { goal: 'minimize' } });
  expect(created.status).toBe(201);
  const study = created.body.id as string;

  // A sequential loop of 30, as a training script would run it.
  const acknowledged = new Map<string, number>();
  for (let i = 0; i < 30; i++) {
    const s = await json(`${first.url}/v1/studies/${study}/suggest`, 'POST', {});
    const trial = s.body.trials[0];
    const value = Math.log10(trial.params.lr as number) ** 2 + (trial.params.layers as number);
    const o = await json(`${first.url}/v1/studies/${study}/observe`, 'POST', { trialId: trial.id, value });
    expect(o.status).toBe(200);
    acknowledged.set(trial.id, value);
  }
  // Then a concurrent burst, killed the moment the last answer arrives.
  const burst = await json(`${first.url}/v1/studies/${study}/suggest`, 'POST', { count: 40 });
  const answers = await Promise.all(
    burst.body.trials.map(async (t: { id: string }, i: number) => {
      const o = await json(`${first.url}/v1/studies/${study}/observe`, 'POST', { trialId: t.id, value: 100 + i });
      return { id: t.id, value: 100 + i, status: o.status };
    }),
  );
  first.child.kill('SIGKILL');
  await first.exited;
  for (const a of answers) if (a.status === 200) acknowledged.set(a.id, a.value);
  expect(acknowledged.size).toBe(70);
  const best = [...acknowledged.entries()].reduce((a, b) => (b[1] < a[1] ? b : a));

  const second = await startServer(env);
  try {
    const trials = await json(`${second.url}/v1/studies/${study}/trials?state=completed&limit=1000`);
    const stored = new Map<string, number>(trials.body.trials.map((t: { id: string; value: number }) => [t.id, t.value]));
    for (const [id, value] of acknowledged) expect(stored.get(id)).toBe(value);
    const got = await json(`${second.url}/v1/studies/${study}`);
    expect(got.body.parameters).toEqual(created.body.parameters);
    expect(got.body.trialCounts).toMatchObject({ completed: 70, total: 70 });
    const bestNow = await json(`${second.url}/v1/studies/${study}/best`);
    expect(bestNow.body).toMatchObject({ id: best[0], value: best[1] });
    // And the loop carries on where it stopped.
    const next = await json(`${second.url}/v1/studies/${study}/suggest`, 'POST', {});
    expect(next.body.trials[0].number).toBe(70);
  } finally {
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }
}, 60_000);
