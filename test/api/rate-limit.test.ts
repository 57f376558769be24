import { afterEach, describe, expect, test } from 'vitest';
import { TokenBuckets } from '../../src/api/rate-limit.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('token buckets', () => {
  test('a bucket serves its burst at once, then one request per 1/rps seconds', () => {
    let t = 0;
    const buckets = new TokenBuckets({ rps: 2, burst: 3 }, () => t);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBeCloseTo(0.5, 12);
    t += 250;
    expect(buckets.take('a')).toBeCloseTo(0.25, 12);
    t += 250;
    expect(buckets.take('a')).toBe(0);
    // Refilling stops at the burst.
    t += 60_000;
    expect([0, 1, 2, 3].map(() => buckets.take('a'))).toEqual([0, 0, 0, 0.5]);
  });

  test('each caller has its own bucket, and no more than the maximum are kept', () => {
    const buckets = new TokenBuckets({ rps: 1, burst: 1 }, () => 0, 3);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('b')).toBe(0);
    expect(buckets.take('a')).toBe(1);
    for (let i = 0; i < 100; i++) buckets.take(`caller-${i}`);
    expect(buckets.size).toBe(3);
  });
});

describe('rate limit', () => {
  let h: Harness;
  afterEach(() => h.close());

  test('a key over its rate gets 429 RATE_LIMITED with Retry-After; other keys and health probes are not held back', async () => {
    h = startHarness({ apiKeys: ['a', 'b'], rateLimit: { rps: 0.4, burst: 2 } });
    const get = (key: string) => h.request.get('/v1/studies').set('Authorization', `Bearer ${key}`);
    expect((await get('a')).status).toBe(200);
    expect((await get('a')).status).toBe(200);
    const limited = await get('a');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('3'); // 1 token at 0.4/s: 2.5 s, rounded up
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(limited.body.detail).toContain("the key 'API_KEYS[0]'");
    expect((await get('b')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await h.request.get('/healthz')).status).toBe(200);
    expect((await h.request.get('/readyz')).status).toBe(200);
    h.clock.advance(2_500);
    expect((await get('a')).status).toBe(200);
    expect((await get('a')).status).toBe(429);
  });

  test('without keys the limit applies per client address, and Retry-After is at least 1', async () => {
    h = startHarness({ rateLimit: { rps: 50, burst: 1 } });
    expect((await h.request.get('/v1/studies')).status).toBe(200);
    const limited = await h.request.get('/v1/studies');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body.detail).toContain('this address');
  });
});
