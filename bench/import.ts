/**
 * `npm run bench:import`: the body size and the time of one 10,000-row import
 * (`POST …/trials:import`), against the service in a child process, and the server's
 * resident memory around it. Decision 0024 has the numbers that set MAX_IMPORT_BODY_BYTES.
 *
 *   --rows N           rows per import (default 10000)
 *   --metadata BYTES   metadata per row, roughly (default 100: a run URL and a commit)
 *   --repeats N        imports, each into a fresh study (default 3)
 *   --from dist|source the server to run (default source)
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag } from './harness.js';
import { startBenchServer } from './server-process.js';

const rows = Number(flag('rows') ?? 10_000);
const metadataBytes = Number(flag('metadata') ?? 100);
const repeats = Number(flag('repeats') ?? 3);
const from = flag('from') === 'dist' ? 'dist' : 'source';

type Spec = { name: string; type: string; low?: number; high?: number; log?: boolean; values?: number[]; choices?: string[] };

/** Ten parameters: six floats (two on a log scale), two ints, an ordinal and a categorical. */
const parameters: Spec[] = [
  ...Array.from({ length: 6 }, (_, i) => ({ name: `x${i}`, type: 'float', low: i < 2 ? 1e-5 : -5, high: i < 2 ? 1 : 5, log: i < 2 })),
  { name: 'layers', type: 'int', low: 1, high: 12 },
  { name: 'width', type: 'int', low: 16, high: 1024 },
  { name: 'batch', type: 'ordinal', values: [16, 32, 64, 128, 256] },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop', 'adamw'] },
];

function row(i: number) {
  const u = (k: number) => ((i * 0.6180339887498949 + k * 0.7548776662466927) % 1);
  const params: Record<string, number | string> = {};
  parameters.forEach((p, k) => {
    if (p.type === 'float') params[p.name] = p.log ? 1e-5 * Math.pow(1e5, u(k)) : -5 + 10 * u(k);
    else if (p.type === 'int') params[p.name] = Math.round(p.low! + (p.high! - p.low!) * u(k));
    else if (p.type === 'ordinal') params[p.name] = p.values![i % 5]!;
    else params[p.name] = p.choices![i % 4]!;
  });
  const url = `https://wandb.ai/team/project/runs/${i.toString(36)}`;
  const pad = Math.max(0, metadataBytes - url.length - 70);
  return {
    params,
    value: Math.sin(i) + u(11),
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    completedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000 + 45_000).toISOString(),
    metadata: { url, commit: (i * 2654435761).toString(16).padStart(12, '0'), ...(pad > 0 ? { note: 'n'.repeat(pad) } : {}) },
  };
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

const databaseFile = join(tmpdir(), `posterior-bench-import-${process.pid}.db`);
const server = await startBenchServer({ databaseFile, from });
try {
  const body = JSON.stringify({ trials: Array.from({ length: rows }, (_, i) => row(i)) });
  const bytes = Buffer.byteLength(body);
  console.log(`${rows} rows, 10 parameters, ~${metadataBytes} B of metadata each: body ${(bytes / 1024 / 1024).toFixed(2)} MiB (${Math.round(bytes / rows)} B a row)`);
  const before = rssMiB(server.pid);
  for (let r = 0; r < repeats; r++) {
    const study = await fetch(`${server.url}/v1/studies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `import-${r}`, parameters, objective: { goal: 'minimize' } }),
    }).then((res) => res.json() as Promise<{ id: string }>);
    const started = performance.now();
    const res = await fetch(`${server.url}/v1/studies/${study.id}/trials:import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = await res.text();
    const ms = performance.now() - started;
    console.log(`import ${r + 1}: ${res.status} in ${ms.toFixed(0)} ms (answer ${(answer.length / 1024 / 1024).toFixed(2)} MiB), server RSS ${rssMiB(server.pid).toFixed(0)} MiB`);
  }
  console.log(`server RSS before the first import ${before.toFixed(0)} MiB`);
} finally {
  await server.stop();
  rmSync(databaseFile, { force: true });
  rmSync(`${databaseFile}-wal`, { force: true });
  rmSync(`${databaseFile}-shm`, { force: true });
}
