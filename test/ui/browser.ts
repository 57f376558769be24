/**
 * Debian's Chromium driven by playwright-core, and the dashboard built for a test: the
 * browser is never downloaded (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, executablePath), and
 * `.ci/run` installs `chromium` with apt.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { machineTool } from '../clients/live-server.js';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const hasChromium = () => machineTool("Debian's chromium", CHROMIUM, ['--version']);

/** `npm run build:ui`, into a folder of the test's own. */
export async function buildDashboard(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'posterior-ui-'));
  await build({ configFile: new URL('../../ui/vite.config.ts', import.meta.url).pathname, build: { outDir, emptyOutDir: true }, logLevel: 'error' });
  return outDir;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** The app on an ephemeral port of 127.0.0.1. */
export async function listen(app: Express): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

/** Every console error and uncaught exception of the page, to assert there are none. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/**
 * The serious and critical violations axe-core finds on the page as it is now (WCAG 2.1 A
 * and AA rules). Its source is evaluated through the DevTools protocol, which the page's
 * Content-Security-Policy does not govern, so the page runs under its own policy.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}
