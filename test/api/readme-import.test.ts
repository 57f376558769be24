/**
 * The README's "Import results, attach metadata", pasted as it is into one bash against a
 * live server (only its address changed): what it prints is what the README shows, ids aside.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hasJq, machineTool, startLiveServer, type LiveServer } from '../clients/live-server.js';
import { repositoryRoot } from '../support/server-process.js';

const run = promisify(execFile);
const tools = hasJq() && machineTool('curl', 'curl', ['--version']);
let server: LiveServer;

beforeAll(async () => {
  if (tools) server = await startLiveServer();
}, 60_000);
afterAll(() => server?.stop());

/** The sh blocks of the README subsection headed `title`. */
function shellBlocks(title: string): string[] {
  const readme = readFileSync(join(repositoryRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n### ${title}\n`);
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return [...readme.slice(start, end < 0 ? undefined : end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The JSON a block shows: `# {…` lines, with the `#   …` lines that continue one joined to it. */
function shown(block: string): string[] {
  const out: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('# {')) out.push(line.slice(2));
    else if (line.startsWith('#   ') && out.length > 0) out[out.length - 1] += line.slice(4);
  }
  return out;
}

const maskIds = (text: string) => text.replace(/(st|tr)_[\w-]{16}/g, '$1_…');

test.skipIf(!tools)('the import and metadata examples run as pasted and print what the README shows', async () => {
  const blocks = shellBlocks('Import results, attach metadata');
  expect(blocks).toHaveLength(2);
  const script = blocks.join('\n').replaceAll('localhost:8080', server.url);
  const { stdout } = await run('bash', ['-c', `set -euo pipefail\n${script}`], { timeout: 60_000 });
  const expected = blocks.flatMap(shown);
  expect(expected).toHaveLength(7);
  expect(stdout.trim().split('\n').map(maskIds)).toEqual(expected.map(maskIds));
}, 60_000);
