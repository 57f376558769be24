/**
 * Early stopping against full training on learning-curve problems the repository builds
 * (issue 12, "Benchmarks"): the service's use cases driven in process, and Optuna's TPE +
 * Hyperband as an outside reference, on one budget of training steps.
 *
 *   npm run bench:early-stopping                               every row, 16 seeds, 1 and 8 workers
 *   npm run bench:early-stopping -- --seeds 2 --workers 1      a smoke run
 *   npm run bench:early-stopping -- --rows gp-asha --stopped-trials excluded,observed,rung
 *   flags: --seeds N (16)  --jobs J (worker processes, 2)  --problems mlp,crossing
 *          --rows gp,random-asha,gp-asha,gp-median,optuna  --workers 1,8
 *          --budget B (full trainings' worth of steps, 40)
 *          --stopped-trials excluded|observed|rung[,…] (what the GP learns from a stopped
 *            trial, in the GP + ASHA row, one row per variant; stopped-trials.ts; default excluded, production)
 *          --asha '{"minStep":3,"mode":"conservative"}' (the service rows' early stopping other than its defaults)
 *          --python P (/usr/bin/python3, with Debian's python3-optuna)
 *          --db-dir D (where each run's SQLite file lives; /dev/shm when there is one: the
 *            store syncs every report with synchronous = FULL, and on tmpfs that costs no disk
 *            time, so other jobs' I/O stays out of the timings; no result depends on it)
 *          --per-seed (also print every seed's best fully trained value)
 *
 * Problems (early-stopping/curve-problems.ts): `mlp`, a network trained by SGD epoch by
 * epoch on a generated spiral data set, scored by validation loss; `crossing`, a curve
 * simulator whose fast starters end worse. Both minimized, fully trained at 27 epochs.
 * Rows: the service with algorithm gp and no early stopping, random + ASHA, gp + ASHA,
 * gp + median (ASHA: minStep 1, η = 3, standard mode, the service's defaults), and Optuna
 * TPE + HyperbandPruner (optuna/ask-tell.py).
 * Protocol (early-stopping/worker-simulation.ts): W workers (1 = sequential) train one
 * step per tick and report every step; a worker asks for a trial when its own ends
 * (stopped, or completed at maxStep); the run ends after B × maxStep steps in all. The
 * service side is the domain assembled as test/support/harness.ts does (SQLite file,
 * in-process engine, fake clock; early-stopping/service-tuner.ts).
 * Reported per row, over seeds: the best fully trained value at the end of the budget
 * (median [q25, q75]; a stopped trial's value is no result), medians at 25% and 50% of the
 * budget, and the steps (all workers together) a row needs to reach the GP row's final
 * median on the same problem and worker count: the fewest steps at which its median best
 * fully trained value is at least as good ("not reached" when it never is within the
 * budget), with how many seeds themselves reach it.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { curveProblem, CURVE_PROBLEMS } from './early-stopping/curve-problems.js';
import { optunaTuner } from './early-stopping/optuna-tuner.js';
import { serviceTuner, type ServiceSettings, type ServiceStats } from './early-stopping/service-tuner.js';
import { STOPPED_TRIALS_VARIANTS, type StoppedTrialsVariant } from './early-stopping/stopped-trials.js';
import { bestWithin, quantileOrInfinity, stepsForMedianToReach, stepsToReach } from './early-stopping/summary.js';
import { simulateWorkers, type SimulationResult } from './early-stopping/worker-simulation.js';
import { flag, fmt, runQueued, servesQueuedTasks } from './harness.js';

type RowKey = 'gp' | 'random-asha' | 'gp-asha' | 'gp-median' | 'optuna';

const ROWS: Record<RowKey, { label: string; service?: Omit<ServiceSettings, 'stoppedTrials'> }> = {
  gp: { label: 'GP, no early stopping', service: { algorithm: 'gp', rule: 'none' } },
  'random-asha': { label: 'random + ASHA', service: { algorithm: 'random', rule: 'asha' } },
  'gp-asha': { label: 'GP + ASHA', service: { algorithm: 'gp', rule: 'asha' } },
  'gp-median': { label: 'GP + median', service: { algorithm: 'gp', rule: 'median' } },
  optuna: { label: 'Optuna TPE + Hyperband' },
};
/** The rows --stopped-trials varies (issue 12's design question is asked of GP + ASHA). */
const VARIED: RowKey[] = ['gp-asha'];

interface Task {
  problem: string; row: RowKey; variant: StoppedTrialsVariant; workers: number; seed: number; budget: number; dbDir: string; python: string;
  earlyStopping?: ServiceSettings['earlyStopping'];
}
type TaskResult = Task & SimulationResult & { wallMs: number; stats: ServiceStats | null };

async function runTask(task: Task): Promise<TaskResult> {
  const problem = curveProblem(task.problem);
  const budget = task.budget * problem.maxStep;
  const t0 = performance.now();
  const service = ROWS[task.row].service;
  if (!service) {
    const optuna = optunaTuner(problem, task.seed, task.python);
    const result = await simulateWorkers(optuna.tuner, problem, task.seed, task.workers, budget).finally(() => optuna.close());
    return { ...task, ...result, wallMs: performance.now() - t0, stats: null };
  }
  const run = await serviceTuner(problem, { ...service, stoppedTrials: task.variant, ...(task.earlyStopping ? { earlyStopping: task.earlyStopping } : {}) }, task.seed, task.dbDir);
  try {
    const result = await simulateWorkers(run.tuner, problem, task.seed, task.workers, budget);
    return { ...task, ...result, wallMs: performance.now() - t0, stats: run.stats };
  } finally {
    run.close();
  }
}

/** A row as printed: its key, and the variant when more than one is compared. */
type Line = { row: RowKey; variant: StoppedTrialsVariant; label: string };

function lines(rows: RowKey[], variants: StoppedTrialsVariant[]): Line[] {
  return rows.flatMap((row) => {
    if (!VARIED.includes(row)) return [{ row, variant: 'excluded' as const, label: ROWS[row].label }];
    const shown = variants.length > 1 || variants[0] !== 'excluded';
    return variants.map((variant) => ({ row, variant, label: shown ? `${ROWS[row].label} (stopped: ${variant})` : ROWS[row].label }));
  });
}

const list = <T extends string>(name: string, fallback: T[], known: readonly string[]): T[] => {
  const values = (flag(name)?.split(',') ?? fallback) as T[];
  for (const v of values) if (!known.includes(v)) throw new Error(`--${name}: unknown ${v}; known: ${known.join(', ')}`);
  return values;
};

const show = (v: number): string => (v === Infinity ? 'none' : fmt(v));

async function main(): Promise<void> {
  if (servesQueuedTasks(runTask)) return;
  const seeds = Number(flag('seeds') ?? 16);
  const jobs = Math.max(1, Number(flag('jobs') ?? 2));
  const budget = Number(flag('budget') ?? 40);
  const problems = list<string>('problems', CURVE_PROBLEMS.map((p) => p.name), CURVE_PROBLEMS.map((p) => p.name));
  const rows = list<RowKey>('rows', Object.keys(ROWS) as RowKey[], Object.keys(ROWS));
  const variants = list<StoppedTrialsVariant>('stopped-trials', ['excluded'], STOPPED_TRIALS_VARIANTS);
  const workerCounts = (flag('workers') ?? '1,8').split(',').map(Number);
  const python = flag('python') ?? '/usr/bin/python3';
  // --asha '{"minStep":3,"mode":"conservative"}': the service rows' early stopping other than its defaults.
  const earlyStopping = flag('asha') === undefined ? undefined : (JSON.parse(flag('asha')!) as ServiceSettings['earlyStopping']);
  const dbDir = flag('db-dir') ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  if (rows.includes('optuna') && spawnSync(python, ['-c', 'import optuna'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${python} cannot import optuna: apt-get install -y python3-optuna, or pass --python, or leave out --rows optuna`);
  }

  const shown = lines(rows, variants);
  const tasks: Task[] = [];
  for (const problem of problems) {
    for (const workers of workerCounts) {
      for (const { row, variant } of shown) {
        for (let seed = 0; seed < seeds; seed++) tasks.push({ problem, row, variant, workers, seed, budget, dbDir, python, ...(earlyStopping ? { earlyStopping } : {}) });
      }
    }
  }
  // The GP rows with early stopping fit the most trials: start them first so both processes finish together.
  const cost = (t: Task) => ({ 'gp-asha': 0, 'gp-median': 1, optuna: 2, gp: 3, 'random-asha': 4 })[t.row];
  tasks.sort((a, b) => cost(a) - cost(b));
  const started = performance.now();
  let lastShown = 0;
  const results = await runQueued<Task, TaskResult>(tasks, jobs, (_, done) => {
    const now = performance.now();
    if (now - lastShown > 30_000 || done === tasks.length) {
      lastShown = now;
      console.error(`${done}/${tasks.length} runs, ${((now - started) / 1000).toFixed(0)} s`);
    }
  });
  printTables(results, problems, workerCounts, shown, seeds, budget);
  console.log(`\nwall time ${((performance.now() - started) / 1000).toFixed(0)} s for ${tasks.length} runs, ${jobs} worker process(es)`);
}

function printTables(results: TaskResult[], problems: string[], workerCounts: number[], shown: Line[], seeds: number, budget: number): void {
  const of = (problem: string, workers: number, line: Line) =>
    results.filter((r) => r.problem === problem && r.workers === workers && r.row === line.row && r.variant === line.variant).sort((a, b) => a.seed - b.seed);
  const median = (xs: number[]) => quantileOrInfinity(xs, 0.5);
  const targets: string[] = [];
  for (const workers of workerCounts) {
    console.log(`\n### ${workers === 1 ? 'Sequential (1 worker)' : `${workers} asynchronous workers`}: best fully trained value over ${seeds} seeds, budget ${budget} full trainings' worth of steps\n`);
    console.log('| problem | row | best at the budget: median [q25, q75] | median at 25% / 50% | steps for the median to reach the GP row\'s final median (seeds reaching it) | % of budget | trials started / stopped / fully trained (median) | ms per suggest, mean (max) | s per run |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const problem of problems) {
      const maxStep = curveProblem(problem).maxStep;
      const total = budget * maxStep;
      const gpLine = shown.find((l) => l.row === 'gp');
      const reference = gpLine ? median(of(problem, workers, gpLine).map((r) => bestWithin(r.completions, total))) : undefined;
      const summary = new Map<Line, { final: number; steps: number }>();
      for (const line of shown) {
        const rs = of(problem, workers, line);
        const finals = rs.map((r) => bestWithin(r.completions, total));
        const reach = reference === undefined ? [] : rs.map((r) => stepsToReach(r.completions, reference));
        const steps = reference === undefined ? NaN : stepsForMedianToReach(rs.map((r) => r.completions), reference);
        summary.set(line, { final: median(finals), steps });
        const counts = `${median(rs.map((r) => r.started))} / ${median(rs.map((r) => r.stopped))} / ${median(rs.map((r) => r.completions.length))}`;
        const stats = rs.flatMap((r) => (r.stats ? [r.stats] : []));
        const ms = stats.length > 0 ? `${(stats.reduce((a, s) => a + s.suggestMs, 0) / stats.reduce((a, s) => a + s.suggestCalls, 0)).toFixed(0)} (${Math.max(...stats.map((s) => s.maxSuggestMs)).toFixed(0)})` : '–';
        const fallbacks = stats.reduce((a, s) => a + s.fallbacks, 0);
        console.log(
          `| ${problem} | ${line.label} | ${show(median(finals))} [${show(quantileOrInfinity(finals, 0.25))}, ${show(quantileOrInfinity(finals, 0.75))}] | ` +
            `${show(median(rs.map((r) => bestWithin(r.completions, total / 4))))} / ${show(median(rs.map((r) => bestWithin(r.completions, total / 2))))} | ` +
            `${reference === undefined ? '–' : steps === Infinity ? 'not reached' : steps.toFixed(0)} (${reach.filter((s) => s < Infinity).length}/${rs.length}) | ` +
            `${reference === undefined || steps === Infinity ? '–' : `${((100 * steps) / total).toFixed(0)}%`} | ${counts} | ${ms}${fallbacks > 0 ? `, ${fallbacks} fallbacks` : ''} | ` +
            `${(median(rs.map((r) => r.wallMs)) / 1000).toFixed(1)} |`,
        );
        if (process.argv.includes('--per-seed')) console.log(`<!-- ${problem} ${workers}w ${line.label} per seed: ${finals.map(show).join(' ')} -->`);
      }
      targets.push(...targetLines(problem, workers, shown, summary, total));
    }
  }
  if (targets.length > 0) {
    console.log('\n### Targets (issue 12)\n');
    console.log('| problem | workers | target | numbers | met |');
    console.log('|---|---|---|---|---|');
    for (const t of targets) console.log(t);
  }
}

function targetLines(problem: string, workers: number, shown: Line[], summary: Map<Line, { final: number; steps: number }>, total: number): string[] {
  const out: string[] = [];
  const find = (row: RowKey) => shown.find((l) => l.row === row);
  const random = find('random-asha');
  const optuna = find('optuna');
  for (const line of shown.filter((l) => l.row === 'gp-asha')) {
    const mine = summary.get(line)!;
    const tag = line.label;
    const gp = find('gp');
    if (gp && !Number.isNaN(mine.steps)) {
      // The GP row spends the whole budget; the steps at which its own median got there are shown beside.
      const own = summary.get(gp)!.steps;
      const numbers = mine.steps === Infinity ? 'not reached' : `${mine.steps.toFixed(0)} steps: ${((100 * mine.steps) / total).toFixed(0)}% of the budget, ${((100 * mine.steps) / own).toFixed(0)}% of the ${own} the GP row's median took`;
      out.push(`| ${problem} | ${workers} | ${tag} reaches the GP row's final median with ≤ 40% of its steps (≤ ${0.4 * total}) | ${numbers} | ${mine.steps <= 0.4 * total ? 'yes' : 'no'} |`);
    }
    for (const other of [random, optuna]) {
      if (!other) continue;
      const theirs = summary.get(other)!.final;
      out.push(`| ${problem} | ${workers} | ${tag} median ≤ ${other.label}'s at the full budget | ${show(mine.final)} vs ${show(theirs)} | ${mine.final <= theirs ? 'yes' : 'no'} |`);
    }
  }
  return out;
}

await main();
