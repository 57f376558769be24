/**
 * `posterior backup`: the command's arguments and output, and a backup taken from a real
 * server process while workers suggest and observe.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';
import { backupCommand, CommandFailedError } from '../../src/cli/backup.js';
import { mixedSpace, startHarness, studyBody, type Harness } from '../support/harness.js';
import { json, repositoryRoot, startServer } from '../support/server-process.js';

const root = repositoryRoot;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'posterior-cli-backup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the command', () => {
  let h: Harness;
  let database: string;
  beforeAll(async () => {
    h = startHarness();
    database = `sqlite:${h.db.name}`;
    const study = (await h.request.post('/v1/studies').send(studyBody())).body.id;
    const { body } = await h.request.post(`/v1/studies/${study}/suggest`).send({ count: 3 });
    await h.request.post(`/v1/studies/${study}/observe`).send({ trialId: body.trials[0].id, value: -0.5 });
  });
  afterAll(() => h.close());
  let out = '';

  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    out = '';
    return backupCommand(parseCommandLine(argv, env), env, { write: (text) => void (out += text) });
  };

  test('prints what it copied: the files, studies, trials, bytes, seconds and the integrity check', async () => {
    const to = join(dir, 'human.db');
    await run(['backup', '--to', to, '--database', database]);
    expect(out).toMatch(new RegExp(`^backed up: +${h.db.name}\nto: +${to}\nstudies: +1\ntrials: +3\nbytes: +\\d+ \\(\\d+\\.\\d MiB\\)\nseconds: +\\d+\\.\\d\\d\nintegrity: +ok`));
  });

  test('--json prints the report as JSON', async () => {
    const to = join(dir, 'machine.db');
    await run(['backup', '--to', to, '--database', database, '--json']);
    expect(JSON.parse(out)).toMatchObject({ source: h.db.name, target: to, studies: 1, trials: 3, bytes: expect.any(Number), integrity: 'ok' });
  });

  test('the database comes from DATABASE_URL when --database is not given', async () => {
    const to = join(dir, 'from-env.db');
    await run(['backup', '--to', to, '--json'], { DATABASE_URL: database });
    expect(JSON.parse(out).source).toBe(h.db.name);
  });

  test('an existing file is refused as a usage error, and replaced with --force', async () => {
    const to = join(dir, 'existing.db');
    writeFileSync(to, 'keep me');
    await expect(run(['backup', '--to', to, '--database', database])).rejects.toThrow(new UsageError(`${to} exists; pass --force to replace it`));
    await run(['backup', '--to', to, '--database', database, '--force', '--json']);
    expect(JSON.parse(out)).toMatchObject({ target: to, trials: 3 });
  });

  test.each([
    [['backup'], '`posterior backup` needs --to FILE'],
    [['backup', 'extra', '--to', 'x.db'], 'unexpected argument "extra"'],
    [['backup', '--to', 'x.db', '--database', 'postgres://db/posterior'], "DATABASE_URL must start with 'sqlite:', got 'postgres://db/posterior'"],
    [['backup', '--to', 'x.db', '--database', 'sqlite:/nonexistent/p.db'], 'there is no database at /nonexistent/p.db'],
  ])('posterior %j is a usage error: "%s"', async (argv, message) => {
    await expect(run(argv)).rejects.toThrow(UsageError);
    await expect(run(argv)).rejects.toThrow(message);
  });

  test('a target that cannot be written is a failure (exit 3), not a usage error', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await expect(run(['backup', '--to', join(file, 'copy.db'), '--database', database])).rejects.toThrow(CommandFailedError);
    await expect(run(['backup', '--to', join(file, 'copy.db'), '--database', database])).rejects.toThrow(/^the backup failed: /);
  });
});

test('a backup taken while workers suggest and observe holds every trial acknowledged before it started, and the server keeps answering', async () => {
  const file = join(dir, 'live.db');
  const server = await startServer({ DATABASE_URL: `sqlite:${file}`, ENGINE_THREADS: '1' });
  const unexpected: string[] = [];
  const acknowledged = new Map<string, number>();
  let running = true;
  try {
    const study = (await json(`${server.url}/v1/studies`, 'POST', { name: 'live', parameters: mixedSpace, objective: { goal: 'minimize' } })).body.id as string;
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const s = await json(`${server.url}/v1/studies/${study}/suggest`, 'POST', {});
        if (s.status !== 200) {
          unexpected.push(`suggest ${s.status}`);
          continue;
        }
        const trialId = s.body.trials[0].id as string;
        const value = w + i / 1000;
        const o = await json(`${server.url}/v1/studies/${study}/observe`, 'POST', { trialId, value });
        if (o.status === 200) acknowledged.set(trialId, value);
        else unexpected.push(`observe ${o.status}`);
      }
    };
    const health: number[] = [];
    const probe = async () => {
      while (running) {
        health.push((await fetch(`${server.url}/healthz`)).status);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const load = Promise.all([worker(0), worker(1), worker(2), worker(3), probe()]);
    while (acknowledged.size < 20) await new Promise((r) => setTimeout(r, 20));

    const before = new Map(acknowledged);
    const healthBefore = health.length;
    const backup = await runCli(['backup', '--to', join(dir, 'snapshot.db'), '--database', `sqlite:${file}`, '--json']);
    // Writes were acknowledged while the backup ran, and still are after it.
    const after = acknowledged.size;
    expect(after).toBeGreaterThan(before.size);
    while (acknowledged.size < after + 4) await new Promise((r) => setTimeout(r, 20));
    running = false;
    await load;

    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const report = JSON.parse(backup.stdout) as { studies: number; trials: number; integrity: string };
    expect(report).toMatchObject({ studies: 1, integrity: 'ok' });
    expect(health.length).toBeGreaterThan(healthBefore);
    expect(health.every((s) => s === 200)).toBe(true);
    expect(unexpected).toEqual([]);

    const copy = new Database(join(dir, 'snapshot.db'), { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('foreign_key_check')).toEqual([]);
      const stored = new Map((copy.prepare(`SELECT id, value FROM trials WHERE state = 'completed'`).all() as { id: string; value: number }[]).map((r) => [r.id, r.value]));
      for (const [id, value] of before) expect(stored.get(id), id).toBe(value);
      expect((copy.prepare('SELECT COUNT(*) AS n FROM trials').get() as { n: number }).n).toBe(report.trials);
    } finally {
      copy.close();
    }
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  } finally {
    running = false;
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }
}, 90_000);

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
