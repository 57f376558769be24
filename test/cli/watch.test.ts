/**
 * `posterior pause|resume|complete`, `trials list` and `watch`, run as processes against a
 * live server; `watch` on a pipe and, through util-linux `script`, on a pseudo-terminal.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bestSoFar, sparkline } from '../../src/cli/watch.js';
import type { Trial } from '../../src/cli/client.js';
import { machineTool, startLiveServer, type LiveServer } from '../clients/live-server.js';
import { json, repositoryRoot } from '../support/server-process.js';

let server: LiveServer;
let studyId: string;
const ESC = '\u001b[';

type Run = { code: number | null; stdout: string; stderr: string };

/** The CLI as a process; with `interruptWhen`, sent SIGINT once its output so far passes the test. */
function cli(args: string[], options: { env?: Record<string, string>; interruptWhen?: (stdout: string) => boolean; command?: string[] } = {}): Promise<Run> {
  const argv = options.command ?? [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: repositoryRoot, env: { ...process.env, POSTERIOR_URL: server.url, NO_COLOR: '', ...options.env } });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (!interrupted && options.interruptWhen?.(stdout)) interrupted = child.kill('SIGINT');
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const api = (path: string, method = 'GET', body?: unknown) => json(`${server.url}${path}`, method, body);

beforeAll(async () => {
  server = await startLiveServer();
  const created = await api('/v1/studies', 'POST', {
    name: 'watched',
    parameters: [
      { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
      { name: 'opt', type: 'categorical', choices: ['adam', 'sgd'] },
    ],
    objective: { name: 'loss', goal: 'minimize' },
    options: { seed: 3 },
  });
  studyId = created.body.id;
  await api(`/v1/studies/${studyId}/trials`, 'POST', { params: { lr: 0.001, opt: 'adam' } });
  for (const value of [0.8, 0.9, 0.5, 0.6]) {
    const { body } = await api(`/v1/studies/${studyId}/suggest`, 'POST', {});
    await api(`/v1/studies/${studyId}/observe`, 'POST', { trialId: body.trials[0].id, value });
  }
  const { body } = await api(`/v1/studies/${studyId}/suggest`, 'POST', {});
  await api(`/v1/studies/${studyId}/observe`, 'POST', { trialId: body.trials[0].id, failed: true, reason: 'OOM' });
  await api(`/v1/studies/${studyId}/suggest`, 'POST', {});
  await api(`/v1/studies/${studyId}/trials`, 'POST', { params: { lr: 0.01, opt: 'sgd' } });
}, 60_000);
afterAll(() => server.stop());

describe('the view', () => {
  test('best so far follows the goal over the completed trials, in the order they completed', () => {
    const t = (number: number, value: number | undefined, completedAt: string, state = 'completed') => ({ number, value, completedAt, state }) as unknown as Trial;
    const trials = [t(0, 3, 'c'), t(1, 1, 'a'), t(2, 2, 'b'), t(3, undefined, 'd', 'failed'), t(4, 0.5, 'e')];
    expect(bestSoFar(trials, 'minimize')).toEqual([1, 1, 1, 0.5]);
    expect(bestSoFar(trials, 'maximize')).toEqual([1, 2, 3, 3]);
  });

  test('a sparkline spans ▁ to █ between the least and greatest value, and keeps the last of each stretch when longer than its width', () => {
    expect(sparkline([1, 0.5, 0.5, 0])).toBe('█▅▅▁');
    expect(sparkline([2, 2])).toBe('▁▁');
    expect(sparkline(Array.from({ length: 100 }, (_, i) => 100 - i), 4)).toBe('█▆▃▁');
  });
});

describe('pause, resume, complete', () => {
  test('pause stops suggestions (suggest exits 1 with STUDY_PAUSED), resume restarts them, complete ends the study', async () => {
    const paused = await cli(['pause', studyId]);
    expect(paused).toMatchObject({ code: 0, stdout: `study ${studyId} (watched) is paused; 1 running, 1 queued\n` });
    const refused = await cli(['suggest', studyId]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('error: STUDY_PAUSED (409)') });
    expect((await cli(['resume', studyId])).stdout).toContain('is active');
    const completed = await cli(['complete', studyId, '--json']);
    expect(completed.code).toBe(0);
    expect(JSON.parse(completed.stdout)).toMatchObject({ id: studyId, state: 'completed' });
    expect((await cli(['suggest', studyId])).stderr).toContain('STUDY_COMPLETE (409)');
    expect((await cli(['resume', studyId])).code).toBe(0);
  });

  test('an unknown study exits 1 with STUDY_NOT_FOUND; a missing id is a usage error', async () => {
    expect(await cli(['pause', 'st_nope'])).toMatchObject({ code: 1, stderr: expect.stringContaining('STUDY_NOT_FOUND (404)') });
    expect(await cli(['complete'])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing <studyId>') });
  });
});

describe('trials list', () => {
  test('shows every trial with its state and source, --state filters, --json prints the API answer', async () => {
    const all = await cli(['trials', 'list', studyId]);
    expect(all.code).toBe(0);
    const [header, ...rows] = all.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^#\s+TRIAL\s+STATE\s+SOURCE\s+VALUE\s+lr\s+opt$/);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatch(/^0\s+tr_\S+\s+completed\s+queued\s+0\.8\s+0\.001\s+adam$/);
    expect(rows[5]).toMatch(/^5\s+tr_\S+\s+pending\s+initial\s+/);
    expect(rows[6]).toMatch(/^6\s+tr_\S+\s+queued\s+queued\s+0\.01\s+sgd$/);
    const queued = await cli(['trials', 'list', studyId, '--state', 'queued', '--json']);
    expect(JSON.parse(queued.stdout).trials.map((t: { number: number }) => t.number)).toEqual([6]);
    expect((await cli(['trials', 'list', studyId, '--state', 'stopped'])).stdout).toBe('no stopped trials\n');
  });

  test.each([
    [['trials'], '`posterior trials` needs list'],
    [['trials', 'show', 'st_x'], 'unknown command `trials show`'],
    [['trials', 'list'], 'missing <studyId>'],
    [['trials', 'list', 'st_x', '--state', 'running'], '--state must be one of queued, pending, completed, failed, stale, stopped'],
    [['watch', 'st_x', '--interval', '0'], '--interval must be a number of seconds from 0.1 to 3600'],
    [['watch', 'st_x', '--last', '0'], '--last must be an integer from 1 to 100'],
    [['pause', 'st_x', '--state', 'paused'], '--state is not an option of `posterior pause`'],
  ])('posterior %j is a usage error: exit 2, "%s"', async (args, message) => {
    const run = await cli(args);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toContain(message);
  });
});

describe('watch', () => {
  test('--once prints one view: trials by state, the best, its sparkline and the last results, without colours or cursor control', async () => {
    const run = await cli(['watch', studyId, '--once', '--last', '3']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^watched \\(${studyId}\\)  active  minimize loss  \\d{4}-\\d\\d-\\d\\dT`));
    expect(lines[1]).toBe('trials    7 total: 1 running, 1 queued, 4 completed, 1 failed, 0 stale, 0 stopped');
    expect(lines[2]).toMatch(/^best {6}0\.5 at trial 2 \(tr_\S+\) {2}lr=[\d.e-]+ opt=(adam|sgd)$/);
    expect(lines[3]).toBe('progress  ██▁▁  best so far over 4 completed: 0.8 → 0.5');
    expect(lines.slice(5, 7)).toEqual(['last 3 results', expect.stringMatching(/^#\s+STATE\s+VALUE\s+lr\s+opt$/)]);
    expect(lines[7]).toMatch(/^4\s+failed\s+/);
    expect(lines[8]).toMatch(/^3\s+completed\s+0\.6\s+/);
    expect(lines[9]).toMatch(/^2\s+completed\s+0\.5\s+/);
    expect(lines).toHaveLength(11);
    expect(run.stdout).not.toContain(ESC);
  });

  test('on a pipe it prints a view per interval, each after a blank line, and Ctrl-C ends it with exit 0', async () => {
    const run = await cli(['watch', studyId, '--interval', '0.2'], { interruptWhen: (out) => out.split('watched (').length > 3 });
    expect(run.code).toBe(0);
    const frames = run.stdout.split(/\n\n(?=watched )/);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const frame of frames) expect(frame).toMatch(/^watched \(st_\S+\) {2}active/);
    expect(run.stdout).not.toContain(ESC);
  }, 30_000);

  test('--json prints one JSON line per view', async () => {
    const run = await cli(['watch', studyId, '--once', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ study: { id: studyId, state: 'active' }, bestSoFar: [0.8, 0.8, 0.5, 0.5] });
  });

  const hasScript = machineTool('util-linux script', 'script', ['--version']);

  test.runIf(hasScript)('on a terminal it redraws in place with colours, and NO_COLOR keeps the redraw but drops the colours', async () => {
    const onTerminal = (env: Record<string, string>) =>
      cli([], {
        env,
        command: ['script', '-qec', `timeout --preserve-status -s INT 8 ${process.execPath} --import tsx src/cli/main.ts watch ${studyId} --interval 0.5`, '/dev/null'],
      });
    const [colour, plain] = await Promise.all([onTerminal({}), onTerminal({ NO_COLOR: '1' })]);
    expect(colour.code).toBe(0);
    expect(colour.stdout).toContain(`${ESC}?25l${ESC}H`);
    expect(colour.stdout).toContain(`${ESC}K`);
    expect(colour.stdout).toContain(`${ESC}32m4 completed${ESC}0m`);
    expect(colour.stdout).toContain(`${ESC}?25h`);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`${ESC}H`);
    expect(plain.stdout).toContain('4 completed');
    expect(plain.stdout).not.toMatch(new RegExp(`${ESC.replace('[', '\\[')}\\d+m`));
  }, 30_000);
});
