/**
 * The README's "One tuning loop with curl", pasted as it is into one bash against a live
 * server (only its address changed): every block runs, the ids flow between blocks through
 * the shell variables, and what it prints is what the README shows, ids and made-up losses aside.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Posterior } from '../../clients/typescript/index.js';
import { repositoryRoot } from '../support/server-process.js';
import { hasJq, machineTool, startLiveServer, type LiveServer } from './live-server.js';

const run = promisify(execFile);
const tools = hasJq() && machineTool('curl', 'curl', ['--version']);
let server: LiveServer;

beforeAll(async () => {
  if (tools) server = await startLiveServer();
});
afterAll(() => server?.stop());

/** The sh blocks of the README section headed `title`, in order. */
function shellBlocks(title: string): string[] {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The outputs a block shows: its comment lines that are JSON, without the `# `. */
function shown(block: string): string[] {
  return block
    .split('\n')
    .filter((line) => line.startsWith('# {'))
    .map((line) => line.slice(2));
}

/** The one answer a block shows as `# → 422 {…` over several comment lines, parsed. */
function shownAnswer(block: string): unknown {
  const lines = block.split('\n').filter((line) => line.startsWith('#'));
  return JSON.parse(lines.map((line) => line.replace(/^# (→ \d{3} )?\s*/, '')).join(''));
}

const maskIds = (text: string) => text.replace(/"(st|tr)_[\w-]{16}"/g, '"$1_…"');

test.skipIf(!tools)('the curl walkthrough runs as pasted, carrying the study and trial ids in shell variables, and prints what the README shows', async () => {
  const blocks = shellBlocks('One tuning loop with curl');
  expect(blocks).toHaveLength(6);
  const script = blocks.map((block, i) => `echo '=== block ${i}'\n${block}`).join('\n').replaceAll('http://127.0.0.1:8080', server.url);
  const { stdout } = await run('bash', ['-c', `set -euo pipefail\n${script}`], { timeout: 60_000 });
  const printed = stdout.split(/^=== block \d+\n/m).slice(1).map((out) => out.trim().split('\n'));

  // The study, its first trial (seed 42: the same parameters as in the README) and its observation.
  for (const i of [0, 1, 2]) expect(printed[i]!.map(maskIds)).toEqual(shown(blocks[i]!).map(maskIds));
  const studyId = JSON.parse(printed[0]![0]!).id as string;
  const firstTrial = JSON.parse(printed[1]![0]!).id as string;
  expect(JSON.parse(printed[2]![0]!).id).toBe(firstTrial);

  // Five more rounds with made-up losses, then the best of the six.
  const rounds = printed[3]!.map((line) => JSON.parse(line) as { number: number; value: number });
  expect(rounds.map((r) => r.number)).toEqual([1, 2, 3, 4, 5]);
  // The losses are 0.10 to 0.99, and JSON drops a trailing zero: 0.30 prints as 0.3.
  expect(printed[3]!.every((line) => /^\{"number":\d,"value":0\.\d\d?\}$/.test(line))).toBe(true);
  const best = JSON.parse(printed[4]![0]!);
  expect(best.value).toBe(Math.min(0.42, ...rounds.map((r) => r.value)));

  const client = new Posterior({ url: server.url });
  const trials = await client.allTrials(studyId);
  expect(trials.map((t) => [t.number, t.state, t.value])).toEqual([[0, 'completed', 0.42], ...rounds.map((r) => [r.number, 'completed', r.value])]);
  expect(best.params).toEqual(trials[best.number]!.params);

  // Bad input: the problem document the README shows (it leaves out `instance`).
  expect(JSON.parse(printed[5]![0]!)).toMatchObject(shownAnswer(blocks[5]!) as object);
}, 60_000);
