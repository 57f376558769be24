/**
 * Which categorical choice the engine picks at each step of a sequential run,
 * and the fitted θ every 10 points: the evidence behind engine.ts's
 * CATEGORICAL_SIGNAL_FLOOR note (unseen choices fall back to the prior
 * N(c, σ²), and the fit moves c down and σ² below 1 as points pile up).
 *
 *   npx tsx bench/category-trace.ts --problem cat6 --seeds 8 [--cat-signal-floor none|σ²]
 *
 * Per seed: final regret, the design (choice and value of each point), the
 * engine's choices in order, and ℓ (per encoded dim), σ², c at n = 11, 21, ….
 * Same design and engine seeds as bench/regret.ts's sequential rows.
 */

import { createEncoding, designPoint } from '../src/bo/encoding.js';
import { suggestNext, type EngineOptions, type FittedHyperparameters } from '../src/bo/engine.js';
import { createRng } from '../src/bo/rng.js';
import type { Params } from '../src/bo/search-space.js';
import { sobolSequence } from '../src/bo/sobol.js';
import { flag } from './harness.js';
import { PROBLEMS } from './problems.js';

const problem = PROBLEMS.find((p) => p.name === (flag('problem') ?? 'cat6'));
if (!problem) throw new Error(`unknown --problem ${flag('problem')}`);
const categorical = problem.space.find((p) => p.type === 'categorical');
if (!categorical) throw new Error(`${problem.name} has no categorical parameter`);
const floorFlag = flag('cat-signal-floor');
const options: EngineOptions = floorFlag === undefined ? {} : { experiment: { categoricalSignalFloor: floorFlag === 'none' ? null : Number(floorFlag) } };

for (let seed = 0; seed < Number(flag('seeds') ?? 8); seed++) {
  const enc = createEncoding(problem.space);
  const d = enc.dim;
  const rng = createRng(seed);
  const observations: { params: Params; value: number }[] = [];
  for (const u of sobolSequence(d, Math.max(5, 2 * d + 2), rng.fork(1))) {
    const params = designPoint(enc, u);
    observations.push({ params, value: problem.f(params) });
  }
  const design = observations.map((o) => `${String(o.params[categorical.name])}:${o.value.toFixed(2)}`).join(' ');
  let previous: FittedHyperparameters | undefined;
  const choices: string[] = [];
  const fits: string[] = [];
  while (observations.length < problem.budget) {
    const out = suggestNext(
      { space: problem.space, goal: 'minimize', observations, pending: [], count: 1, seed: seed * 1000 + observations.length, ...(previous ? { previous } : {}) },
      options,
    );
    previous = out.hyperparameters;
    const params = out.suggestions[0]!.params;
    observations.push({ params, value: problem.f(params) });
    choices.push(String(params[categorical.name]));
    if (observations.length % 10 === 1) {
      const ell = previous.logLengthscales.map((v) => Math.exp(v).toFixed(2)).join(',');
      fits.push(`n=${observations.length}: ℓ=${ell} σ²=${Math.exp(previous.logSignalVariance).toFixed(2)} c=${previous.mean.toFixed(2)}`);
    }
  }
  const regret = Math.min(...observations.map((o) => o.value)) - problem.optimum;
  console.log(`seed ${seed}: regret ${regret.toExponential(1)}\n  design ${design}\n  chosen ${choices.join('')}\n  ${fits.join('\n  ')}`);
}
