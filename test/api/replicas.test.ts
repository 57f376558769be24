/**
 * Several server processes on one PostgreSQL database (a throwaway cluster): the guarantees
 * of one process hold across replicas. 32 workers spread over 2 and 3 replicas lease no point
 * twice and see no error; a replica SIGKILLed mid-burst loses no acknowledged observation; a
 * PostgreSQL restarted under load answers 503 with Retry-After (never 500) and the replicas
 * recover by themselves.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { json, startServer, type ServerProcess } from '../support/server-process.js';
import { startCluster, unavailableReason, type Cluster } from '../support/postgres-cluster.js';

const reason = unavailableReason();
if (reason && process.env.CI === 'true') throw new Error(`CI must run the replica tests: ${reason}`);
if (reason) console.warn(`skipping the replica tests: ${reason}`);

const space = {
  parameters: [
    { name: 'x', type: 'float', low: 0, high: 1 },
    { name: 'y', type: 'float', low: 0, high: 1 },
  ],
  objective: { goal: 'minimize' },
  options: { seed: 3, initialTrials: 4 },
};
const f = (p: { x: number; y: number }) => (p.x - 0.3) ** 2 + (p.y - 0.6) ** 2;

let cluster: Cluster | undefined;
const servers: ServerProcess[] = [];
beforeAll(async () => {
  if (!reason) cluster = await startCluster();
}, 240_000);
afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  cluster?.stop();
});

async function replicas(n: number, databaseUrl: string): Promise<ServerProcess[]> {
  // All at once on an empty database: one applies the migrations under the advisory lock, the others wait for it.
  const all = await Promise.all(Array.from({ length: n }, () => startServer({ DATABASE_URL: databaseUrl, ENGINE_THREADS: '1' }, 'source', undefined, 90_000)));
  servers.push(...all);
  return all;
}

type Tally = { acknowledged: Map<string, number>; statuses: Map<number, number>; refused: number; retryAfter: Set<string> };

/**
 * `workers` loops of suggest → observe, spread round-robin over `urls`; a request a dead
 * replica refuses (no HTTP answer) moves the worker to the next one. Runs until `until()`.
 */
async function burst(urls: () => string[], studyId: string, workers: number, until: () => boolean): Promise<Tally> {
  const tally: Tally = { acknowledged: new Map(), statuses: new Map(), refused: 0, retryAfter: new Set() };
  const count = (status: number) => tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
  type Answer = { status: number; body: { trials: { id: string; params: { x: number; y: number } }[] }; retryAfter: string | null };
  const call = async (k: number, path: string, body: unknown): Promise<Answer | undefined> => {
    const list = urls();
    const url = list[k % list.length]!;
    try {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      count(res.status);
      if (res.status === 503) tally.retryAfter.add(res.headers.get('retry-after') ?? 'none');
      return { status: res.status, body: text ? JSON.parse(text) : null, retryAfter: res.headers.get('retry-after') };
    } catch {
      tally.refused++;
      return undefined;
    }
  };
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let k = w;
      while (!until()) {
        const s = await call(k, `/v1/studies/${studyId}/suggest`, {});
        if (s?.status !== 200) {
          k++;
          await new Promise((r) => setTimeout(r, s?.status === 503 ? 200 : 20));
          continue;
        }
        const trial = s.body.trials[0]!;
        const value = f(trial.params);
        for (let attempt = 0; attempt < 50; attempt++) {
          const o = await call(k, `/v1/studies/${studyId}/observe`, { trialId: trial.id, value });
          if (o?.status === 200) {
            tally.acknowledged.set(trial.id, value);
            break;
          }
          k++;
          await new Promise((r) => setTimeout(r, o?.status === 503 ? 200 : 20));
        }
      }
    }),
  );
  return tally;
}

async function allTrials(url: string, studyId: string): Promise<{ id: string; params: { x: number; y: number }; value: number | null; state: string }[]> {
  const out = [];
  let cursor: string | null = null;
  do {
    const { body } = await json(`${url}/v1/studies/${studyId}/trials?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...body.trials);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

describe.skipIf(reason !== undefined)('replicas on one PostgreSQL', () => {
  test.each([2, 3])('%i replicas, 32 concurrent workers: no point leased twice, no error; one idempotency key on every replica leases once', async (n) => {
    const urls = (await replicas(n, await cluster!.createDatabase())).map((s) => s.url);
    const { status, body } = await json(`${urls[0]}/v1/studies`, 'POST', { name: `r${n}`, ...space });
    expect(status).toBe(201);
    const started = Date.now();
    const tally = await burst(() => urls, body.id, 32, () => Date.now() - started > 6000);
    expect([...tally.statuses.keys()]).toEqual([200]);
    expect(tally.refused).toBe(0);
    const trials = await allTrials(urls[1]!, body.id);
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(trials.length);
    expect(trials.length).toBeGreaterThanOrEqual(32);
    for (const [id, value] of tally.acknowledged) expect(trials.find((t) => t.id === id)?.value).toBe(value);
    // One Idempotency-Key sent to every replica at once: one lease, the same trials everywhere.
    const keyed = await Promise.all(
      urls.map((url) =>
        fetch(`${url}/v1/studies/${body.id}/suggest`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `k${n}` }, body: '{"count":2}' }).then(
          async (res) => ({ status: res.status, ids: ((await res.json()) as { trials: { id: string }[] }).trials.map((t) => t.id) }),
        ),
      ),
    );
    expect(keyed.map((k) => k.status)).toEqual(urls.map(() => 200));
    expect(new Set(keyed.map((k) => k.ids.join()))).toHaveProperty('size', 1);
  }, 240_000);

  test('a replica SIGKILLed mid-burst loses no acknowledged observation, and the others go on', async () => {
    const [a, b] = await replicas(2, await cluster!.createDatabase());
    const { body } = await json(`${a!.url}/v1/studies`, 'POST', { name: 'kill', ...space });
    let live = [a!.url, b!.url];
    const started = Date.now();
    const done = burst(() => live, body.id, 32, () => Date.now() - started > 7000);
    await new Promise((r) => setTimeout(r, 2500));
    a!.child.kill('SIGKILL');
    await a!.exited;
    live = [b!.url];
    const tally = await done;
    expect(tally.acknowledged.size).toBeGreaterThan(0);
    expect([...tally.statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    const trials = await allTrials(b!.url, body.id);
    for (const [id, value] of tally.acknowledged) expect(trials.find((t) => t.id === id)).toMatchObject({ state: 'completed', value });
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(trials.length);
  }, 240_000);

  test('PostgreSQL restarted under load: 503 with Retry-After while it is down, never 500, then recovery with nothing acknowledged lost', async () => {
    const [a, b] = await replicas(2, await cluster!.createDatabase());
    const { body } = await json(`${a!.url}/v1/studies`, 'POST', { name: 'restart', ...space });
    let stop = false;
    const done = burst(() => [a!.url, b!.url], body.id, 16, () => stop);
    await new Promise((r) => setTimeout(r, 1500));
    cluster!.stopServer('fast');
    await new Promise((r) => setTimeout(r, 1500));
    const notReady = await fetch(`${a!.url}/readyz`);
    expect(notReady.status).toBe(503);
    cluster!.startServer();
    const back = Date.now();
    let ready = 0;
    while (ready !== 200 && Date.now() - back < 20_000) {
      ready = (await fetch(`${a!.url}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready).toBe(200);
    stop = true;
    const tally = await done;
    expect(tally.statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect([...tally.retryAfter]).toEqual(['1']);
    expect([...tally.statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
    const trials = await allTrials(b!.url, body.id);
    for (const [id, value] of tally.acknowledged) expect(trials.find((t) => t.id === id)).toMatchObject({ state: 'completed', value });
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(trials.length);
  }, 240_000);
});
