/**
 * Load benchmark (issue 4): simulated asynchronous training workers against a real
 * server process over HTTP on localhost. Each worker loops suggest → "train" (a random
 * 50–200 ms sleep) → observe on one of the studies, until the time is up. A probe hits
 * /healthz every 50 ms throughout, to show whether the event loop stays free.
 *
 *   npm run bench:load -- [--workers 16] [--studies 4] [--seconds 60] [--dim 6] [--heavy 1000]
 *                         [--report-steps 27 --report-interval-ms 80]
 *                         [--database postgres://user:password@host:5432/db] [--replicas 2]
 *
 * With --database, the servers use that database (it should be empty: the studies' names are
 * fixed) instead of a fresh SQLite file; with --replicas N, N server processes share it and
 * worker w talks to replica w mod N (a client-side round robin, as a load balancer would).
 *
 * With --heavy N, one more study starts with N observations and a worker of its own asks it
 * for suggestions back to back the whole time, so that a GP at n ≥ N is always being
 * computed while the other endpoints are measured (issue 4: p99 ≤ 50 ms for /healthz and
 * observe on other studies meanwhile).
 *
 * With --report-steps N, the studies stop trials early by ASHA (maxStep N) and each worker
 * reports every step of its trial, one per --report-interval-ms, before it observes (or
 * moves on when told to stop): 16 workers at 80 ms send about 200 reports/s (issue 12:
 * report p99 ≤ 20 ms at that rate, /healthz unchanged).
 *
 * Prints a markdown table: requests per second, p50/p95/p99 per endpoint, errors and
 * duplicate points (both must be 0).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchServer } from './server-process.js';
import { quantile } from './statistics.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '16' },
    studies: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '60' },
    dim: { type: 'string', default: '6' },
    heavy: { type: 'string', default: '0' },
    'report-steps': { type: 'string', default: '0' },
    'report-interval-ms': { type: 'string', default: '80' },
    database: { type: 'string' },
    replicas: { type: 'string', default: '1' },
  },
});
const REPORT_STEPS = Number(args['report-steps']);
const REPORT_INTERVAL_MS = Number(args['report-interval-ms']);
const WORKERS = Number(args.workers);
const STUDIES = Number(args.studies);
const SECONDS = Number(args.seconds);
const DIM = Number(args.dim);
const HEAVY = Number(args.heavy);
const REPLICAS = Number(args.replicas);

/** A smooth synthetic objective on [0,1]^d (a shifted sphere with a ripple), min 0 at 0.3·1. */
const objective = (x: number[]) => x.reduce((s, v, i) => s + (v - 0.3) ** 2 + 0.05 * (1 - Math.cos(8 * Math.PI * (v - 0.3))) * (i % 2), 0);

const latencies = new Map<string, number[]>();
let errors = 0;
const errorSamples: string[] = [];

type Json = { id: string; value: number; decision?: string; nextCursor?: string | null; trials: { id: string; params: Record<string, number> }[] };

async function call(endpoint: string, url: string, method: string, body?: unknown): Promise<Json | null> {
  const started = performance.now();
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (!latencies.has(endpoint)) latencies.set(endpoint, []);
  latencies.get(endpoint)!.push(ms);
  if (!res.ok) {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(`${endpoint} ${res.status} ${text.slice(0, 200)}`);
    return null;
  }
  return text ? (JSON.parse(text) as Json) : null;
}


async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'posterior-load-'));
  const replicas = await Promise.all(
    Array.from({ length: REPLICAS }, () => startBenchServer({ databaseFile: join(dir, 'load.db'), ...(args.database ? { databaseUrl: args.database } : {}), from: 'source' })),
  );
  const server = replicas[0]!;
  const urlOf = (w: number) => replicas[w % REPLICAS]!.url;
  const studyIds: string[] = [];
  for (let s = 0; s < STUDIES; s++) {
    const study = await call('POST /v1/studies', `${server.url}/v1/studies`, 'POST', {
      name: `load-${s}`,
      parameters: Array.from({ length: DIM }, (_, i) => ({ name: `x${i}`, type: 'float', low: 0, high: 1 })),
      objective: { goal: 'minimize' },
      options: { seed: 1000 + s, ...(REPORT_STEPS > 0 ? { earlyStopping: { rule: 'asha', maxStep: REPORT_STEPS } } : {}) },
    });
    studyIds.push(study!.id);
  }

  let heavyStudy: string | null = null;
  if (HEAVY > 0) {
    const created = await call('setup', `${server.url}/v1/studies`, 'POST', {
      name: 'heavy',
      parameters: Array.from({ length: DIM }, (_, i) => ({ name: `x${i}`, type: 'float', low: 0, high: 1 })),
      objective: { goal: 'minimize' },
      options: { seed: 7 },
    });
    heavyStudy = created!.id;
    for (let k = 0; k < HEAVY; k++) {
      // A low-discrepancy-ish fill: the golden-ratio sequence per coordinate.
      const x = Array.from({ length: DIM }, (_, i) => (k * (0.6180339887 + i * 0.1234567) + 0.5 / (i + 1)) % 1);
      const params = Object.fromEntries(x.map((v, i) => [`x${i}`, v]));
      await call('setup', `${server.url}/v1/studies/${heavyStudy}/observe`, 'POST', { params, value: objective(x) });
    }
    latencies.delete('setup');
  }

  const deadline = Date.now() + SECONDS * 1000;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      await call('GET /healthz', `${server.url}/healthz`, 'GET');
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const worker = async (w: number) => {
    const study = studyIds[w % STUDIES]!;
    const base = urlOf(w);
    while (Date.now() < deadline) {
      const s = await call('POST suggest', `${base}/v1/studies/${study}/suggest`, 'POST', {});
      const trial = s?.trials[0];
      if (!trial) continue;
      const x = Array.from({ length: DIM }, (_, i) => trial.params[`x${i}`] ?? NaN);
      if (REPORT_STEPS > 0) {
        // A learning curve that falls towards the objective's value.
        let stopped = false;
        for (let step = 1; step <= REPORT_STEPS && !stopped && Date.now() < deadline; step++) {
          await new Promise((r) => setTimeout(r, REPORT_INTERVAL_MS));
          const value = objective(x) + 1 / step;
          const answer = await call('POST report', `${base}/v1/studies/${study}/trials/${trial.id}/report`, 'POST', { step, value });
          stopped = answer?.decision === 'stop';
        }
        if (stopped) continue;
      } else {
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
      }
      await call('POST observe', `${base}/v1/studies/${study}/observe`, 'POST', { trialId: trial.id, value: objective(x) });
    }
  };
  const heavyWorker = async () => {
    while (heavyStudy && Date.now() < deadline) {
      const s = await call(`POST suggest (n ≥ ${HEAVY} study)`, `${server.url}/v1/studies/${heavyStudy}/suggest`, 'POST', {});
      const trial = s?.trials[0];
      if (!trial) continue;
      const x = Array.from({ length: DIM }, (_, i) => trial.params[`x${i}`] ?? NaN);
      await call('setup', `${server.url}/v1/studies/${heavyStudy}/observe`, 'POST', { trialId: trial.id, value: objective(x) });
    }
  };
  const started = performance.now();
  await Promise.all([heavyWorker(), ...Array.from({ length: WORKERS }, (_, w) => worker(w))]);
  const elapsed = (performance.now() - started) / 1000;
  probing = false;
  await probe;

  let duplicates = 0;
  let trials = 0;
  const best: number[] = [];
  for (const id of heavyStudy ? [...studyIds, heavyStudy] : studyIds) {
    // Every page: the heavy study has more than one page of trials.
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET trials', `${server.url}/v1/studies/${id}/trials?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 'GET');
      keys.push(...(page?.trials ?? []).map((t) => JSON.stringify(t.params)));
      cursor = page?.nextCursor ?? undefined;
    } while (cursor);
    duplicates += keys.length - new Set(keys).size;
    trials += keys.length;
    best.push((await call('GET best', `${server.url}/v1/studies/${id}/best`, 'GET'))?.value ?? NaN);
  }
  await Promise.all(replicas.map((r) => r.stop()));
  rmSync(dir, { recursive: true, force: true });

  const total = [...latencies.entries()].filter(([k]) => k === 'POST suggest' || k === 'POST observe').reduce((n, [, v]) => n + v.length, 0);
  const heavyNote = HEAVY > 0 ? `, plus one study with ${HEAVY} observations suggested back to back` : '';
  const where = args.database ? `PostgreSQL, ${REPLICAS} replica${REPLICAS > 1 ? 's' : ''}` : `SQLite, ${REPLICAS} process${REPLICAS > 1 ? 'es' : ''}`;
  console.log(`\n${where}: ${WORKERS} workers, ${STUDIES} studies, d = ${DIM}, ${SECONDS} s${heavyNote}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
  console.log('| endpoint | requests | p50 ms | p95 ms | p99 ms |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const endpoint of ['POST suggest', 'POST observe', ...(REPORT_STEPS > 0 ? ['POST report'] : []), 'GET /healthz', ...(HEAVY > 0 ? [`POST suggest (n ≥ ${HEAVY} study)`] : [])]) {
    const xs = latencies.get(endpoint) ?? [];
    console.log(`| ${endpoint} | ${xs.length} | ${quantile(xs, 0.5).toFixed(1)} | ${quantile(xs, 0.95).toFixed(1)} | ${quantile(xs, 0.99).toFixed(1)} |`);
  }
  const reports = latencies.get('POST report')?.length ?? 0;
  console.log(`\nsuggest + observe: ${(total / elapsed).toFixed(1)} requests/s${REPORT_STEPS > 0 ? `; reports: ${(reports / elapsed).toFixed(1)}/s` : ''}; trials: ${trials}; errors: ${errors}; duplicate points: ${duplicates}`);
  console.log(`best value per study: ${best.map((b) => b.toFixed(4)).join(', ')}`);
  if (errorSamples.length > 0) console.log(`first errors:\n  ${errorSamples.join('\n  ')}`);
  const errorLines = replicas.flatMap((r) => r.log.errorLines);
  if (errorLines.length > 0) console.log(`server error lines:\n  ${errorLines.join('\n  ')}`);
  if (errors > 0 || duplicates > 0) process.exitCode = 1;
}

await main();
