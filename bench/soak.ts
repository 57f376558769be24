/**
 * Soak benchmark (issue 10): the built server (`node dist/server.js`) under a bounded mixed
 * workload for a fixed time, to show that its memory is flat after a warm-up and that it
 * answers nothing unexpected. `npm run bench:soak` builds first; this script builds nothing.
 *
 *   npm run bench:soak -- [--minutes 30] [--workers 8] [--slots 4] [--trials-per-study 40]
 *                         [--sample-seconds 5] [--warmup 0.2]
 *
 * Workload, on a fresh SQLite file and a free port:
 * - `workers` simulated training workers, spread over `slots` studies: suggest → a short sleep
 *   → observe; some heartbeat half-way, some fail, some send an Idempotency-Key. A study is
 *   replaced by a new one (and deleted once no request uses it) after `trials-per-study`
 *   trials, so the data set stays bounded and memory should stay flat.
 * - a stateless client: POST /v1/suggest with 8–30 observations in the body.
 * - two readers: list, get, every page of trials, one trial, best, export json and csv,
 *   /healthz, /readyz.
 * - a client sending bad requests (malformed JSON, wrong media type, bad parameters, unknown
 *   ids): each must get a 4xx.
 *
 * Every `sample-seconds` it reads the server's RSS from /proc/<pid>/status (Linux only) and
 * the heap and event-loop delay from /metrics (prom-client's default metrics; the delay
 * histogram is reset at each scrape, so a sample's p99 covers the time since the last one).
 * Prints a table, then a summary: RSS at the end of the warm-up (the first `warmup` of the
 * run) against the end and the maximum, requests by endpoint, errors. Exits 1 on any 5xx or
 * unexpected answer, or RSS growth above 10% after the warm-up.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchServer, type BenchServer } from './server-process.js';
import { quantile } from './statistics.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    workers: { type: 'string', default: '8' },
    slots: { type: 'string', default: '4' },
    'trials-per-study': { type: 'string', default: '40' },
    'sample-seconds': { type: 'string', default: '5' },
    warmup: { type: 'string', default: '0.2' },
  },
});
const MINUTES = Number(args.minutes);
const WORKERS = Number(args.workers);
const SLOTS = Number(args.slots);
const TRIALS_PER_STUDY = Number(args['trials-per-study']);
const SAMPLE_SECONDS = Number(args['sample-seconds']);
const WARMUP = Number(args.warmup);
const MAX_GROWTH = 0.1;
for (const [name, v] of Object.entries({ MINUTES, WORKERS, SLOTS, TRIALS_PER_STUDY, SAMPLE_SECONDS })) {
  if (!(v > 0)) throw new Error(`--${name.toLowerCase().replace(/_/g, '-')} must be a positive number`);
}
if (!(WARMUP > 0 && WARMUP < 1)) throw new Error('--warmup must be a fraction between 0 and 1');

const root = fileURLToPath(new URL('../', import.meta.url));
const serverJs = join(root, 'dist/server.js');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const uniform = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

// ---------------------------------------------------------------------------------------------
// The server process

type Server = BenchServer & { dbFile: string };

async function startServer(dir: string): Promise<Server> {
  const dbFile = join(dir, 'soak.db');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { ...(await startBenchServer({ databaseFile: dbFile })), dbFile };
}

function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

function fileMb(path: string): number {
  return existsSync(path) ? statSync(path).size / 2 ** 20 : 0;
}

/** The value of an unlabelled series in a Prometheus text exposition. */
function metric(text: string, name: string): number {
  const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  if (value === undefined) throw new Error(`/metrics has no ${name}`);
  return Number(value);
}

// ---------------------------------------------------------------------------------------------
// Requests and what came back

type Answer = { status: number; body: unknown };
type Expect = (status: number) => boolean;
const is =
  (...statuses: number[]): Expect =>
  (s) =>
    statuses.includes(s);
const clientError: Expect = (s) => s >= 400 && s < 500;

const latencies = new Map<string, number[]>();
const unexpectedBy = new Map<string, number>();
const unexpectedSamples: string[] = [];
let requests = 0;
let serverErrors = 0;
let unexpected = 0;

async function hit(
  endpoint: string,
  url: string,
  init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  expect: Expect,
): Promise<Answer | null> {
  const started = performance.now();
  let status: number;
  let text: string;
  try {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...(init.body !== undefined || init.raw !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
    text = await res.text();
    status = res.status;
  } catch (err) {
    status = 0;
    text = (err as Error).message;
  }
  requests++;
  if (!latencies.has(endpoint)) latencies.set(endpoint, []);
  latencies.get(endpoint)!.push(performance.now() - started);
  if (status >= 500) serverErrors++;
  if (!expect(status)) {
    unexpected++;
    unexpectedBy.set(endpoint, (unexpectedBy.get(endpoint) ?? 0) + 1);
    if (unexpectedSamples.length < 10) unexpectedSamples.push(`${endpoint} → ${status || 'no answer'} ${text.slice(0, 200)}`);
    return null;
  }
  let body: unknown = text;
  if (text.startsWith('{') || text.startsWith('[')) body = JSON.parse(text);
  return { status, body };
}

// ---------------------------------------------------------------------------------------------
// Studies that rotate: a slot holds the current study of some workers; after a bounded number
// of trials it is replaced, and the old one is deleted once no request is using it.

type StudyRef = { id: string; started: number; users: number; retired: boolean };
type Slot = { index: number; generation: number; current: StudyRef; rotating: Promise<void> | null };
type Trial = { id: string; params: Record<string, number | string> };

const space = [
  { name: 'x0', type: 'float', low: 0, high: 1 },
  { name: 'x1', type: 'float', low: 0, high: 1 },
  { name: 'lr', type: 'float', low: 1e-5, high: 1e-1, log: true },
  { name: 'layers', type: 'int', low: 1, high: 8 },
  { name: 'optimizer', type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
];
const objective = (p: Record<string, number | string>) =>
  ((p.x0 as number) - 0.3) ** 2 +
  ((p.x1 as number) - 0.6) ** 2 +
  0.05 * (Math.log10(p.lr as number) + 3) ** 2 +
  0.01 * (p.layers as number) +
  ({ adam: 0, sgd: 0.1, rmsprop: 0.05 }[p.optimizer as string] ?? 1) +
  0.01 * Math.random();

let studiesCreated = 0;
let studiesDeleted = 0;
let trialsLeased = 0;
const deletions = new Set<Promise<void>>();

async function createStudy(url: string, slot: number, generation: number): Promise<StudyRef | null> {
  const created = await hit(
    'POST /v1/studies',
    `${url}/v1/studies`,
    { method: 'POST', body: { name: `soak-${slot}-${generation}`, parameters: space, objective: { name: 'loss', goal: 'minimize' }, options: { seed: slot * 100_000 + generation } } },
    is(201),
  );
  if (!created) return null;
  studiesCreated++;
  return { id: (created.body as { id: string }).id, started: 0, users: 0, retired: false };
}

function deleteStudy(url: string, study: StudyRef): void {
  const done = hit('DELETE /v1/studies/{id}', `${url}/v1/studies/${study.id}`, { method: 'DELETE' }, is(204)).then((a) => {
    if (a) studiesDeleted++;
  });
  deletions.add(done);
  void done.finally(() => deletions.delete(done));
}

async function rotate(url: string, slot: Slot): Promise<void> {
  const next = await createStudy(url, slot.index, slot.generation + 1);
  if (!next) return sleep(1000); // counted as unexpected; try again later
  slot.generation++;
  const old = slot.current;
  slot.current = next;
  old.retired = true;
  if (old.users === 0) deleteStudy(url, old);
}

/** The slot's current study, held until `release`; a worker (`lease`) rotates a full one first. */
async function acquire(url: string, slot: Slot, lease: boolean): Promise<StudyRef> {
  while (lease && slot.current.started >= TRIALS_PER_STUDY) {
    slot.rotating ??= rotate(url, slot).finally(() => (slot.rotating = null));
    await slot.rotating;
  }
  const study = slot.current;
  study.users++;
  if (lease) study.started++;
  return study;
}

function release(url: string, study: StudyRef): void {
  study.users--;
  if (study.retired && study.users === 0) deleteStudy(url, study);
}

// ---------------------------------------------------------------------------------------------
// The clients

let running = true;

async function worker(url: string, slot: Slot, w: number): Promise<void> {
  for (let i = 0; running; i++) {
    const study = await acquire(url, slot, true);
    try {
      const base = `${url}/v1/studies/${study.id}`;
      const headers: Record<string, string> = Math.random() < 0.3 ? { 'Idempotency-Key': `w${w}-${i}` } : {};
      const s = await hit('POST suggest', `${base}/suggest`, { method: 'POST', body: {}, headers }, is(200));
      const trial = (s?.body as { trials?: Trial[] } | undefined)?.trials?.[0];
      if (!trial) {
        await sleep(200);
        continue;
      }
      trialsLeased++;
      await sleep(uniform(20, 120));
      if (Math.random() < 0.25) {
        await hit('POST heartbeat', `${base}/trials/${trial.id}/heartbeat`, { method: 'POST' }, is(200));
        await sleep(uniform(20, 80));
      }
      const body = Math.random() < 0.15 ? { trialId: trial.id, failed: true, reason: pick(['CUDA out of memory', 'diverged: loss is NaN', 'preempted']) } : { trialId: trial.id, value: objective(trial.params) };
      await hit('POST observe', `${base}/observe`, { method: 'POST', body }, is(200));
    } finally {
      release(url, study);
    }
  }
}

async function statelessClient(url: string): Promise<void> {
  const params = space.slice(0, 3);
  while (running) {
    const observations = Array.from({ length: Math.floor(uniform(8, 31)) }, () => {
      const p = { x0: Math.random(), x1: Math.random(), lr: 10 ** uniform(-5, -1) };
      return { params: p, value: objective({ ...p, layers: 1, optimizer: 'adam' }) };
    });
    await hit('POST /v1/suggest', `${url}/v1/suggest`, { method: 'POST', body: { parameters: params, objective: { goal: 'minimize' }, observations, count: pick([1, 2]) } }, is(200));
    await sleep(uniform(300, 1000));
  }
}

async function reader(url: string, slots: Slot[]): Promise<void> {
  while (running) {
    const study = await acquire(url, pick(slots), false);
    const base = `${url}/v1/studies/${study.id}`;
    try {
      switch (Math.floor(Math.random() * 9)) {
        case 0: {
          let cursor: string | null = null;
          do {
            const page = await hit('GET /v1/studies', `${url}/v1/studies?limit=3${cursor ? `&cursor=${cursor}` : ''}`, {}, is(200));
            cursor = (page?.body as { nextCursor?: string | null } | undefined)?.nextCursor ?? null;
          } while (cursor && running);
          break;
        }
        case 1:
          await hit('GET /v1/studies/{id}', base, {}, is(200));
          break;
        case 2: {
          let cursor: string | null = null;
          let trials: Trial[] = [];
          do {
            const page = await hit('GET trials', `${base}/trials?limit=10${cursor ? `&cursor=${cursor}` : ''}`, {}, is(200));
            const body = page?.body as { trials: Trial[]; nextCursor: string | null } | undefined;
            trials = body?.trials ?? trials;
            cursor = body?.nextCursor ?? null;
          } while (cursor && running);
          if (trials.length > 0) await hit('GET trial', `${base}/trials/${pick(trials).id}`, {}, is(200));
          break;
        }
        case 3:
          await hit('GET trials?state=completed', `${base}/trials?state=completed&limit=100`, {}, is(200));
          break;
        case 4:
          // 404 NO_COMPLETED_TRIALS is the right answer for a study that has none yet.
          await hit('GET best', `${base}/best`, {}, is(200, 404));
          break;
        case 5:
          await hit('GET export json', `${base}/export?format=json`, {}, is(200));
          break;
        case 6:
          await hit('GET export csv', `${base}/export?format=csv`, {}, is(200));
          break;
        case 7:
          await hit('GET /healthz', `${url}/healthz`, {}, is(200));
          break;
        default:
          await hit('GET /readyz', `${url}/readyz`, {}, is(200));
      }
    } finally {
      release(url, study);
    }
    await sleep(uniform(30, 100));
  }
}

async function badClient(url: string, slots: Slot[]): Promise<void> {
  while (running) {
    const study = await acquire(url, pick(slots), false);
    const base = `${url}/v1/studies/${study.id}`;
    try {
      const bad: [string, string, Parameters<typeof hit>[2]][] = [
        ['bad: malformed JSON', `${url}/v1/studies`, { method: 'POST', raw: '{"name": "half' }],
        ['bad: malformed JSON', `${base}/observe`, { method: 'POST', raw: '{"trialId": ' }],
        ['bad: wrong media type', `${url}/v1/studies`, { method: 'POST', raw: 'name=x', headers: { 'content-type': 'text/plain' } }],
        ['bad: count 0', `${base}/suggest`, { method: 'POST', body: { count: 0 } }],
        ['bad: limit 0', `${url}/v1/studies?limit=0`, {}],
        ['bad: forged cursor', `${base}/trials?cursor=abc`, {}],
        ['bad: unknown state', `${base}/trials?state=sleeping`, {}],
        ['bad: unknown trial', `${base}/observe`, { method: 'POST', body: { trialId: 'tr_doesnotexist', value: 1 } }],
        ['bad: value as text', `${base}/observe`, { method: 'POST', body: { trialId: 'tr_x', value: 'NaN' } }],
        ['bad: unknown study', `${url}/v1/studies/st_doesnotexist`, {}],
        ['bad: empty space', `${url}/v1/suggest`, { method: 'POST', body: { parameters: [], objective: { goal: 'minimize' }, observations: [] } }],
        ['bad: invalid space', `${url}/v1/studies`, { method: 'POST', body: { name: 'bad', parameters: [{ name: 'lr', type: 'float', low: 0, high: 1, log: true }], objective: { goal: 'minimize' } } }],
      ];
      const [endpoint, target, init] = pick(bad);
      await hit(endpoint, target, init, clientError);
    } finally {
      release(url, study);
    }
    await sleep(uniform(100, 300));
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling and the report

type Sample = { t: number; rss: number; heap: number; lagP99: number; requests: number; serverErrors: number; unexpected: number; dbMb: number };

async function sample(server: Server, started: number): Promise<Sample> {
  const page = await hit('GET /metrics', `${server.url}/metrics`, {}, is(200));
  const text = typeof page?.body === 'string' ? page.body : '';
  return {
    t: (performance.now() - started) / 1000,
    rss: rssMb(server.pid),
    heap: text ? metric(text, 'posterior_nodejs_heap_size_used_bytes') / 2 ** 20 : NaN,
    lagP99: text ? metric(text, 'posterior_nodejs_eventloop_lag_p99_seconds') * 1000 : NaN,
    requests,
    serverErrors,
    unexpected,
    dbMb: fileMb(server.dbFile) + fileMb(`${server.dbFile}-wal`),
  };
}

const median = (xs: number[]) => quantile(xs, 0.5);
const mmss = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

async function main(): Promise<void> {
  if (!existsSync(serverJs)) throw new Error(`${serverJs} is missing: run \`npm run build\` first (\`npm run bench:soak\` does)`);
  if (!existsSync('/proc/self/status')) throw new Error('the soak reads RSS from /proc/<pid>/status: Linux only');
  const dir = mkdtempSync(join(tmpdir(), 'posterior-soak-'));
  const server = await startServer(dir);
  const slots: Slot[] = [];
  for (let s = 0; s < SLOTS; s++) {
    const study = await createStudy(server.url, s, 0);
    if (!study) throw new Error('could not create the first studies');
    slots.push({ index: s, generation: 0, current: study, rotating: null });
  }

  const durationS = MINUTES * 60;
  const warmupS = durationS * WARMUP;
  const samples: Sample[] = [];
  const rowEvery = Math.max(1, Math.round(durationS / SAMPLE_SECONDS / 30));
  console.log(
    `\nsoak: ${MINUTES} min, ${WORKERS} workers on ${SLOTS} rotating studies of ${TRIALS_PER_STUDY} trials, 1 stateless client, 2 readers, 1 bad-request client;` +
      ` warm-up ${Math.round(warmupS)} s; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node.js ${process.version}\n`,
  );
  console.log(
    'loop p99: the largest p99 of the event-loop delay among the samples of the row (prom-client times the loop every 10 ms, so an idle loop reads about 10 ms)\n',
  );
  console.log('| elapsed | RSS MB | heap MB | loop p99 ms | requests | req/s | 5xx / unexpected | db+wal MB |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');

  const started = performance.now();
  const clients = [
    ...Array.from({ length: WORKERS }, (_, w) => worker(server.url, slots[w % SLOTS]!, w)),
    statelessClient(server.url),
    reader(server.url, slots),
    reader(server.url, slots),
    badClient(server.url, slots),
  ];
  let lastRow = { t: 0, requests: 0 };
  let rowLag = 0;
  while ((performance.now() - started) / 1000 < durationS) {
    await sleep(Math.min(SAMPLE_SECONDS * 1000, durationS * 1000 - (performance.now() - started)));
    const s = await sample(server, started);
    samples.push(s);
    rowLag = Math.max(rowLag, s.lagP99);
    if (samples.length % rowEvery === 0 || s.t >= durationS) {
      const n = s.requests - lastRow.requests;
      console.log(
        `| ${mmss(s.t)} | ${s.rss.toFixed(1)} | ${s.heap.toFixed(1)} | ${rowLag.toFixed(1)} | ${n} | ${(n / (s.t - lastRow.t)).toFixed(1)} | ${s.serverErrors} / ${s.unexpected} | ${s.dbMb.toFixed(2)} |`,
      );
      lastRow = { t: s.t, requests: s.requests };
      rowLag = 0;
    }
  }
  running = false;
  await Promise.all(clients);
  await Promise.all([...deletions]);
  const elapsed = (performance.now() - started) / 1000;
  const left = await hit('GET /v1/studies', `${server.url}/v1/studies?limit=1000`, {}, is(200));
  const studiesLeft = (left?.body as { studies?: unknown[] } | undefined)?.studies?.length ?? NaN;

  server.child.kill('SIGTERM');
  const exitCode = await new Promise<number | null>((resolve) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    server.child.once('exit', (code) => resolve(code));
  });
  rmSync(dir, { recursive: true, force: true });

  // RSS at a moment is noisy: the median of the last three samples up to it.
  const warm = samples.filter((s) => s.t <= warmupS + 1e-9);
  const after = samples.filter((s) => s.t > warmupS);
  if (warm.length === 0 || after.length === 0) throw new Error('too few samples for a warm-up and an end: run longer or sample more often');
  const rssWarm = median(warm.slice(-3).map((s) => s.rss));
  const rssEnd = median(samples.slice(-3).map((s) => s.rss));
  const rssMax = Math.max(...after.map((s) => s.rss));
  const growth = (rssEnd - rssWarm) / rssWarm;
  const heapWarm = median(warm.slice(-3).map((s) => s.heap));
  const heapEnd = median(samples.slice(-3).map((s) => s.heap));
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;

  console.log(`\nRSS: ${rssWarm.toFixed(1)} MB at the end of the warm-up (${mmss(warm.at(-1)!.t)}), ${rssEnd.toFixed(1)} MB at the end: ${pct(growth)} (limit +${100 * MAX_GROWTH}%);` +
    ` max after the warm-up ${rssMax.toFixed(1)} MB (${pct((rssMax - rssWarm) / rssWarm)}); before the warm-up ended, max ${Math.max(...warm.map((s) => s.rss)).toFixed(1)} MB`);
  console.log(`heap used: ${heapWarm.toFixed(1)} → ${heapEnd.toFixed(1)} MB; event-loop p99: median ${median(samples.map((s) => s.lagP99)).toFixed(1)} ms, max ${Math.max(...samples.map((s) => s.lagP99)).toFixed(1)} ms over ${samples.length} samples`);
  console.log(`database + WAL: ${warm.at(-1)!.dbMb.toFixed(2)} MB at the end of the warm-up, ${samples.at(-1)!.dbMb.toFixed(2)} MB at the end`);
  console.log(`studies: ${studiesCreated} created, ${studiesDeleted} deleted, ${studiesLeft} left; trials leased: ${trialsLeased}`);
  console.log(`requests: ${requests} in ${elapsed.toFixed(0)} s (${(requests / elapsed).toFixed(1)}/s); 5xx: ${serverErrors}; unexpected answers: ${unexpected}`);
  console.log(`server log: ${server.log.warn} warn, ${server.log.error} error, ${server.log.fatal} fatal lines; exit code after SIGTERM: ${exitCode}\n`);
  console.log('| endpoint | requests | p50 ms | p99 ms | unexpected |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [endpoint, xs] of [...latencies.entries()].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`| ${endpoint} | ${xs.length} | ${quantile(xs, 0.5).toFixed(1)} | ${quantile(xs, 0.99).toFixed(1)} | ${unexpectedBy.get(endpoint) ?? 0} |`);
  }
  if (unexpectedSamples.length > 0) console.log(`\nfirst unexpected answers:\n  ${unexpectedSamples.join('\n  ')}`);
  if (server.log.errorLines.length > 0) console.log(`\nfirst server error lines:\n  ${server.log.errorLines.join('\n  ')}`);

  const failures = [
    ...(serverErrors > 0 ? [`${serverErrors} answers were 5xx`] : []),
    ...(unexpected > 0 ? [`${unexpected} answers were unexpected`] : []),
    ...(growth > MAX_GROWTH ? [`RSS grew ${pct(growth)} after the warm-up`] : []),
    ...(exitCode !== 0 ? [`the server exited with ${exitCode} on SIGTERM`] : []),
  ];
  console.log(failures.length === 0 ? '\nPASS' : `\nFAIL: ${failures.join('; ')}`);
  if (failures.length > 0) process.exitCode = 1;
}

await main();
