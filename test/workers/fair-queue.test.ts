import { describe, expect, test } from 'vitest';
import { FairQueue, type Lane } from '../../src/workers/fair-queue.js';

type Job = { tenant: string; lane: Lane; id: string };
const job = (tenant: string, id: string, lane: Lane = 'study'): Job => ({ tenant, lane, id });
const drain = (q: FairQueue<Job>): string[] => {
  const out: string[] = [];
  for (let j = q.next(); j; j = q.next()) {
    out.push(j.id);
    q.finished(j);
  }
  return out;
};

describe('FairQueue', () => {
  test('serves tenants round-robin, each in its own arrival order', () => {
    const q = new FairQueue<Job>({ statelessConcurrency: 1, statelessQueue: 8 });
    for (const id of ['h1', 'h2', 'h3', 'h4']) q.push(job('heavy', id));
    q.push(job('light', 'l1'));
    q.push(job('other', 'o1'));
    q.push(job('light', 'l2'));
    expect(drain(q)).toEqual(['h1', 'l1', 'o1', 'h2', 'l2', 'h3', 'h4']);
  });

  test('a light tenant that arrives behind a long queue is next after at most one call per tenant ahead of it', () => {
    const q = new FairQueue<Job>({ statelessConcurrency: 1, statelessQueue: 8 });
    for (let i = 0; i < 50; i++) q.push(job('heavy', `h${i}`));
    expect(q.next()?.id).toBe('h0');
    q.push(job('light', 'l1'));
    expect(q.next()?.id).toBe('h1');
    expect(q.next()?.id).toBe('l1');
  });

  test('runs at most statelessConcurrency stateless jobs at once; studies pass them while they wait', () => {
    const q = new FairQueue<Job>({ statelessConcurrency: 1, statelessQueue: 8 });
    q.push(job('stateless', 's1', 'stateless'));
    q.push(job('stateless', 's2', 'stateless'));
    q.push(job('study', 'a1'));
    const s1 = q.next()!;
    expect(s1.id).toBe('s1');
    expect(q.next()?.id).toBe('a1');
    expect(q.next()).toBeNull();
    q.finished(s1);
    expect(q.next()?.id).toBe('s2');
  });

  test('refuses a stateless job once its queue is full, counting a free run slot as room', () => {
    const q = new FairQueue<Job>({ statelessConcurrency: 1, statelessQueue: 2 });
    expect(q.push(job('stateless', 's1', 'stateless'))).toBe(true);
    expect(q.push(job('stateless', 's2', 'stateless'))).toBe(true);
    expect(q.push(job('stateless', 's3', 'stateless'))).toBe(true);
    expect(q.push(job('stateless', 's4', 'stateless'))).toBe(false);
    expect(q.push(job('study', 'a1'))).toBe(true);
    q.next();
    expect(q.push(job('stateless', 's4', 'stateless'))).toBe(false);
    expect(q.size).toBe(3);
  });

  test('a removed job is never served, and a started one cannot be removed', () => {
    const q = new FairQueue<Job>({ statelessConcurrency: 1, statelessQueue: 1 });
    const a = job('t', 'a');
    const b = job('t', 'b', 'stateless');
    q.push(a);
    q.push(b);
    expect(q.next()).toBe(a);
    expect(q.remove(a)).toBe(false);
    expect(q.remove(b)).toBe(true);
    expect(q.next()).toBeNull();
    expect(q.push(job('s', 'c', 'stateless'))).toBe(true);
  });
});
