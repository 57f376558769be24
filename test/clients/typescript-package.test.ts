/**
 * The TypeScript client as a project gets it: `npm pack` in clients/typescript compiles it
 * (ESM and declarations, by tsc) into a tarball; a fresh project installs the tarball with
 * no registry and runs a tuning loop with it against a live server, and type-checks
 * against its declarations.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Posterior } from '../../clients/typescript/index.js';
import { repositoryRoot } from '../support/server-process.js';
import { startLiveServer, type LiveServer } from './live-server.js';

const run = promisify(execFile);
const packageDir = join(repositoryRoot, 'clients', 'typescript');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
const tarball = `${manifest.name}-${manifest.version}.tgz`;
const apiKey = 'ts-package-key';
let dir: string;
let project: string;
let server: LiveServer;

const npm = (args: string[], cwd: string) => run('npm', args, { cwd, timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' } });

/** The package's runtime dependencies and theirs, by name, as the root project installed them. */
function dependencyClosure(names: string[], seen = new Set<string>()): string[] {
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const installed = JSON.parse(readFileSync(join(repositoryRoot, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    dependencyClosure(Object.keys(installed.dependencies ?? {}), seen);
  }
  return [...seen];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'posterior-ts-package-'));
  await npm(['pack', '--pack-destination', dir], packageDir);
  // NOTE: `npm install --offline` resolves a dependency's version range from cached registry
  // metadata, which `npm ci` does not store (it fetches tarballs by the lockfile), so a clean
  // CI machine would answer ENOTCACHED (decision 0026). The project gets the client's
  // dependencies as tarballs of the copies the root project installed, in the versions of
  // its lockfile; with an empty cache, nothing can come from the registry.
  const dependencies = dependencyClosure(Object.keys(manifest.dependencies));
  const { stdout } = await npm(['pack', '--ignore-scripts', '--pack-destination', dir, ...dependencies.map((d) => join(repositoryRoot, 'node_modules', d))], dir);
  project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'trains-models', private: true, type: 'module' }));
  const tgzs = [tarball, ...stdout.trim().split('\n')].map((f) => join(dir, f));
  await npm(['install', '--offline', '--no-audit', '--no-fund', '--cache', join(dir, 'npm-cache'), ...tgzs], project);
  server = await startLiveServer({ API_KEYS: apiKey });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('npm pack gives a tarball of the compiled client: ESM with declarations and its package.json, no TypeScript sources', async () => {
  const { stdout } = await run('tar', ['-tzf', join(dir, tarball)]);
  const files = stdout.trim().split('\n').sort();
  expect(files).toEqual(
    ['README.md', 'package.json', ...['client', 'generated/openapi', 'index', 'tune', 'types'].flatMap((m) => [`dist/${m}.d.ts`, `dist/${m}.js`])]
      .map((f) => `package/${f}`)
      .sort(),
  );
  const installed = JSON.parse(readFileSync(join(project, 'node_modules', manifest.name, 'package.json'), 'utf8'));
  expect(installed).toMatchObject({ type: 'module', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } });
});

const LOOP = `
import { Posterior, PosteriorError, tune } from 'posterior-client';

const client = new Posterior({ url: process.env.POSTERIOR_URL, apiKey: process.env.POSTERIOR_API_KEY });
const study = {
  name: 'packed-client',
  parameters: [{ name: 'x', type: 'float', low: -2, high: 2 }, { name: 'k', type: 'categorical', choices: ['a', 'b'] }],
  objective: { goal: 'minimize' },
  options: { seed: 5, initialTrials: 4 },
};
const result = await tune({ client, study, trials: 8 }, (params) => (params.x - 0.3) ** 2 + (params.k === 'a' ? 0 : 1));
let code;
try {
  await client.getStudy('st_missing');
} catch (err) {
  code = err instanceof PosteriorError ? err.code : String(err);
}
console.log(JSON.stringify({ studyId: result.study.id, counts: result.counts, best: result.best, code, from: import.meta.resolve('posterior-client') }));
`;

test('a project that installed the tarball runs a tuning loop with it against a live server', async () => {
  writeFileSync(join(project, 'loop.mjs'), LOOP);
  const { stdout } = await run(process.execPath, ['loop.mjs'], { cwd: project, env: { ...process.env, POSTERIOR_URL: server.url, POSTERIOR_API_KEY: apiKey }, timeout: 60_000 });
  const out = JSON.parse(stdout);
  expect(out.from).toBe(`file://${project}/node_modules/posterior-client/dist/index.js`);
  expect(out.counts).toEqual({ completed: 8, failed: 0, stopped: 0 });
  expect(out.code).toBe('STUDY_NOT_FOUND');
  // What the service holds, read with the client from source.
  const client = new Posterior({ url: server.url, apiKey });
  const trials = await client.allTrials(out.studyId);
  expect(trials.map((t) => t.state)).toEqual(Array(8).fill('completed'));
  for (const t of trials) expect(t.value).toBeCloseTo(((t.params.x as number) - 0.3) ** 2 + (t.params.k === 'a' ? 0 : 1), 12);
  expect(out.best.value).toBe(Math.min(...trials.map((t) => t.value!)));
}, 60_000);

const CHECK = `
import { Posterior, tune, type StudyCreate, type Trial } from 'posterior-client';

const client = new Posterior({ url: 'http://127.0.0.1:8080' });
const study: StudyCreate = { name: 's', parameters: [{ name: 'x', type: 'float', low: 0, high: 1 }], objective: { goal: 'minimize' } };

export async function bestValue(): Promise<number | undefined> {
  const result = await tune({ client, study, trials: 1 }, (params) => params.x as number);
  const first: Trial | undefined = result.trials[0];
  // @ts-expect-error -- the declarations know a goal is 'minimize' or 'maximize'
  const wrong: StudyCreate = { ...study, objective: { goal: 'lowest' } };
  // @ts-expect-error -- and that suggest takes a study id
  await client.suggest(42);
  return first?.value ?? wrong.parameters.length;
}
`;

test("a TypeScript project type-checks against the tarball's declarations, which type the client's methods and the wire schemas", async () => {
  writeFileSync(join(project, 'check.ts'), CHECK);
  const compilerOptions = {
    strict: true,
    noEmit: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    skipLibCheck: false,
    typeRoots: [join(repositoryRoot, 'node_modules', '@types')],
    types: ['node'],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
  // An unused @ts-expect-error is an error: declarations that typed everything as any would fail here.
  const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const { stdout } = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, timeout: 60_000 });
  expect(stdout).toBe('');
}, 60_000);
