/**
 * Why `posterior backup` copies in one step (docs/decisions/0001-backup-in-one-step.md):
 * SQLite's backup API restarts from the first page whenever another connection writes to
 * the source between two steps. A second process writes one small row every few
 * milliseconds, as a busy server does, while this one backs up a WAL database of a given
 * size in steps of N pages (100 is better-sqlite3's default) or all at once.
 *
 *   npm run bench:backup-steps -- [--mb 20] [--write-every-ms 5] [--give-up-seconds 10]
 *
 * Prints one row per step size: finished or not, time, steps taken, restarts.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '20' },
    'write-every-ms': { type: 'string', default: '5' },
    'give-up-seconds': { type: 'string', default: '10' },
    writer: { type: 'string' },
  },
});

if (args.writer !== undefined) {
  // The child: one INSERT every few milliseconds, each its own transaction, until killed.
  const db = new Database(args.writer, { timeout: 5000 });
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
  setInterval(() => insert.run('w'.repeat(100)), Number(args['write-every-ms']));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'posterior-backup-steps-'));
  const source = join(dir, 'source.db');
  const db = new Database(source);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < Number(args.mb) * 1000; i++) insert.run('x'.repeat(1000));
  })();
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.close();

  const writer = fork(process.argv[1]!, ['--writer', source, '--write-every-ms', args['write-every-ms']!], { execArgv: process.execArgv });
  await new Promise((r) => setTimeout(r, 500));
  const giveUp = Number(args['give-up-seconds']) * 1000;
  console.log(`\n${pages} pages (${args.mb} MB), one write every ${args['write-every-ms']} ms from another process\n`);
  console.log('| pages per step | finished | ms | steps | restarts |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const perStep of [100, 1000, 0x7fffffff]) {
    const reader = new Database(source, { readonly: true });
    let steps = 0;
    let restarts = 0;
    let remaining = Infinity;
    let stop = false;
    const started = performance.now();
    const finished = await Promise.race([
      reader
        .backup(join(dir, `copy-${perStep}.db`), {
          progress: (p) => {
            if (stop) throw new Error('given up');
            steps++;
            if (p.remainingPages > remaining) restarts++;
            remaining = p.remainingPages;
            return perStep;
          },
        })
        .then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), giveUp)),
    ]);
    stop = true;
    const ms = performance.now() - started;
    const label = perStep === 0x7fffffff ? 'all (one step)' : String(perStep);
    console.log(`| ${label} | ${finished ? 'yes' : `no, gave up after ${giveUp / 1000} s`} | ${ms.toFixed(0)} | ${steps} | ${restarts} |`);
    // Let a given-up backup see `stop` and release the file before the next row.
    await new Promise((r) => setTimeout(r, 50));
    reader.close();
  }
  writer.kill();
  rmSync(dir, { recursive: true, force: true });
}
