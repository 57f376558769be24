import { parse as parseYaml } from 'yaml';
// @ts-expect-error -- the parser ships no type declarations
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { problemType } from '../../src/api/problem.js';
import { PAGE_CSP } from '../../src/api/security-headers.js';
import { errorCatalogue, type ErrorCode } from '../../src/domain/errors.js';
import { startHarness, studyBody, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness({ apiKeys: ['k'] });
});
afterEach(() => h.close());
const auth = { Authorization: 'Bearer k' };

type Family = { name: string; type: string; metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[] };

describe('GET /metrics', () => {
  test('exposes request, suggestion, fit and fallback series and trial counts in the Prometheus text format', async () => {
    const study = (await h.request.post('/v1/studies').set(auth).send(studyBody())).body.id;
    const { body } = await h.request.post(`/v1/studies/${study}/suggest`).set(auth).send({ count: 3 });
    await h.request.post(`/v1/studies/${study}/observe`).set(auth).send({ trialId: body.trials[0].id, value: 1 });
    await h.request.post(`/v1/studies/${study}/observe`).set(auth).send({ trialId: body.trials[1].id, failed: true });
    h.clock.advance(3600_000);

    const res = await h.request.get('/metrics').set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    const families = new Map((parsePrometheusTextFormat(res.text) as Family[]).map((f) => [f.name, f]));

    expect(families.get('posterior_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(families.get('posterior_suggestion_duration_seconds')?.type).toBe('HISTOGRAM');
    // NOTE: the parser merges the label sets of a histogram, so per-label counts are read from the samples.
    expect(res.text).toContain('posterior_http_request_duration_seconds_count{method="POST",route="/v1/studies/:studyId/observe",status="200"} 2');
    expect(res.text).toContain('posterior_suggestion_duration_seconds_count{source="initial"} 1');
    expect(families.get('posterior_engine_call_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(families.get('posterior_suggestion_fallbacks_total')?.type).toBe('COUNTER');
    const trials = Object.fromEntries(families.get('posterior_trials')!.metrics.map((m) => [m.labels?.state, Number(m.value)]));
    expect(trials).toEqual({ queued: 0, pending: 0, stale: 1, completed: 1, failed: 1, stopped: 0 });
    expect(families.get('posterior_studies')?.metrics[0]?.value).toBe('1');
    expect(families.has('posterior_process_cpu_seconds_total')).toBe(true);
  });
});

describe('route labels of /metrics', () => {
  /** The count of one series of the request histogram, or 0 when it does not exist. */
  const requests = (text: string, method: string, route: string, status: number) =>
    Number(text.match(new RegExp(`^posterior_http_request_duration_seconds_count\\{method="${method}",route="${route.replace(/\//g, '\\/')}",status="${status}"\\} (\\d+)$`, 'm'))?.[1] ?? 0);

  test('answers refused before a handler runs (400, 415, 422) are counted under the route template, never the raw URL', async () => {
    const open = startHarness();
    try {
      await open.request.post('/v1/studies').send({ name: 'no parameters' }).expect(422);
      await open.request.post('/v1/studies').set('content-type', 'application/json').send('{"name":').expect(400);
      await open.request.post('/v1/studies').set('content-type', 'text/plain').send('name=x').expect(415);
      await open.request.post('/v1/studies/st_labelled/observe').send({ trialId: 7 }).expect(422);
      await open.request.get('/v1/no/such/route').expect(404);
      const { text } = await open.request.get('/metrics');
      expect(requests(text, 'POST', '/v1/studies', 422)).toBe(1);
      expect(requests(text, 'POST', '/v1/studies', 400)).toBe(1);
      expect(requests(text, 'POST', '/v1/studies', 415)).toBe(1);
      expect(requests(text, 'POST', '/v1/studies/:studyId/observe', 422)).toBe(1);
      expect(requests(text, 'GET', 'unmatched', 404)).toBe(1);
      expect(text).not.toMatch(/st_labelled|no\/such/);
    } finally {
      open.close();
    }
  });

  test('a call refused for want of a key is counted under the route template', async () => {
    await h.request.get('/v1/studies/st_nokey').expect(401);
    await h.request.post('/v1/studies').send({}).expect(401);
    const { text } = await h.request.get('/metrics').set(auth);
    expect(requests(text, 'GET', '/v1/studies/:studyId', 401)).toBe(1);
    expect(requests(text, 'POST', '/v1/studies', 401)).toBe(1);
  });
});

describe('GET /docs and /openapi.yaml', () => {
  test('/openapi.yaml is the contract', async () => {
    const res = await h.request.get('/openapi.yaml').set(auth);
    expect(res.status).toBe(200);
    expect(parseYaml(res.text).openapi).toBe('3.1.0');
  });

  test('/docs is a page whose every script and stylesheet is served by this server', async () => {
    const res = await h.request.get('/docs').set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const refs = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref, `${ref} must be local`).toMatch(/^\/(?!\/)/);
      const asset = await h.request.get(ref).set(auth);
      expect(asset.status, ref).toBe(200);
      expect(asset.text.length, ref).toBeGreaterThan(10);
    }
  });

  test('/docs/errors is an HTML page with an element for every code, at the anchor its problem type points to', async () => {
    const res = await h.request.get('/docs/errors').set(auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
    for (const [code, { status, title }] of Object.entries(errorCatalogue)) {
      const anchor = problemType(code as ErrorCode).split('#')[1]!;
      const rows = [...res.text.matchAll(new RegExp(`<tr id="${anchor}">(.*?)</tr>`, 'gs'))];
      expect(rows, code).toHaveLength(1);
      const cells = [...rows[0]![1]!.matchAll(/<td>(.*?)<\/td>/gs)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
      expect(cells, code).toEqual([code, String(status), title]);
    }
    expect(new Set([...res.text.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])).size, 'ids are unique').toBe(
      [...res.text.matchAll(/\sid="/g)].length,
    );
  });

  test('the type of a problem the API answers leads to its entry on the page', async () => {
    const problem = await h.request.post('/v1/studies').set(auth).send(studyBody({ parameters: [{ name: 'lr', type: 'float', low: 0, high: 1, log: true }] }));
    expect(problem.body.type).toBe('/docs/errors#invalid-search-space');
    const [path, anchor] = String(problem.body.type).split('#');
    const page = await h.request.get(path!).set(auth);
    expect(page.text).toMatch(new RegExp(`<tr id="${anchor}">.*?INVALID_SEARCH_SPACE`, 's'));
  });

  test('/docs/errors renders the introduction of docs/errors.md, with no Markdown left over', async () => {
    const res = await h.request.get('/docs/errors').set(auth);
    expect(res.text).toContain('<h1>Errors</h1>');
    expect(res.text).toContain('<code>application/problem+json</code>');
    expect(res.text).toMatch(/<pre><code>\{\n {2}&quot;type&quot;: &quot;\/docs\/errors#invalid-search-space&quot;,/);
    const text = res.text.replace(/<pre>.*?<\/pre>/gs, '');
    expect(text).not.toMatch(/`|^\s*#|^\s*\||\]\(|\*\*/m);
  });

  test('/docs/errors loads its stylesheet from this server', async () => {
    const res = await h.request.get('/docs/errors').set(auth);
    const refs = [...res.text.matchAll(/<link [^>]*href="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs).toEqual(['/docs/errors.css']);
    const css = await h.request.get(refs[0]!).set(auth);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });
});

describe('GET /v1/studies/{id}/export', () => {
  test('exports the study and every trial as JSON, and as CSV with one column per parameter', async () => {
    const study = (await h.request.post('/v1/studies').set(auth).send(studyBody({ name: 'my study' }))).body.id;
    const { body } = await h.request.post(`/v1/studies/${study}/suggest`).set(auth).send({ count: 3 });
    await h.request.post(`/v1/studies/${study}/observe`).set(auth).send({ trialId: body.trials[0].id, value: 0.5 });
    await h.request.post(`/v1/studies/${study}/observe`).set(auth).send({ trialId: body.trials[1].id, failed: true, reason: 'diverged, "nan"' });

    const json = await h.request.get(`/v1/studies/${study}/export`).set(auth);
    expect(json.status).toBe(200);
    expect(json.headers['content-disposition']).toBe('attachment; filename="my_study.json"');
    expect(json.body.study.id).toBe(study);
    expect(json.body.trials.map((t: { state: string }) => t.state)).toEqual(['completed', 'failed', 'pending']);

    const csv = await h.request.get(`/v1/studies/${study}/export?format=csv`).set(auth);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(
      'number,id,state,value,source,createdAt,completedAt,leaseExpiresAt,failureReason,metadata,params.lr,params.layers,params.batch,params.optimizer',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(`0,${body.trials[0].id},completed,0.5,initial,`);
    expect(lines[2]).toContain('"diverged, ""nan"""');
    expect(lines[3]!.split(',').at(-1)).toBe(String(body.trials[2].params.optimizer));
    expect(lines[3]!.split(',').at(-5)).toBe('{}');
  });

  test('answers 422 for an unknown format, 404 for an unknown study and 401 without a key', async () => {
    const study = (await h.request.post('/v1/studies').set(auth).send(studyBody())).body.id;
    const bad = await h.request.get(`/v1/studies/${study}/export?format=xlsx`).set(auth);
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].parameter).toBe('format');
    expect((await h.request.get('/v1/studies/st_nope/export').set(auth)).body.code).toBe('STUDY_NOT_FOUND');
    expect((await h.request.get(`/v1/studies/${study}/export`)).status).toBe(401);
  });
});
