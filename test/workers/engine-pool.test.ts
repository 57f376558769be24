import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineInput } from '../../src/bo/engine.js';
import type { GaussianProcess } from '../../src/bo/gp.js';
import { modelView, type ModelViewInput } from '../../src/bo/model-view.js';
import { CancelledError } from '../../src/domain/errors.js';
import type { EngineCall } from '../../src/domain/ports.js';
import { createEnginePool, type EnginePool } from '../../src/workers/engine-pool.js';
import { createModelCaches } from '../../src/workers/model-cache.js';

const space: EngineInput['space'] = [
  { name: 'x', type: 'float', low: 0, high: 1 },
  { name: 'y', type: 'float', low: 0, high: 1 },
];
const point = (i: number) => ({ x: (i * 0.618034) % 1, y: (i * 0.381966 + 0.1) % 1 });
/** A study's call (with its key) or a stateless one (without). */
const call = (key?: string, extra: Partial<EngineCall> = {}): EngineCall =>
  key === undefined ? { tenant: 'stateless', lane: 'stateless', deadlineMs: 60_000, ...extra } : { tenant: key, lane: 'study', cacheKey: key, deadlineMs: 60_000, ...extra };
const input = (n: number, previous?: EngineInput['previous']): EngineInput => ({
  space, goal: 'minimize', pending: [], count: 1, seed: n,
  observations: Array.from({ length: n }, (_, i) => ({ params: point(i), value: (point(i).x - 0.3) ** 2 + point(i).y })),
  ...(previous ? { previous } : {}),
});

describe('model cache', () => {
  const model = (n: number) => ({ n, L: new Float64Array(n * n), X: new Float64Array(n), y: new Float64Array(n), alpha: new Float64Array(n) }) as unknown as GaussianProcess;

  it('keeps one model per key and drops the least recently used beyond its byte budget', () => {
    const caches = createModelCaches(3 * 8 * (100 + 30));
    caches.slot('a').set(model(10));
    caches.slot('b').set(model(10));
    expect(caches.slot('a').get()?.n).toBe(10);
    caches.slot('c').set(model(10));
    caches.slot('d').set(model(10));
    expect(caches.slot('a').get()).toBeDefined();
    expect(caches.slot('b').get()).toBeUndefined();
    expect(caches.stats().models).toBe(3);
  });
});

describe('engine pool', () => {
  let pool: EnginePool | undefined;
  afterAll(async () => pool?.close());

  it('sends a study back to the thread that holds its model, which extends the factor', async () => {
    pool = createEnginePool({ threads: 2 });
    const first = await pool.run(input(120), call('study-a'));
    expect(first.work).toEqual({ fitted: true, reusedRows: 0, rows: 120, interrupted: false });
    // Another study in between, on whichever thread is free.
    await pool.run(input(30), call('study-b'));
    const second = await pool.run(input(121, first.hyperparameters), call('study-a'));
    expect(second.work).toEqual({ fitted: false, reusedRows: 120, rows: 121, interrupted: false });
    const third = await pool.run(input(121, second.hyperparameters), call('study-a'));
    expect(third.work).toEqual({ fitted: false, reusedRows: 120, rows: 121, interrupted: false });
  }, 60_000);

  it("serves a view of a study's model off the main thread, equal to the one computed in process", async () => {
    pool = pool ?? createEnginePool({ threads: 2 });
    const { observations } = input(40);
    const view: ModelViewInput = {
      space, goal: 'minimize', observations, incumbent: observations[3]!.params, seed: 1, query: { kind: 'slice', parameter: 'x', points: 7 },
    };
    const off = await pool.view(view, call('study-view'));
    expect(off).toEqual(modelView(view));
    expect(off.view.kind === 'slice' && off.view.points.map((p) => p.value)).toEqual([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]);
  }, 60_000);

  // A thread can only lower its priority (raise its nice value) without privileges: under
  // `nice -n 10 npm test` every thread starts at 10, so niceness 7 and 2 cannot be reached.
  it.runIf(process.platform === 'linux' && getPriority(0) < 2)('runs the engine threads below the main thread\'s priority, and only them', async () => {
    /** Nice value of a thread: field 19 of its /proc stat file. */
    const niceOf = (statFile: string): number => {
      const stat = readFileSync(statFile, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const niceValues = (): number[] => readdirSync('/proc/self/task').map((tid) => niceOf(`/proc/self/task/${tid}/stat`));
    const count = (nice: number) => niceValues().filter((v) => v === nice).length;
    const before = [count(7), count(2)];
    const niced = createEnginePool({ threads: 2, niceness: 7 });
    try {
      // Both threads started and ran a task.
      await Promise.all([niced.run(input(12), call('a')), niced.run(input(13), call('b'))]);
      // Two threads at 7, and the express thread five levels above them.
      expect(count(7) - before[0]!).toBe(2);
      expect(count(2) - before[1]!).toBe(1);
      expect(niceOf('/proc/thread-self/stat')).not.toBe(7);
    } finally {
      await niced.close();
    }
  }, 60_000);

  it('keeps nothing for a call without a key (the stateless endpoint)', async () => {
    pool ??= createEnginePool({ threads: 1 });
    const first = await pool.run(input(110), call());
    const again = await pool.run(input(111, first.hyperparameters), call());
    expect(again.work).toEqual({ fitted: false, reusedRows: 0, rows: 111, interrupted: false });
  }, 60_000);

  it("drops a deleted study's warm model with the thread's next task", async () => {
    const one = createEnginePool({ threads: 1 });
    try {
      const first = await one.run(input(120), call('gone'));
      one.forget('gone');
      const again = await one.run(input(121, first.hyperparameters), call('gone'));
      expect(again.work.reusedRows).toBe(0);
      const kept = await one.run(input(122, again.hyperparameters), call('gone'));
      expect(kept.work.reusedRows).toBeGreaterThan(0);
    } finally {
      await one.close();
    }
  }, 60_000);

  it('a running call whose caller leaves stops at its next check and answers what it has', async () => {
    const one = createEnginePool({ threads: 1 });
    try {
      const controller = new AbortController();
      const running = one.run(heavyInput(8), call('wide', { signal: controller.signal }));
      setTimeout(() => controller.abort(), 300);
      const out = await running;
      expect(out.work.interrupted).toBe(true);
      expect(out.suggestions.length).toBeGreaterThanOrEqual(1);
      expect(out.suggestions.length).toBeLessThan(8);
    } finally {
      await one.close();
    }
  }, 60_000);

  it('a waiting call whose caller leaves is dropped with CancelledError, and the thread serves the next', async () => {
    const one = createEnginePool({ threads: 1, expressThread: false });
    try {
      const first = one.run(heavyInput(2), call('a', { deadlineMs: 1000 }));
      const controller = new AbortController();
      const second = one.run(input(20), call('b', { signal: controller.signal }));
      const third = one.run(input(21), call('c'));
      controller.abort();
      await expect(second).rejects.toBeInstanceOf(CancelledError);
      expect((await first).suggestions.length).toBeGreaterThanOrEqual(1);
      expect((await third).suggestions).toHaveLength(1);
    } finally {
      await one.close();
    }
  }, 60_000);

  it('a light study is served by the express thread while a heavy one holds the other thread', async () => {
    const one = createEnginePool({ threads: 1 });
    try {
      const order: string[] = [];
      const heavy = one.run(heavyInput(8), call('heavy', { deadlineMs: 3000 })).then(() => order.push('heavy'));
      // A second heavy call queues: once the first is timed as heavy, it may not take the express thread.
      const heavyAgain = heavy.then(() => one.run(heavyInput(2), call('heavy', { deadlineMs: 1500 }))).then(() => order.push('heavy again'));
      await new Promise((r) => setTimeout(r, 100));
      await one.run(input(20), call('light')).then(() => order.push('light'));
      await Promise.all([heavy, heavyAgain]);
      expect(order).toEqual(['light', 'heavy', 'heavy again']);
    } finally {
      await one.close();
    }
  }, 60_000);

  it('a call past its deadline answers the points it has and says it was interrupted', async () => {
    const one = createEnginePool({ threads: 1 });
    try {
      const out = await one.run(heavyInput(8), call('wide', { deadlineMs: 300 }));
      expect(out.work.interrupted).toBe(true);
      expect(out.suggestions.length).toBeGreaterThanOrEqual(1);
    } finally {
      await one.close();
    }
  }, 60_000);

  it('refuses a stateless call with ENGINE_BUSY and a Retry-After once the stateless queue is full', async () => {
    const one = createEnginePool({ threads: 1, statelessQueue: 1 });
    const controller = new AbortController();
    try {
      const running = one.run(heavyInput(8), call(undefined, { signal: controller.signal, deadlineMs: 4000 }));
      const waiting = one.run(heavyInput(8), call(undefined, { signal: controller.signal, deadlineMs: 4000 })).catch((e: unknown) => e);
      const refused = one.run(input(20), call(undefined, { deadlineMs: 4000 }));
      await expect(refused).rejects.toMatchObject({ code: 'ENGINE_BUSY', retryAfterSeconds: 4 });
      // A study's call is not refused: it waits its turn.
      const study = one.run(input(20), call('s'));
      controller.abort();
      await running;
      expect(await waiting).toBeInstanceOf(CancelledError);
      expect((await study).suggestions).toHaveLength(1);
    } finally {
      await one.close();
    }
  }, 60_000);
});

/** 75 floats and 25 categoricals of 1,000 choices, 5 observations: seconds per batch of 8. */
function heavyInput(count: number): EngineInput {
  const wide: EngineInput['space'] = [
    ...Array.from({ length: 75 }, (_, i) => ({ name: `f${i}`, type: 'float' as const, low: 0, high: 1 })),
    ...Array.from({ length: 25 }, (_, i) => ({ name: `c${i}`, type: 'categorical' as const, choices: Array.from({ length: 1000 }, (_, k) => `v${k}`) })),
  ];
  const observations = Array.from({ length: 5 }, (_, r) => ({
    params: Object.fromEntries(wide.map((p, j) => [p.name, p.type === 'float' ? ((r * 7 + j * 3) % 11) / 11 : `v${(r * 131 + j * 17) % 1000}`])),
    value: r,
  }));
  return { space: wide, goal: 'minimize', observations, pending: [], count, seed: 3 };
}
