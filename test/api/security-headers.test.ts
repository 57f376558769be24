import { afterEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
afterEach(() => h.close());

describe('security headers', () => {
  test('every response, answer or problem, forbids sniffing, referrers and framing', async () => {
    h = startHarness({ apiKeys: ['k'] });
    const auth = { Authorization: 'Bearer k' };
    const responses = {
      '/healthz': await h.request.get('/healthz'),
      '/v1/studies': await h.request.get('/v1/studies').set(auth),
      '/v1/studies without a key': await h.request.get('/v1/studies'),
      '/v1/studies/st_nope': await h.request.get('/v1/studies/st_nope').set(auth),
      '/no/such/page': await h.request.get('/no/such/page'),
      '/metrics': await h.request.get('/metrics').set(auth),
      '/openapi.yaml': await h.request.get('/openapi.yaml').set(auth),
    };
    for (const [path, res] of Object.entries(responses)) {
      const where = `${res.status} ${path}`;
      expect(res.headers['x-content-type-options'], where).toBe('nosniff');
      expect(res.headers['referrer-policy'], where).toBe('no-referrer');
      expect(res.headers['x-frame-options'], where).toBe('DENY');
      expect(res.headers['content-security-policy'], where).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  test.each(['/docs', '/docs/errors'])('%s has a strict Content-Security-Policy, and its page needs no inline script or style', async (page) => {
    h = startHarness();
    const res = await h.request.get(page);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const policy = Object.fromEntries(
      String(res.headers['content-security-policy'])
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources]),
    );
    expect(policy).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(res.text).not.toMatch(/<style|\sstyle=|\son\w+=/);
  });

  test("/docs's script keeps Swagger UI from sending the spec's address to validator.swagger.io", async () => {
    h = startHarness();
    expect((await h.request.get('/docs/reference.js')).text).toContain('validatorUrl: null');
  });
});
