/** The tables bench/regret.ts prints: regret at the budget fractions, per seed, and --trace. */
import type { Problem } from './problems.js';
import { fmt } from './harness.js';
import { quantile } from './statistics.js';

/** One engine point (--trace): its issue index, distance in the encoded cube to the incumbent when asked, and whether it beat the incumbent when observed. */
export interface TraceStep { index: number; distance: number; improved: boolean; regret: number }

export interface RegretRow { name: string; problem: Problem; parallelism: { mode: 'sequential' | 'batch' | 'async'; width: number } }

/** One (row, seed): regret at each budget fraction (bench/regret.ts FRACTIONS) per method. */
export interface TaskResult {
  row: string;
  seed: number;
  /** The engine's initial design size. */
  n0: number;
  engine: number[];
  /** Sequential rows only. */
  random?: number[];
  tpe: Partial<Record<'default' | 'multivariate', number[]>>;
  millis: number[];
  failures: number;
  trace: TraceStep[];
  trainingTime: number;
}

/** Engine points per seed summarized by --trace: the end of the run, where the incumbent is refined. */
const TRACE_TAIL = 30;
/** --trace: points after the first one below 0.01 over which the descent in the basin is compared. */
const AFTER = 12;

const TPE_LABEL = { default: 'Optuna TPE', multivariate: 'Optuna TPE multivariate' } as const;

/** "median [q25, q75]" of xs. */
const cell = (xs: number[]): string => `${fmt(quantile(xs, 0.5))} [${fmt(quantile(xs, 0.25))}, ${fmt(quantile(xs, 0.75))}]`;

/** The cells of the four fractions for one method over the seeds of a row. */
const fractionCells = (curves: number[][]): string => curves[0]!.map((_, k) => cell(curves.map((c) => c[k]!))).join(' | ');

export function printRegretTable(rows: RegretRow[], results: TaskResult[], tpeModes: readonly ('default' | 'multivariate')[]): void {
  console.log('| problem | d | budget | method | 25% | 50% | 75% | 100% | ms/suggest p50 (max) | engine errors | training time |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const finalMedian = (name: string): number | undefined => {
    const e = results.filter((r) => r.row === name).map((r) => r.engine.at(-1)!);
    return e.length > 0 ? quantile(e, 0.5) : undefined;
  };
  for (const { name, problem: p, parallelism } of rows) {
    const rs = results.filter((r) => r.row === name);
    const ms = rs.flatMap((r) => r.millis);
    const failures = rs.reduce((a, r) => a + r.failures, 0);
    const sequential = parallelism.mode === 'sequential' ? undefined : finalMedian(name.replace(/-(batch|async)\d+/, ''));
    const ratio = sequential === undefined ? '' : sequential > 0 ? `, ${(quantile(rs.map((r) => r.engine.at(-1)!), 0.5) / sequential).toFixed(2)}× seq` : ', ∞× seq';
    const n0 = [...new Set(rs.map((r) => r.n0))].join('/');
    const lead = `| ${name} | ${p.space.length} | ${p.budget}`;
    console.log(
      `${lead} | engine (n0 = ${n0}${ratio}) | ${fractionCells(rs.map((r) => r.engine))} | ${quantile(ms, 0.5).toFixed(0)} (${Math.max(...ms).toFixed(0)}) | ${failures} | ${quantile(rs.map((r) => r.trainingTime), 0.5).toFixed(1)} |`,
    );
    for (const mode of tpeModes) {
      const curves = rs.flatMap((r) => (r.tpe[mode] ? [r.tpe[mode]!] : []));
      if (curves.length > 0) console.log(`${lead} | ${TPE_LABEL[mode]} | ${fractionCells(curves)} | – | – | – |`);
    }
    const random = rs.flatMap((r) => (r.random ? [r.random] : []));
    if (random.length > 0) console.log(`${lead} | random | ${fractionCells(random)} | – | – | – |`);
  }
}

/** Every seed's regret at the four fractions (engine, then TPE), and how many end below 0.05 and 0.01. */
export function printPerSeed(rows: RegretRow[], results: TaskResult[], tpeModes: readonly ('default' | 'multivariate')[]): void {
  for (const { name } of rows) {
    const rs = results.filter((r) => r.row === name).sort((a, b) => a.seed - b.seed);
    console.log(`${name} per seed (final): ${rs.map((r) => fmt(r.engine.at(-1)!)).join(' ')}`);
    console.log(`${name} per seed (25/50/75/100%): ${rs.map((r) => r.engine.map(fmt).join('/')).join(' ')}`);
    for (const mode of tpeModes) {
      if (rs.some((r) => r.tpe[mode])) console.log(`${name} ${TPE_LABEL[mode]} per seed (25/50/75/100%): ${rs.map((r) => r.tpe[mode]!.map(fmt).join('/')).join(' ')}`);
    }
    const final = rs.map((r) => r.engine.at(-1)!);
    console.log(`${name} seeds with regret < 0.05: ${final.filter((v) => v < 0.05).length}/${rs.length}, < 0.01: ${final.filter((v) => v < 0.01).length}/${rs.length}`);
  }
}

/** --trace: seeds that end in the global basin (regret < 0.01), their last TRACE_TAIL engine points. */
export function printTrace(rows: RegretRow[], results: TaskResult[]): void {
  console.log(`\nLast ${TRACE_TAIL} points of seeds with regret < 0.01: distance to the incumbent (encoded cube) when asked, share that beat the incumbent`);
  console.log(`| row | seeds | points | distance q25 / median / q75 | < 0.02 | 0.02–0.1 | 0.1–0.3 | > 0.3 | improved | geo-mean regret | first point < 0.1 / < 0.01 (median index) | geo-mean regret ${AFTER} points after the first < 0.01 (seeds) |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { name, problem: p } of rows) {
    const rs = results.filter((r) => r.row === name && r.engine.at(-1)! < 0.01);
    const steps = rs.flatMap((r) => r.trace.filter((t) => t.index >= p.budget - TRACE_TAIL));
    if (steps.length === 0) continue;
    const dist = steps.map((t) => t.distance);
    const share = (f: (v: number) => boolean): string => `${((100 * dist.filter(f).length) / dist.length).toFixed(0)}%`;
    const firstBelow = (level: number): number => quantile(rs.map((r) => r.trace.find((t) => t.regret < level)?.index ?? p.budget), 0.5);
    // Descent speed in the basin, independent of when it was reached: best regret among
    // the first point below 0.01 and the AFTER points issued after it.
    const after = rs.flatMap((r) => {
      const sorted = [...r.trace].sort((a, b) => a.index - b.index);
      const i = sorted.findIndex((t) => t.regret < 0.01);
      return i >= 0 && i + AFTER < sorted.length ? [Math.min(...sorted.slice(i, i + AFTER + 1).map((t) => t.regret))] : [];
    });
    const geoAfter = after.length > 0 ? fmt(Math.exp(after.reduce((a, v) => a + Math.log(Math.max(v, 1e-12)), 0) / after.length)) : '–';
    const geo = Math.exp(rs.reduce((a, r) => a + Math.log(Math.max(r.engine.at(-1)!, 1e-12)), 0) / rs.length);
    console.log(
      `| ${name} | ${rs.length} | ${steps.length} | ${fmt(quantile(dist, 0.25))} / ${fmt(quantile(dist, 0.5))} / ${fmt(quantile(dist, 0.75))} | ${share((v) => v < 0.02)} | ${share((v) => v >= 0.02 && v < 0.1)} | ` +
        `${share((v) => v >= 0.1 && v < 0.3)} | ${share((v) => v >= 0.3)} | ${((100 * steps.filter((t) => t.improved).length) / steps.length).toFixed(1)}% | ${fmt(geo)} | ${firstBelow(0.1)} / ${firstBelow(0.01)} | ${geoAfter} (${after.length}) |`,
    );
  }
}
