import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { SuggestInput } from '../../src/bo/engine.js';
import type { GaussianProcess } from '../../src/bo/gp.js';
import { createEnginePool, type EnginePool } from '../../src/workers/engine-pool.js';
import { createModelCaches } from '../../src/workers/model-cache.js';

const space: SuggestInput['space'] = [
  { name: 'x', type: 'float', low: 0, high: 1 },
  { name: 'y', type: 'float', low: 0, high: 1 },
];
const point = (i: number) => ({ x: (i * 0.618034) % 1, y: (i * 0.381966 + 0.1) % 1 });
const input = (n: number, previous?: SuggestInput['previous']): SuggestInput => ({
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
    const first = await pool.run(input(120), 'study-a');
    expect(first.work).toEqual({ fitted: true, reusedRows: 0 });
    // Another study in between, on whichever thread is free.
    await pool.run(input(30), 'study-b');
    const second = await pool.run(input(121, first.hyperparameters), 'study-a');
    expect(second.work).toEqual({ fitted: false, reusedRows: 120 });
    const third = await pool.run(input(121, second.hyperparameters), 'study-a');
    expect(third.work).toEqual({ fitted: false, reusedRows: 120 });
  }, 60_000);

  it.runIf(process.platform === 'linux')('runs the engine threads below the main thread\'s priority, and only them', async () => {
    /** Nice value of a thread: field 19 of its /proc stat file. */
    const niceOf = (statFile: string): number => {
      const stat = readFileSync(statFile, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const niceValues = (): number[] => readdirSync('/proc/self/task').map((tid) => niceOf(`/proc/self/task/${tid}/stat`));
    const before = niceValues().filter((v) => v === 7).length;
    const niced = createEnginePool({ threads: 2, niceness: 7 });
    try {
      // Both threads started and ran a task.
      await Promise.all([niced.run(input(12), 'a'), niced.run(input(13), 'b')]);
      expect(niceValues().filter((v) => v === 7).length - before).toBe(2);
      expect(niceOf('/proc/thread-self/stat')).not.toBe(7);
    } finally {
      await niced.close();
    }
  }, 60_000);

  it('keeps nothing for a call without a key (the stateless endpoint)', async () => {
    pool ??= createEnginePool({ threads: 1 });
    const first = await pool.run(input(110));
    const again = await pool.run(input(111, first.hyperparameters));
    expect(again.work).toEqual({ fitted: false, reusedRows: 0 });
  }, 60_000);
});
