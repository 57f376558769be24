import { expect, test } from 'vitest';
import { KeyedMutex } from '../../src/domain/keyed-mutex.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

test('calls with one key run one at a time, in arrival order, even when one throws', async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  const job = (name: string, fail = false) => async () => {
    log.push(`start ${name}`);
    await tick();
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([mutex.run('a', job('1')), mutex.run('a', job('2', true)), mutex.run('a', job('3'))]);
  expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  await tick();
  expect(mutex.size).toBe(0);
});

test('calls with different keys do not wait for each other', async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  let release!: () => void;
  const blocked = mutex.run('a', () => new Promise<void>((r) => (release = r)));
  await mutex.run('b', async () => log.push('b ran while a was held'));
  expect(log).toEqual(['b ran while a was held']);
  release();
  await blocked;
});

test('batch serves together the calls that queued while the key was held, one outcome each', async () => {
  const mutex = new KeyedMutex();
  const batches: number[][] = [];
  const serve = async (items: number[]) => {
    batches.push(items);
    await tick();
    return items.map((n) => (n === 3 ? { ok: false as const, error: new Error('three') } : { ok: true as const, value: n * 10 }));
  };
  const first = mutex.batch('a', 1, serve);
  await tick(); // the first batch has started and holds the key
  const rest = [2, 3, 4].map((n) => mutex.batch('a', n, serve));
  const settled = await Promise.allSettled([first, ...rest]);
  expect(batches).toEqual([[1], [2, 3, 4]]);
  expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([10, 20, 'three', 40]);
});

test('a batch that throws rejects every call in it, and the key is free again afterwards', async () => {
  const mutex = new KeyedMutex();
  const failing = () => Promise.reject(new Error('boom'));
  const results = await Promise.allSettled([mutex.batch('a', 1, failing), mutex.batch('a', 2, failing)]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  await expect(mutex.batch('a', 5, async (items: number[]) => items.map((v) => ({ ok: true as const, value: v })))).resolves.toBe(5);
});

test('drain settles once every running and queued call has finished', async () => {
  const mutex = new KeyedMutex();
  const done: string[] = [];
  void mutex.run('a', async () => {
    await tick();
    done.push('a1');
  });
  void mutex.run('a', async () => {
    await tick();
    done.push('a2');
  });
  void mutex.run('b', async () => {
    await tick();
    done.push('b');
  });
  await mutex.drain();
  expect(done.sort()).toEqual(['a1', 'a2', 'b']);
  expect(mutex.size).toBe(0);
});
