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
