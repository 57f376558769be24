/** The TypeScript SDK and its tune() loop against a real server that requires an API key. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Posterior, PosteriorError, PosteriorUnreachableError, tune, type Objective, type StudyCreate, type Trial } from '../../clients/typescript/index.js';
import { startLiveServer, type LiveServer } from './live-server.js';

const apiKey = 'sdk-test-key';
let server: LiveServer;
let client: Posterior;

beforeAll(async () => {
  server = await startLiveServer({ API_KEYS: apiKey });
  client = new Posterior({ url: server.url, apiKey, backoffMs: 5 });
});
afterAll(() => server.stop());

const space = (name: string, options: StudyCreate['options'] = {}): StudyCreate => ({
  name,
  parameters: [
    { name: 'x', type: 'float', low: -2, high: 2 },
    { name: 'k', type: 'categorical', choices: ['a', 'b'] },
  ],
  objective: { goal: 'minimize' },
  options,
});

/** Counts the requests a client sends, by method and path. */
function countingFetch(counts: Map<string, number>) {
  return (request: Request) => {
    const path = new URL(request.url).pathname.replace(/tr_[\w-]+/, '{trialId}').replace(/st_[\w-]+/, '{studyId}');
    const key = `${request.method} ${path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return fetch(request);
  };
}

/**
 * A proxy to the server that forwards the first request to a path ending in `suffix` (the
 * server acts on it) and then loses the answer with a 502, as a load balancer might.
 */
async function lossyProxy(suffix: string): Promise<{ url: string; seen: { key: string | undefined; body: string }[]; close(): Promise<void> }> {
  const seen: { key: string | undefined; body: string }[] = [];
  let failed = false;
  const proxy: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host') headers.set(name, value);
    const upstream = await fetch(`${server.url}${req.url}`, {
      method: req.method,
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const text = await upstream.text();
    if (req.url?.endsWith(suffix)) {
      const key = req.headers['idempotency-key'];
      seen.push({ key: typeof key === 'string' ? key : undefined, body: Buffer.concat(chunks).toString() });
      if (!failed) {
        failed = true;
        res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
        return;
      }
    }
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((resolve) => proxy.close(() => resolve())) };
}

describe('Posterior client', () => {
  test('every method answers with the typed body of its operation', async () => {
    const study = await client.createStudy(space('crud'));
    expect(study).toMatchObject({ name: 'crud', state: 'active', options: { leaseSeconds: 3600 } });
    expect((await client.createStudy(space('crud'))).id).toBe(study.id);
    expect((await client.getStudy(study.id)).name).toBe('crud');
    expect((await client.listStudies()).studies.map((s) => s.id)).toContain(study.id);

    const [a, b] = await client.suggest(study.id, { count: 2 });
    expect(a?.state).toBe('pending');
    const beat = await client.heartbeat(study.id, a!.id);
    expect(Date.parse(beat.leaseExpiresAt!)).toBeGreaterThanOrEqual(Date.parse(a!.leaseExpiresAt!));
    expect(await client.observe(study.id, a!.id, 0.25)).toMatchObject({ state: 'completed', value: 0.25 });
    expect(await client.fail(study.id, b!.id, 'CUDA OOM')).toMatchObject({ state: 'failed', failureReason: 'CUDA OOM' });
    expect(await client.observeExternal(study.id, { x: 0, k: 'a' }, 0.5)).toMatchObject({ source: 'external', value: 0.5 });
    expect((await client.best(study.id)).id).toBe(a!.id);
    expect((await client.trials(study.id, { state: 'failed' })).trials.map((t) => t.id)).toEqual([b!.id]);
    expect(await client.allTrials(study.id)).toHaveLength(3);
    const exported = await client.exportJson(study.id);
    expect(exported.trials.map((t) => t.state)).toEqual(['completed', 'failed', 'completed']);
    const csv = (await client.exportCsv(study.id)).trimEnd().split('\n');
    expect(csv[0]).toMatch(/^number,id,state,value,.*,params\.x,params\.k$/);
    expect(csv).toHaveLength(4);

    await client.deleteStudy(study.id);
    await expect(client.getStudy(study.id)).rejects.toMatchObject({ status: 404, code: 'STUDY_NOT_FOUND' });
  });

  test('a problem document becomes a PosteriorError with its code, detail and pointers', async () => {
    const bad = space('bad');
    bad.parameters[0] = { name: 'x', type: 'float', low: 0, high: 1, log: true };
    const err = await client.createStudy(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PosteriorError);
    expect(err).toMatchObject({ status: 422, code: 'INVALID_SEARCH_SPACE' });
    expect((err as PosteriorError).errors[0]?.pointer).toBe('#/parameters/0/low');
    expect((err as PosteriorError).message).toMatch(/^INVALID_SEARCH_SPACE \(422\): .*low > 0/);
  });

  test('a client without the API key gets UNAUTHORIZED', async () => {
    await expect(new Posterior({ url: server.url }).listStudies()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  test('a server that does not answer is a PosteriorUnreachableError after the retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const counts = new Map<string, number>();
    const down = new Posterior({ url: `http://127.0.0.1:${port}`, retries: 2, backoffMs: 1, fetch: countingFetch(counts) });
    await expect(down.listStudies()).rejects.toBeInstanceOf(PosteriorUnreachableError);
    expect(counts.get('GET /v1/studies')).toBe(3);
  });
});

describe('tune()', () => {
  test('runs N trials, reports a throwing objective as a failed trial with its message, and returns the best', async () => {
    let calls = 0;
    const seen: string[] = [];
    const result = await tune(
      { client, study: space('tune-basic'), trials: 6, onTrial: (t) => seen.push(t.state) },
      async (params) => {
        calls += 1;
        if (calls === 2) throw new Error('diverged: loss is NaN');
        if (calls === 4) return Number.NaN;
        return (params.x as number) ** 2 + (params.k === 'a' ? 0 : 1);
      },
    );
    expect(result.trials).toHaveLength(6);
    expect(seen).toEqual(['completed', 'failed', 'completed', 'failed', 'completed', 'completed']);
    expect(result.trials[1]).toMatchObject({ state: 'failed', failureReason: 'diverged: loss is NaN' });
    expect(result.trials[3]?.failureReason).toMatch(/returned NaN/);
    const completed = result.trials.filter((t) => t.state === 'completed');
    expect(result.best?.value).toBe(Math.min(...completed.map((t) => t.value!)));
    expect((await client.getStudy(result.study.id)).trialCounts).toMatchObject({ completed: 4, failed: 2, pending: 0, total: 6 });
  });

  test('heartbeats every third of the lease while the objective runs, so a long run never turns stale', async () => {
    const counts = new Map<string, number>();
    const counted = new Posterior({ url: server.url, apiKey, fetch: countingFetch(counts) });
    // leaseSeconds 2 → a heartbeat every ~667 ms; the run takes 2.25 leases.
    const study = await counted.createStudy(space('tune-heartbeat', { leaseSeconds: 2 }));
    const result = await tune({ client: counted, study: study.id, trials: 1 }, async (params, trial) => {
      await new Promise((resolve) => setTimeout(resolve, 4500));
      const now = await counted.api.GET('/v1/studies/{studyId}/trials/{trialId}', {
        params: { path: { studyId: study.id, trialId: trial.id } },
      });
      expect(now.data?.state).toBe('pending');
      return params.x as number;
    });
    expect(result.trials[0]?.state).toBe('completed');
    const beats = counts.get('POST /v1/studies/{studyId}/trials/{trialId}/heartbeat') ?? 0;
    expect(beats).toBeGreaterThanOrEqual(4);
    expect(beats).toBeLessThanOrEqual(7);
  });

  test('a 5xx on suggest is retried with the same Idempotency-Key, so no extra trial is leased', async () => {
    const proxy = await lossyProxy('/suggest');
    try {
      const viaProxy = new Posterior({ url: proxy.url, apiKey, backoffMs: 5 });
      const result = await tune({ client: viaProxy, study: space('tune-retry'), trials: 2, workerId: 'w7' }, (p) => p.x as number);
      const keys = proxy.seen.map((r) => r.key);
      expect(keys).toHaveLength(3);
      expect(keys[0]).toMatch(/^w7-/);
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
      expect(result.trials.map((t) => t.number)).toEqual([0, 1]);
      expect((await client.getStudy(result.study.id)).trialCounts).toMatchObject({ completed: 2, pending: 0, total: 2 });
    } finally {
      await proxy.close();
    }
  });

  test('stops early when a finite space is exhausted', async () => {
    const result = await tune(
      {
        client,
        study: { name: 'tiny', parameters: [{ name: 'n', type: 'int', low: 1, high: 3 }], objective: { goal: 'maximize' } },
        trials: 10,
      },
      (p) => p.n as number,
    );
    expect(result.trials).toHaveLength(3);
    expect(result.best?.params).toEqual({ n: 3 });
  });
});

const asha = { rule: 'asha', maxStep: 9, reductionFactor: 3, mode: 'aggressive' } as const;

describe('report and early stopping', () => {
  test('report resolves true when the trial should stop; the stopped trial keeps its value and takes no observation', async () => {
    const study = await client.createStudy(space('report', { seed: 1, initialTrials: 10, earlyStopping: asha }));
    const [a, b, c] = await client.suggest(study.id, { count: 3 });
    // Rung 1 of the one aggressive bracket: with fewer than η values only the best so far goes on.
    const decisions = [];
    for (const [t, v] of [[a, 0.5], [b, 0.3], [c, 0.6]] as const) decisions.push(await client.report(study.id, t!.id, 1, v));
    expect(decisions).toEqual([false, false, true]);
    expect(await client.report(study.id, c!.id, 1, 0.6)).toBe(true); // a retry: the same decision
    const stopped = await client.getTrial(study.id, c!.id);
    expect(stopped).toMatchObject({ state: 'stopped', value: 0.6, reports: [{ step: 1, value: 0.6 }] });
    await expect(client.observe(study.id, c!.id, 0.1)).rejects.toMatchObject({ status: 409, code: 'TRIAL_NOT_PENDING' });
    await expect(client.report(study.id, a!.id, 2, Number.NaN)).rejects.toThrow(/finite/);
    await expect(client.report(study.id, a!.id, 0, 1)).rejects.toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    expect((await client.getStudy(study.id)).trialCounts.stopped).toBe(1);
  });

  test('a report whose answer is lost is sent again and hears the same decision', async () => {
    const proxy = await lossyProxy('/report');
    try {
      const viaProxy = new Posterior({ url: proxy.url, apiKey, backoffMs: 5 });
      const study = await client.createStudy(space('report-retry', { initialTrials: 10, earlyStopping: asha }));
      const [a, b] = await client.suggest(study.id, { count: 2 });
      expect(await client.report(study.id, a!.id, 1, 0.1)).toBe(false);
      // The server stops b, but the answer is lost; the retry hears the same decision.
      expect(await viaProxy.report(study.id, b!.id, 1, 0.9)).toBe(true);
      expect(proxy.seen).toHaveLength(2);
      expect(proxy.seen[1]!.body).toBe(proxy.seen[0]!.body);
      expect(await client.getTrial(study.id, b!.id)).toMatchObject({ state: 'stopped', reports: [{ step: 1, value: 0.9 }] });
    } finally {
      await proxy.close();
    }
  });

  test('tune reports every epoch of an async generator, closes a stopped one where it yielded, and counts the stopped trials', async () => {
    const trained = new Map<number, number>(); // x → epochs it ran
    const closed: number[] = [];
    const seen: Trial[] = [];
    const result = await tune(
      {
        client,
        study: {
          name: 'tune-asha',
          parameters: [{ name: 'x', type: 'float', low: -2, high: 2 }],
          objective: { goal: 'minimize' },
          options: { seed: 7, algorithm: 'random', earlyStopping: asha },
        },
        trials: 8,
        onTrial: (t) => seen.push(t),
      },
      async function* (params) {
        // Curves that fall with the epochs and end at (x - 0.3)²: the worse x, the higher.
        const x = params.x as number;
        try {
          for (let epoch = 1; epoch <= 9; epoch++) {
            trained.set(x, epoch);
            await Promise.resolve(); // an epoch of training
            yield [epoch, (x - 0.3) ** 2 + 1 / epoch];
          }
        } finally {
          closed.push(x);
        }
      },
    );
    const { counts } = result;
    expect(counts.stopped).toBeGreaterThanOrEqual(2);
    expect(counts.completed).toBeGreaterThanOrEqual(1);
    expect(counts).toMatchObject({ failed: 0 });
    expect(counts.stopped + counts.completed).toBe(8);
    expect(seen).toHaveLength(8);
    expect([...closed].sort()).toEqual([...trained.keys()].sort());
    for (const trial of result.trials) {
      const x = trial.params.x as number;
      const epochs = trained.get(x)!;
      if (trial.state === 'stopped') {
        // Stopped at a rung (1 or 3), right after the report there, with that report's value.
        expect([1, 3]).toContain(epochs);
        expect(trial.reports?.at(-1)).toMatchObject({ step: epochs, value: trial.value });
      } else {
        expect(epochs).toBe(9);
        expect(trial.value).toBe((x - 0.3) ** 2 + 1 / 9);
      }
    }
    expect((await client.getStudy(result.study.id)).trialCounts).toMatchObject({ stopped: counts.stopped, completed: counts.completed, pending: 0 });
    expect(result.best?.state).toBe('completed');
  });

  test('tune fails a per-epoch objective that throws or reports nonsense, and observes the value a generator returns', async () => {
    const study = await client.createStudy(space('tune-bad-reports', { algorithm: 'random' }));
    const objectives: Objective[] = [
      function* () {
        yield [1, 0.5];
        throw new Error('CUDA out of memory at epoch 2');
      },
      function* () {
        yield [1, Number.NaN];
      },
      function* () {
        yield [2, 0.5];
        yield [1, 0.4];
      },
      // eslint-disable-next-line require-yield -- a generator that yields nothing
      function* () {
        return;
      },
    ];
    const reasons = [];
    for (const objective of objectives) {
      const { trials } = await tune({ client, study: study.id, trials: 1 }, objective);
      expect(trials[0]?.state).toBe('failed');
      reasons.push(trials[0]?.failureReason);
    }
    expect(reasons[0]).toBe('CUDA out of memory at epoch 2');
    expect(reasons[1]).toMatch(/NaN at step 1, not a finite number/);
    expect(reasons[2]).toMatch(/step 1 after step 2/);
    expect(reasons[3]).toMatch(/yielded no \[step, value\]/);
    const { trials } = await tune({ client, study: study.id, trials: 1 }, function* () {
      yield [1, 0.9];
      return 0.25; // e.g. the value of the best checkpoint
    });
    expect(trials[0]).toMatchObject({ state: 'completed', value: 0.25 });
  });

  test('tune reports on a trial whose lease ran out by renewing it first', async () => {
    const study = await client.createStudy(space('tune-stale', { leaseSeconds: 1, algorithm: 'random' }));
    const { trials } = await tune({ client, study: study.id, trials: 1, heartbeatSeconds: 60 }, async function* () {
      yield [1, 0.5];
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the lease runs out, and no heartbeat comes
      yield [2, 0.4];
    });
    expect(trials[0]).toMatchObject({ state: 'completed', value: 0.4 });
  });

  test('tune ends at maxTrials and waits out maxConcurrentTrials by its Retry-After', async () => {
    const study = await client.createStudy(space('tune-limits', { algorithm: 'random', maxTrials: 3, maxConcurrentTrials: 1, leaseSeconds: 1 }));
    await client.suggest(study.id); // held by a worker that vanishes: stale after 1 s, then no longer running
    const started = Date.now();
    const { trials } = await tune({ client, study: study.id, trials: 5 }, (p) => p.x as number);
    // The first suggest is answered 429 CONCURRENCY_LIMIT with Retry-After: 1 (the lease).
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(trials).toHaveLength(2); // the study ends at maxTrials 3, the held trial included
    expect((await client.getStudy(study.id)).trialCounts.total).toBe(3);
  });
});
