/**
 * `npx tsx bench/scale-server.ts`: a study with thousands of observations against the service
 * in a child process: suggest latency and the server's memory (decision 0029).
 *
 *   --sizes a,b     observations imported before the rounds (default 5000,20000), one study each
 *   --rounds R      suggest → observe rounds per study (default 6)
 *   --from dist|source  the server to run (default source)
 *
 * A study of six floats in [0, 1] gets `size` completed trials by import (10,000 rows per
 * call) of a smooth function with a ripple (the one of bench/latency.ts), then R rounds of one
 * suggest and its observation, one at a time. Printed per round: the suggest's wall time
 * (HTTP included), the server's CPU time over the round (every thread, /proc: the suggest,
 * the observe, and the next suggestion the observe prepares in the background, given 200 ms
 * after the observe to be counted; on a shared machine CPU time says more than wall time),
 * and the server's resident set (VmRSS) and peak (VmHWM, /proc). The first
 * round is cold (the study has no fitted θ yet); the later rounds are warm.
 */
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag } from './harness.js';
import { startBenchServer } from './server-process.js';

const sizes = (flag('sizes') ?? '5000,20000').split(',').map(Number);
const rounds = Number(flag('rounds') ?? 6);
const from = flag('from') === 'dist' ? 'dist' : 'source';
const D = 6;

function objective(x: number[]): number {
  let f = 0;
  for (let j = 0; j < x.length; j++) {
    const t = x[j]! - (0.25 + 0.5 * ((0.618034 * j) % 1));
    f += t * t + 0.05 * (1 - Math.cos(6 * Math.PI * t));
  }
  return f;
}

/** User + system CPU seconds of the whole server process, every thread (/proc/<pid>/stat, 100 ticks a second). */
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const memoryMiB = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const databaseFile = join(tmpdir(), `posterior-bench-scale-${process.pid}.db`);
const server = await startBenchServer({ databaseFile, from });
try {
  const [l1] = loadavg();
  console.log(`load average at start ${l1!.toFixed(2)}; server RSS at start ${memoryMiB(server.pid, 'VmRSS').toFixed(0)} MiB\n`);
  console.log('| observations | round | suggest ms | server CPU ms per round | server RSS MiB | server peak RSS MiB |');
  console.log('|---|---|---|---|---|---|');
  const parameters = Array.from({ length: D }, (_, j) => ({ name: `x${j}`, type: 'float', low: 0, high: 1 }));
  for (const size of sizes) {
    const study = await post<{ id: string }>(`${server.url}/v1/studies`, { name: `scale-${size}`, parameters, objective: { goal: 'minimize' } });
    for (let start = 0; start < size; start += 10_000) {
      const trials = Array.from({ length: Math.min(10_000, size - start) }, (_, k) => {
        const i = start + k;
        const x = Array.from({ length: D }, (_, j) => (i * 0.6180339887498949 + (j + 1) * 0.7548776662466927 * (j + 1)) % 1);
        return { params: Object.fromEntries(x.map((v, j) => [`x${j}`, v])), value: objective(x) };
      });
      await post(`${server.url}/v1/studies/${study.id}/trials:import`, { trials });
    }
    for (let r = 1; r <= rounds; r++) {
      const cpu0 = cpuSeconds(server.pid);
      const started = performance.now();
      const { trials } = await post<{ trials: { id: string; params: Record<string, number> }[] }>(`${server.url}/v1/studies/${study.id}/suggest`, {});
      const ms = performance.now() - started;
      const t = trials[0]!;
      await post(`${server.url}/v1/studies/${study.id}/observe`, { trialId: t.id, value: objective(Array.from({ length: D }, (_, j) => t.params[`x${j}`]!)) });
      // The observe starts the next suggestion in the background (prepareNext): wait for it to count it in this round.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const cpuMs = (cpuSeconds(server.pid) - cpu0) * 1000;
      console.log(`| ${size} | ${r} | ${ms.toFixed(0)} | ${cpuMs.toFixed(0)} | ${memoryMiB(server.pid, 'VmRSS').toFixed(0)} | ${memoryMiB(server.pid, 'VmHWM').toFixed(0)} |`);
    }
  }
  const [e1] = loadavg();
  console.log(`\nload average at the end ${e1!.toFixed(2)}; server log: ${server.log.warn} warnings, ${server.log.error} errors`);
} finally {
  await server.stop();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${databaseFile}${suffix}`, { force: true });
}
