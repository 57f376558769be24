/**
 * Issue 10's worst case for the engine: 100 parameters (75 floats and 25 categoricals of
 * 1,000 choices), a few observations, batches of 1 to 64 points. Times one engine call
 * (bo/engine.ts, in process) without a deadline and with the service's deadline rule
 * (workers/stop-check.ts: the fit may use half the budget).
 *
 *   npx tsx bench/wide-space.ts [--observations 5] [--counts 1,2,8,64] [--deadline-ms 5000] [--no-deadline-counts 1,2]
 *
 * Prints one markdown row per (count, deadline): ms, points returned, interrupted.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { suggestNext } from '../src/bo/engine.js';
import { createRng } from '../src/bo/rng.js';
import type { ParamSpec, Params } from '../src/bo/search-space.js';
import { stopCheck } from '../src/workers/stop-check.js';

const { values: args } = parseArgs({
  options: {
    observations: { type: 'string', default: '5' },
    counts: { type: 'string', default: '1,2,8,64' },
    'deadline-ms': { type: 'string', default: '5000' },
    'no-deadline-counts': { type: 'string', default: '1,2' },
  },
});
const space: ParamSpec[] = [
  ...Array.from({ length: 75 }, (_, i): ParamSpec => ({ name: `f${i}`, type: 'float', low: 0, high: 1 })),
  ...Array.from({ length: 25 }, (_, i): ParamSpec => ({ name: `c${i}`, type: 'categorical', choices: Array.from({ length: 1000 }, (_, k) => `v${k}`) })),
];
const rng = createRng(1);
const observations = Array.from({ length: Number(args.observations) }, () => ({
  params: Object.fromEntries(space.map((p) => [p.name, p.type === 'categorical' ? p.choices[rng.int(0, 999)]! : rng.uniform()])) as Params,
  value: rng.uniform(),
}));

function run(count: number, deadlineMs: number | null): string {
  const started = performance.now();
  const shouldStop = deadlineMs === null ? undefined : stopCheck({ deadlineMs, startedAt: started, now: () => performance.now(), cancelled: () => false });
  const out = suggestNext({ space, goal: 'minimize', observations, pending: [], count, seed: 1 }, shouldStop ? { shouldStop } : {});
  const ms = performance.now() - started;
  return `| ${observations.length} | ${count} | ${deadlineMs ?? 'none'} | ${ms.toFixed(0)} | ${out.suggestions.length} | ${out.work.interrupted} |`;
}

console.log(`${availableParallelism()} × ${cpus()[0]?.model.trim()}, Node.js ${process.version}\n`);
console.log('| observations | count | deadline ms | ms | points | interrupted |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const c of args['no-deadline-counts']!.split(',').filter(Boolean)) console.log(run(Number(c), null));
for (const c of args.counts!.split(',')) console.log(run(Number(c), Number(args['deadline-ms'])));
