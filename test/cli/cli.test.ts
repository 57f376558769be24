/** Every `posterior` command, run as a process against a live server that requires an API key. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLiveServer, type LiveServer } from '../clients/live-server.js';
import { repositoryRoot } from '../support/server-process.js';

const apiKey = 'cli-key';
const root = repositoryRoot;
const dir = mkdtempSync(join(tmpdir(), 'posterior-cli-'));
let server: LiveServer;

beforeAll(async () => {
  server = await startLiveServer({ API_KEYS: apiKey });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

function cli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, POSTERIOR_URL: server.url, POSTERIOR_API_KEY: apiKey, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON answers are checked by the assertions that read them
const parsed = (run: Run): any => JSON.parse(run.stdout);

function spaceFile(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

const space = {
  name: 'cli-study',
  parameters: [
    { name: 'lr', type: 'float', low: 1e-4, high: 1, log: true },
    { name: 'opt', type: 'categorical', choices: ['adam', 'sgd'] },
  ],
  objective: { name: 'loss', goal: 'minimize' },
};

describe('usage', () => {
  test('--help prints the commands and exits 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['serve', 'studies list', 'studies create --file', 'suggest', 'observe', 'report <studyId> <trialId> <step> <value>', 'best', 'export', 'import <studyId> --file FILE', 'backup --to FILE', 'pause <studyId>', 'resume <studyId>', 'complete <studyId>', 'trials list <studyId> [--state STATE]', 'watch <studyId>']) {
      expect(run.stdout).toContain(command);
    }
  });

  test.concurrent.each([
    [[], 'a command is needed'],
    [['frobnicate'], 'unknown command `frobnicate`'],
    [['studies'], 'needs list, show, create or delete'],
    [['studies', 'list', '--count', '3'], '--count is not an option of `posterior studies`'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['suggest'], 'missing <studyId>'],
    [['suggest', 'st_x', '--count', '0'], '--count must be an integer from 1 to 64'],
    [['observe', 'st_x', 'tr_y', 'fast'], '<value> must be a finite number, got "fast"'],
    [['observe', 'st_x', 'tr_y', '1', '--reason', 'x'], '--reason goes with --failed'],
    [['report', 'st_x', 'tr_y', '2'], 'missing <value>'],
    [['report', 'st_x', 'tr_y', '0', '0.5'], '<step> must be an integer from 1 to 1000000000, got "0"'],
    [['report', 'st_x', 'tr_y', '1.5', '0.5'], '<step> must be an integer from 1 to 1000000000, got "1.5"'],
    [['report', 'st_x', 'tr_y', '2', 'NaN'], '<value> must be a finite number, got "NaN"'],
    [['export', 'st_x', '--format', 'xml'], '--format must be csv or json'],
    [['studies', 'create'], 'needs --file space.json'],
    [['studies', 'create', '--file', '/nonexistent/space.json'], 'cannot read /nonexistent/space.json'],
    [['backup'], 'needs --to FILE'],
    [['backup', '--to', '/tmp/x.db', '--database', 'sqlite:/nonexistent/p.db'], 'there is no database at /nonexistent/p.db'],
  ])('posterior %j is a usage error: exit 2, "%s"', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });
});

describe('against the service', () => {
  let studyId: string;

  test('studies create makes a study from a file, finds it again by name, and reads stdin with --file -', async () => {
    const file = spaceFile('space.json', space);
    const first = await cli(['studies', 'create', '--file', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created st_\S+ \(cli-study\)\n$/);
    const again = await cli(['studies', 'create', '--file', file, '--json']);
    expect(again.code).toBe(0);
    studyId = parsed(again).id;
    expect(first.stdout).toContain(studyId);
    const piped = await cli(['studies', 'create', '--file', '-'], { input: JSON.stringify({ ...space, name: 'cli-piped' }) });
    expect(piped.stdout).toMatch(/^created st_\S+ \(cli-piped\)/);
  });

  test('studies create with an invalid space exits 1 with the code, the detail and the pointer', async () => {
    const bad = spaceFile('bad.json', { ...space, name: 'bad', parameters: [{ name: 'lr', type: 'float', low: 0, high: 1, log: true }] });
    const run = await cli(['studies', 'create', '--file', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: INVALID_SEARCH_SPACE (422): a log-scaled parameter needs low > 0, got 0');
    expect(run.stderr).toContain('#/parameters/0/low');
    const machine = await cli(['studies', 'create', '--file', bad, '--json']);
    expect(machine.code).toBe(1);
    expect(JSON.parse(machine.stderr)).toMatchObject({ code: 'INVALID_SEARCH_SPACE', status: 422, errors: [{ pointer: '#/parameters/0/low' }] });
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"name":');
    expect(await cli(['studies', 'create', '--file', notJson])).toMatchObject({ code: 2, stderr: expect.stringContaining('is not JSON') });
  });

  test('studies list shows a table of studies, or their JSON with --json', async () => {
    const human = await cli(['studies', 'list']);
    expect(human.code).toBe(0);
    const [header, ...rows] = human.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STATE\s+GOAL\s+PARAMS\s+COMPLETED\s+PENDING\s+FAILED\s+TOTAL\s+CREATED$/);
    expect(rows.some((r) => r.startsWith(studyId) && r.includes('cli-study') && / active /.test(r) && r.includes('minimize loss'))).toBe(true);
    const machine = await cli(['studies', 'list', '--json']);
    expect(parsed(machine).studies.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['cli-study', 'cli-piped']));
  });

  let trialIds: string[];

  test('suggest leases trials, shows one column per parameter, and honours an idempotency key', async () => {
    const human = await cli(['suggest', studyId, '--count', '2', '--idempotency-key', 'cli-1']);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#\s+TRIAL\s+STATE\s+VALUE\s+lr\s+opt$/);
    expect(lines.slice(1).every((l) => / pending /.test(l))).toBe(true);
    const machine = await cli(['suggest', studyId, '--count', '2', '--idempotency-key', 'cli-1', '--json']);
    trialIds = parsed(machine).trials.map((t: { id: string }) => t.id);
    expect(trialIds).toHaveLength(2);
    expect(lines[1]).toContain(trialIds[0]);
    const third = await cli(['suggest', studyId, '--json']);
    expect(parsed(third).trials[0].number).toBe(2);
    trialIds.push(parsed(third).trials[0].id);
  });

  test('observe completes a trial (a negative value too), reports a failed one, and refuses a conflicting value', async () => {
    const done = await cli(['observe', studyId, trialIds[0]!, '-0.5']);
    expect(done).toMatchObject({ code: 0, stdout: `trial 0 (${trialIds[0]}) completed with -0.5\n` });
    const failed = await cli(['observe', studyId, trialIds[1]!, '--failed', '--reason', 'CUDA OOM']);
    expect(failed).toMatchObject({ code: 0, stdout: `trial 1 (${trialIds[1]}) failed: CUDA OOM\n` });
    const json = await cli(['observe', studyId, trialIds[2]!, '1e-3', '--json']);
    expect(parsed(json)).toMatchObject({ id: trialIds[2], state: 'completed', value: 0.001 });
    const conflict = await cli(['observe', studyId, trialIds[0]!, '2']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^error: TRIAL_VALUE_CONFLICT \(409\)/);
    const unknown = await cli(['observe', studyId, 'tr_nope', '1']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('TRIAL_NOT_FOUND (404)') });
  });

  test('report prints the decision and its reason, exits 0 on stop too, and --json prints the answer', async () => {
    const file = spaceFile('asha.json', { ...space, name: 'cli-asha', options: { earlyStopping: { rule: 'asha', maxStep: 9, mode: 'aggressive' } } });
    const asha = parsed(await cli(['studies', 'create', '--file', file, '--json'])).id;
    const [a, b] = parsed(await cli(['suggest', asha, '--count', '2', '--json'])).trials.map((t: { id: string }) => t.id);
    const goOn = await cli(['report', asha, a, '1', '-0.5']);
    expect(goOn).toMatchObject({ code: 0, stdout: `decision:  continue\nreason:    rung 1 of bracket 0: 1st of 1, within the best 1/3\ntrial:     0 (${a}) pending\n` });
    const stop = await cli(['report', asha, b, '1', '0.9']);
    expect(stop).toMatchObject({
      code: 0,
      stdout: `decision:  stop\nreason:    rung 1 of bracket 0: 2nd of 2; it needed -0.5 or better to go on\ntrial:     1 (${b}) stopped with 0.9\n`,
    });
    // The same report again is a retry: the same decision.
    const machine = await cli(['report', asha, b, '1', '0.9', '--json']);
    expect(machine.code).toBe(0);
    expect(parsed(machine)).toMatchObject({ decision: 'stop', step: 1, rung: 1, trial: { id: b, state: 'stopped', value: 0.9 } });
    const after = await cli(['report', asha, b, '2', '0.8']);
    expect(after).toMatchObject({ code: 1, stderr: expect.stringContaining('TRIAL_NOT_PENDING (409)') });
    const shown = await cli(['studies', 'show', asha]);
    expect(shown.stdout).toContain('early stopping:  asha (maxStep 9, minStep 1, reductionFactor 3, mode aggressive)');
    expect(shown.stdout).toContain('trials:          2 (0 completed, 1 pending, 0 queued, 0 stale, 0 failed, 1 stopped)');
  });

  test('best prints the best trial with its parameters', async () => {
    const human = await cli(['best', studyId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^value:\s+-0\.5\ntrial:\s+0 \(tr_\S+\)\nlr:\s+[\d.e-]+\nopt:\s+(adam|sgd)\n$/);
    expect(parsed(await cli(['best', studyId, '--json']))).toMatchObject({ id: trialIds[0], value: -0.5 });
  });

  test('studies show prints the study, its counts, its best trial and its space', async () => {
    const human = await cli(['studies', 'show', studyId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('trials:          3 (2 completed, 0 pending, 0 queued, 0 stale, 1 failed, 0 stopped)');
    expect(human.stdout).toMatch(/^algorithm:\s+gp\nearly stopping:\s+none\n/m);
    expect(human.stdout).toMatch(/^state:\s+active\n/m);
    expect(human.stdout).toMatch(/best:\s+-0\.5 at trial 0/);
    expect(human.stdout).toMatch(/lr\s+float\s+0\.0001 … 1 \(log\)/);
    expect(human.stdout).toMatch(/opt\s+categorical\s+"adam", "sgd"/);
    expect(parsed(await cli(['studies', 'show', studyId, '--json'])).trialCounts).toMatchObject({ completed: 2, failed: 1 });
  });

  test('export writes every trial as CSV (the default) or JSON, to stdout or a file', async () => {
    const csv = await cli(['export', studyId]);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trimEnd().split('\n');
    expect(header).toBe('number,id,state,value,source,createdAt,completedAt,leaseExpiresAt,failureReason,metadata,params.lr,params.opt');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(new RegExp(`^0,${trialIds[0]},completed,-0\\.5,`));
    expect(rows[1]).toMatch(/,failed,.*CUDA OOM/);
    const json = await cli(['export', studyId, '--format', 'json']);
    expect(parsed(json).trials.map((t: { state: string }) => t.state)).toEqual(['completed', 'failed', 'completed']);
    const file = join(dir, 'export.csv');
    expect((await cli(['export', studyId, '-o', file])).stdout).toBe('');
    expect(readFileSync(file, 'utf8').trimEnd()).toBe(csv.stdout.trimEnd());
    expect(await cli(['export', 'st_nope'])).toMatchObject({ code: 1, stderr: expect.stringContaining('STUDY_NOT_FOUND (404)') });
  });

  test('best on a study without a completed trial exits 1 with NO_COMPLETED_TRIALS', async () => {
    const piped = parsed(await cli(['studies', 'list', '--json'])).studies.find((s: { name: string }) => s.name === 'cli-piped');
    expect(await cli(['best', piped.id])).toMatchObject({ code: 1, stderr: expect.stringContaining('NO_COMPLETED_TRIALS (404)') });
  });

  test('studies delete removes the study; showing it then exits 1 with STUDY_NOT_FOUND', async () => {
    expect(await cli(['studies', 'delete', studyId])).toMatchObject({ code: 0, stdout: `deleted ${studyId}\n` });
    const gone = await cli(['studies', 'show', studyId]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`error: STUDY_NOT_FOUND (404)`);
  });

  test('the key comes from --api-key or POSTERIOR_API_KEY; without it the answer is UNAUTHORIZED, exit 1', async () => {
    expect((await cli(['studies', 'list', '--api-key', apiKey], { env: { POSTERIOR_API_KEY: '' } })).code).toBe(0);
    const denied = await cli(['studies', 'list'], { env: { POSTERIOR_API_KEY: '' } });
    expect(denied).toMatchObject({ code: 1, stderr: expect.stringContaining('UNAUTHORIZED (401)') });
  });
});

describe('server trouble', () => {
  test('an unreachable server exits 3 and says how to start one', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await cli(['studies', 'list', '--url', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot reach Posterior at http://127.0.0.1:${port}`);
    expect(run.stderr).toContain('npx posterior serve');
  });

  test('a 5xx answer exits 3 with the problem', async () => {
    const failing = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: '/docs/errors#not-ready', title: 'The service is not ready', status: 503, code: 'NOT_READY', detail: 'migrations pending' }));
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = failing.address() as AddressInfo;
      const run = await cli(['best', 'st_x', '--url', `http://127.0.0.1:${port}`]);
      expect(run).toMatchObject({ code: 3, stderr: 'error: NOT_READY (503): migrations pending\n' });
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });
});

test('serve runs the service on the given port and database until SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--database', `sqlite:${join(dir, 'served.db')}`], {
    cwd: root,
    env: { ...process.env, API_KEYS: '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('posterior serve did not start in 20 s')), 20_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number; database?: string };
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        expect(entry.database).toBe(join(dir, 'served.db'));
        resolve(`http://127.0.0.1:${entry.port}`);
      }
    });
  });
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  const list = await cli(['studies', 'list', '--url', url, '--json']);
  expect(parsed(list)).toEqual({ studies: [] });
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
