import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { observe } from '../../src/domain/observe.js';
import { createEnginePool, type EnginePool } from '../../src/workers/engine-pool.js';
import { startHarness, type Harness } from '../support/harness.js';
import { repositoryRoot } from '../support/server-process.js';
import { buildDashboard, consoleErrors, hasChromium, launchBrowser, listen, seriousViolations } from './browser.js';

const space = [
  { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
  { name: 'layers', type: 'int', low: 1, high: 6 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd'] },
];
const loss = (p: Record<string, unknown>) => (Math.log10(Number(p.lr)) + 2) ** 2 + 0.1 * (Number(p.layers) - 3) ** 2 + (p.optimizer === 'sgd' ? 0.3 : 0);
/** SAVE_SCREENSHOTS=1 keeps this run's screenshots in docs/screenshots (the README shows them). */
const shots = process.env.SAVE_SCREENSHOTS ? join(repositoryRoot, 'docs', 'screenshots') : undefined;

/** One trial: suggest, report a learning curve until told to stop, then observe (every 9th fails). */
async function runTrial(h: Harness, id: string, i: number): Promise<void> {
  const trial = (await h.request.post(`/v1/studies/${id}/suggest`).send({})).body.trials[0];
  const final = loss(trial.params);
  for (let step = 1; step <= 8; step++) {
    const report = await h.request.post(`/v1/studies/${id}/trials/${trial.id}/report`).send({ step, value: final + 2 / step });
    if (report.body.decision === 'stop') return;
  }
  const body = i % 9 === 4 ? { trialId: trial.id, failed: true, reason: 'CUDA out of memory' } : { trialId: trial.id, value: final };
  await h.request.post(`/v1/studies/${id}/observe`).send(body);
}

describe.runIf(hasChromium())('the dashboard in Chromium', () => {
  let dir: string;
  let h: Harness;
  let server: Server;
  let url: string;
  let browser: Browser;
  let studyId: string;

  beforeAll(async () => {
    dir = await buildDashboard();
    h = startHarness({ dashboardDir: dir });
    ({ url, server } = await listen(h.app));
    const study = { name: 'mlp-tuning', parameters: space, objective: { goal: 'minimize', name: 'val_loss' }, options: { seed: 5, initialTrials: 8, earlyStopping: { rule: 'median', maxStep: 8, minStep: 3 } } };
    studyId = (await h.request.post('/v1/studies').send(study)).body.id;
    for (let i = 0; i < 60; i++) await runTrial(h, studyId, i);
    await h.request.post('/v1/studies').send({ ...study, name: 'empty-study' });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = consoleErrors(page);
    await page.goto(`${url}${path}`);
    return { page, errors };
  }

  test('the studies list shows each study with its trials by state and its best value, and filters by name', async () => {
    const { page, errors } = await open('/');
    const row = page.locator('tr', { hasText: 'mlp-tuning' });
    await row.waitFor();
    const counts = await h.store.trialCounts(studyId, h.clock.now());
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 3)).toEqual(['mlp-tuning', 'minimize', 'gp']);
    expect(cells.slice(4, 9).map(Number)).toEqual([counts.completed, counts.pending, counts.failed, counts.stopped, counts.total]);
    const best = (await h.store.bestTrial(studyId, 'minimize'))!.value!;
    expect(Number(cells[9])).toBeCloseTo(best, 3);
    await page.fill('#study-search', 'empty');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.fill('#study-search', '');
    if (shots) await page.screenshot({ path: join(shots, 'studies.png') });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('the study page draws every panel from real data, and its table sorts and filters', async () => {
    const { page, errors } = await open(`/#/studies/${studyId}`);
    await page.locator('#trial-table tbody tr').first().waitFor();
    for (const panel of ['history', 'curves', 'importances', 'contour', 'parallel', 'slice-lr', 'slice-layers', 'slice-optimizer']) {
      await page.locator(`#${panel} canvas`).first().waitFor({ timeout: 30_000 });
    }
    expect(await page.locator('#trial-table tbody tr').count()).toBe(60);
    await expect.poll(() => page.locator('#importances .help').textContent()).toContain('inverse of its fitted lengthscale');
    // Sorted by value, ascending: the best completed trial comes first.
    await page.locator('#trial-table th button', { hasText: 'Value' }).click();
    const best = (await h.store.bestTrial(studyId, 'minimize'))!;
    expect(await page.locator('#trial-table tbody tr').first().getAttribute('data-key')).toBe(best.id);
    await page.selectOption('#state-filter', 'failed');
    const failed = (await h.store.trialCounts(studyId, h.clock.now())).failed;
    expect(failed).toBeGreaterThan(0);
    expect(await page.locator('#trial-table tbody tr').count()).toBe(failed);
    await page.selectOption('#state-filter', '');
    if (shots) await page.screenshot({ path: join(shots, 'study.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  test('fits a phone screen without sideways scrolling, and sorts from the keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    const errors = consoleErrors(page);
    await page.goto(`${url}/#/studies/${studyId}`);
    await page.locator('#trial-table tbody tr').first().waitFor();
    await page.locator('#history canvas').first().waitFor();
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(widths[0]).toBeLessThanOrEqual(widths[1]!);
    if (shots) await page.screenshot({ path: join(shots, 'study-phone.png') });
    const sortByNumber = page.locator('#trial-table th button', { hasText: '#' });
    await sortByNumber.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    expect(await page.locator('#trial-table th').first().getAttribute('aria-sort')).toBe('descending');
    expect(await page.locator('#trial-table tbody tr td').first().textContent()).toBe('59');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test('a new observation shows up without a reload', async () => {
    const { page, errors } = await open(`/#/studies/${studyId}`);
    await expect.poll(() => page.locator('#trial-table tbody tr').count(), { timeout: 30_000 }).toBe(60);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    const trial = (await h.request.post(`/v1/studies/${studyId}/suggest`).send({})).body.trials[0];
    await h.request.post(`/v1/studies/${studyId}/observe`).send({ trialId: trial.id, value: -1 });
    await expect.poll(() => page.locator(`#trial-table tr[data-key="${trial.id}"]`).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('#trial-table tbody tr').count()).toBe(61);
    // The losses are ≥ 0: -1 is the new best, in the summary.
    await expect.poll(() => page.locator('.summary').textContent()).toContain('Best value-1Last activity');
    // The same document: nothing reloaded it.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe.runIf(hasChromium())('the dashboard with API keys, and with 5,000 trials', () => {
  let dir: string;
  let h: Harness;
  let pool: EnginePool;
  let server: Server;
  let url: string;
  let browser: Browser;
  let bigId: string;

  beforeAll(async () => {
    dir = await buildDashboard();
    // The engine on its threads, as in the service: the 5,000-trial study's model is fitted there.
    pool = createEnginePool({ threads: 1, expressThread: false });
    // Responses are not checked against the schema here, as in the service: checking a 5,000-trial export takes longer than the render.
    h = startHarness({ dashboardDir: dir, apiKeys: ['secret'], publicPages: ['dashboard'], engine: pool.run, viewer: pool.view, validateResponses: false });
    ({ url, server } = await listen(h.app));
    const auth = { Authorization: 'Bearer secret' };
    const study = { name: 'big-random', parameters: space, objective: { goal: 'minimize' }, options: { seed: 2, algorithm: 'random' } };
    bigId = (await h.request.post('/v1/studies').set(auth).send(study)).body.id;
    let seed = 1;
    const u = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    // Through the observe use case, without the fsync of each commit: 5,000 HTTP calls would take minutes here.
    h.db.pragma('synchronous = OFF');
    for (let i = 0; i < 5000; i++) {
      const params = { lr: 10 ** (-4 + 4 * u()), layers: 1 + Math.floor(6 * u()), optimizer: u() < 0.5 ? 'adam' : 'sgd' };
      await observe(h.deps, bigId, { params, value: loss(params) });
    }
    h.db.pragma('synchronous = FULL');
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    await pool?.close();
    h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('asks for a key, says when it is refused, keeps it out of every URL, and sends it as a bearer token', async () => {
    const page = await browser.newPage();
    const urls: string[] = [];
    const bearers = new Set<string | undefined>();
    page.on('request', (r) => {
      urls.push(r.url());
      if (r.url().includes('/v1/')) bearers.add(r.headers().authorization);
    });
    await page.goto(`${url}/`);
    await page.fill('#api-key', 'wrong');
    await page.press('#api-key', 'Enter');
    await expect.poll(() => page.locator('.key-form').textContent()).toContain('refused');
    await page.fill('#api-key', 'secret');
    await page.click('.key-form button');
    await page.locator('tr', { hasText: 'big-random' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('posterior.apiKey'))).toBe('secret');
    expect(urls.filter((u) => u.includes('secret') || u.includes('wrong'))).toEqual([]);
    expect(bearers).toContain('Bearer secret');
    await page.close();
  });

  test('a study with 5,000 trials draws its history and table within 2 s, and its model panels after', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = consoleErrors(page);
    await page.addInitScript(() => sessionStorage.setItem('posterior.apiKey', 'secret'));
    await page.goto(`${url}/#/studies/${bigId}`);
    await page.locator('#history canvas').first().waitFor();
    await page.locator('#trial-table tbody tr').first().waitFor();
    // From the start of the navigation to the table and the history drawn (the page marks it).
    const firstRender = await page.evaluate(() => performance.getEntriesByName('posterior:first-render')[0]!.startTime);
    expect(firstRender).toBeLessThanOrEqual(2000);
    expect(await page.locator('#trial-table tbody tr').count()).toBe(100);
    expect(await page.locator('.pager').textContent()).toContain('1–100 of 5000');
    await page.locator('#contour canvas').first().waitFor({ timeout: 60_000 });
    await page.locator('#slice-lr canvas').first().waitFor({ timeout: 60_000 });
    expect(errors).toEqual([]);
    console.info(`first render of a 5,000-trial study: ${Math.round(firstRender)} ms`);
    await page.close();
  }, 90_000);
});
