/**
 * Fairness benchmark (issue 10): how long a light study's suggestions take alone, and
 * beside heavy neighbours that keep the engine busy.
 *
 *   npm run bench:fairness -- [--seconds 60] [--deadline-ms 5000] [--env ENGINE_EXPRESS_THREAD=0] [--scenarios alone,stateless,heavy]
 *
 * The light study (6 floats, 30 observations to start) is driven by one worker: suggest,
 * "train" 50 ms, observe, again. Each scenario runs for --seconds on a fresh server:
 *   alone           the light worker only;
 *   2 stateless     two clients send a wide stateless suggest back to back (75 floats and
 *                   25 categoricals of 1,000 choices, 5 observations, 8 points: each call
 *                   runs until the engine deadline);
 *   2 heavy studies two studies of 1,000 observations in 12 dimensions, each asked for a
 *                   point back to back by its own worker.
 * Target: the light worker's suggest p99 beside the neighbours ≤ 2× its p99 alone.
 * Prints a markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchServer } from './server-process.js';
import { quantile } from './statistics.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'deadline-ms': { type: 'string', default: '5000' },
    /** Server settings, KEY=VALUE, repeatable. */
    env: { type: 'string', multiple: true, default: [] },
    scenarios: { type: 'string', default: 'alone,stateless,heavy' },
  },
});
const SERVER_ENV = Object.fromEntries(args.env!.map((kv) => kv.split('=', 2) as [string, string]));
const SCENARIOS = new Set(args.scenarios!.split(','));
const SECONDS = Number(args.seconds);
const DEADLINE_MS = args['deadline-ms']!;

type Json = Record<string, unknown>;
async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: Json; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, ms: performance.now() - started };
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const floats = (prefix: string, d: number) => Array.from({ length: d }, (_, i) => ({ name: `${prefix}${i}`, type: 'float', low: 0, high: 1 }));
const sphere = (params: Json) => Object.values(params).reduce<number>((s, v) => s + ((v as number) - 0.3) ** 2, 0);
const wideSpace = [
  ...floats('f', 75),
  ...Array.from({ length: 25 }, (_, i) => ({ name: `c${i}`, type: 'categorical', choices: Array.from({ length: 1000 }, (_, k) => `v${k}`) })),
];
const wideBody = {
  parameters: wideSpace,
  objective: { goal: 'minimize' },
  count: 8,
  initialTrials: 5,
  observations: Array.from({ length: 5 }, (_, r) => ({
    params: Object.fromEntries(wideSpace.map((p, j) => [p.name, p.type === 'float' ? ((r * 7 + j * 3) % 11) / 11 : `v${(r * 131 + j * 17) % 1000}`])),
    value: r,
  })),
};

async function createStudy(url: string, name: string, d: number, observations: number): Promise<string> {
  const created = await call(`${url}/v1/studies`, 'POST', { name, parameters: floats('x', d), objective: { goal: 'minimize' }, options: { seed: 1 } });
  const id = created.body.id as string;
  for (let i = 0; i < observations; i++) {
    const params = Object.fromEntries(Array.from({ length: d }, (_, j) => [`x${j}`, ((i * 0.618034 + j * 0.3819) % 1 + 1) % 1]));
    await call(`${url}/v1/studies/${id}/observe`, 'POST', { params, value: sphere(params) });
  }
  return id;
}

/** suggest → work → observe until `until`; returns each suggest's latency (ms) and the non-2xx count. */
async function loop(url: string, study: string, until: number, workMs: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  while (performance.now() < until) {
    const s = await call(`${url}/v1/studies/${study}/suggest`, 'POST', {});
    if (s.status !== 200) {
      errors++;
      await sleep(100);
      continue;
    }
    latencies.push(s.ms);
    const trial = (s.body.trials as { id: string; params: Json }[])[0]!;
    if (workMs > 0) await sleep(workMs);
    const o = await call(`${url}/v1/studies/${study}/observe`, 'POST', { trialId: trial.id, value: sphere(trial.params) });
    if (o.status !== 200) errors++;
  }
  return { latencies, errors };
}

async function statelessLoop(url: string, until: number): Promise<{ done: number; busy: number; errors: number }> {
  let done = 0;
  let busy = 0;
  let errors = 0;
  while (performance.now() < until) {
    const r = await call(`${url}/v1/suggest`, 'POST', wideBody);
    if (r.status === 200) done++;
    else if (r.status === 429) {
      busy++;
      await sleep(1000 * Number(r.body.retryAfter ?? 1));
    } else errors++;
  }
  return { done, busy, errors };
}

type Row = { scenario: string; latencies: number[]; errors: number; neighbours: string };

async function scenario(name: string, neighbours: (url: string, until: number) => Promise<string>[]): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'posterior-fairness-'));
  const server = await startBenchServer({ databaseFile: join(dir, 'fairness.db'), env: { ENGINE_DEADLINE_MS: DEADLINE_MS, ...SERVER_ENV } });
  try {
    const light = await createStudy(server.url, 'light', 6, 30);
    const heavy = name === '2 heavy studies' ? await Promise.all([createStudy(server.url, 'heavy-a', 12, 1000), createStudy(server.url, 'heavy-b', 12, 1000)]) : [];
    // Warm up: the light study's first GP call fits θ from scratch.
    await loop(server.url, light, performance.now() + 2000, 50);
    const until = performance.now() + SECONDS * 1000;
    const others = heavy.length > 0 ? heavy.map((id) => loop(server.url, id, until, 0).then((r) => `${r.latencies.length} suggests (${r.errors} errors)`)) : neighbours(server.url, until);
    const [mine, ...theirs] = await Promise.all([loop(server.url, light, until, 50), ...others]);
    return { scenario: name, latencies: (mine as { latencies: number[] }).latencies, errors: (mine as { errors: number }).errors, neighbours: (theirs as string[]).join('; ') || '–' };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
if (SCENARIOS.has('alone')) rows.push(await scenario('alone', () => []));
if (SCENARIOS.has('stateless')) {
  rows.push(
    await scenario('2 stateless', (url, until) =>
      [0, 1].map((i) => sleep(i * 200).then(() => statelessLoop(url, until)).then((r) => `${r.done} wide calls, ${r.busy} × 429 (${r.errors} errors)`)),
    ),
  );
}
if (SCENARIOS.has('heavy')) rows.push(await scenario('2 heavy studies', () => []));

const alone = rows[0]!.scenario === 'alone' ? quantile(rows[0]!.latencies, 0.99) : NaN;
const settings = Object.entries({ ENGINE_DEADLINE_MS: DEADLINE_MS, ...SERVER_ENV }).map(([k, v]) => `${k}=${v}`).join(' ');
console.log(`\nLight study's suggest latency, ${SECONDS} s per scenario, ${settings}; ${cpus().length} × ${cpus()[0]?.model.trim()}, Node.js ${process.version}\n`);
console.log('| neighbours | suggests | p50 ms | p95 ms | p99 ms | p99 / alone | errors | neighbour work |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const q = (p: number) => quantile(r.latencies, p).toFixed(1);
  console.log(`| ${r.scenario} | ${r.latencies.length} | ${q(0.5)} | ${q(0.95)} | ${q(0.99)} | ${(quantile(r.latencies, 0.99) / alone).toFixed(2)}× | ${r.errors} | ${r.neighbours} |`);
}
