/**
 * The model-free part of suggesting: the first `initialTrials` points come from the
 * study's scrambled Sobol sequence, later ones are uniform draws over the encoded space.
 * Every choice is derived from the study's seed and the trial number, so a study replays
 * identically from its seed. `GpSuggester` uses it for the initial design, for points
 * asked for before any trial has completed, and for fallbacks.
 */
import { allDoublesBetween, doublesBetween } from '../../bo/doubles.js';
import { designPoint, paramsKey, type Encoding } from '../../bo/encoding.js';
import { createRng } from '../../bo/rng.js';
import type { ParamSpec, Params } from '../../bo/search-space.js';
import { sobolSequence } from '../../bo/sobol.js';
import { ProblemError } from '../errors.js';
import { encodingOf } from '../study.js';
import type { Suggestion, SuggestionRequest } from './suggester.js';

/** Random draws tried for one point before the space is enumerated (finite spaces only). */
const DRAWS_BEFORE_ENUMERATION = 64;
/** Finite spaces up to this many points are enumerated when draws keep colliding. */
const MAX_ENUMERATED_POINTS = 200_000;

/** Streams forked off the study seed; distinct so that design and random draws never correlate. */
const SOBOL_STREAM = 1;
const RANDOM_STREAM = 2;

export type DesignOptions = {
  /** Skip the Sobol design and draw uniformly (for fallbacks once the design is done). */
  randomOnly?: boolean;
  /** Keys of points chosen earlier in the same request, to be avoided like existing trials. */
  alsoTaken?: string[];
  /** Follow the Sobol sequence past the initial design too (`algorithm: sobol`), source `sobol`. */
  sobolOnly?: boolean;
};

/** The synchronous core of `DesignSuggester`, reused by model-based suggesters for their first points. */
export function designSuggestions(request: SuggestionRequest, options: DesignOptions = {}): Suggestion[] {
  const { study, trials, count, firstNumber } = request;
  const encoding = encodingOf(study);
  const used = new Set([...trials.map((t) => t.paramsKey), ...(options.alsoTaken ?? [])]);
  const size = finiteSize(study.parameters);
  if (size !== null && used.size + count > size) {
    throw new ProblemError(
      'SEARCH_SPACE_EXHAUSTED',
      `the space has ${size} points, ${used.size} are taken and ${count} more were asked for`,
    );
  }

  // Failed trials stay out of the design count: their point is spent, but the design
  // still needs that many evaluations to be space-filling.
  let designed = trials.filter((t) => t.state !== 'failed').length;
  const out: Suggestion[] = [];
  let sobol: Float64Array[] | null = null;
  for (let i = 0; i < count; i++) {
    if (!options.randomOnly && (options.sobolOnly || designed < study.options.initialTrials)) {
      // The sequence is a prefix of any longer one (same seed), so its length only has to cover the points taken.
      sobol ??= sobolSequence(study.parameters.length, Math.max(study.options.initialTrials, designed) + used.size + count, createRng(study.options.seed).fork(SOBOL_STREAM));
      const params = firstUnused(sobol, encoding, used);
      if (params) {
        out.push({ params, source: designed < study.options.initialTrials ? 'initial' : 'sobol' });
        designed++;
        continue;
      }
    }
    out.push({ params: randomUnused(encoding, used, study.options.seed, firstNumber + i, size), source: 'random' });
    designed++;
  }
  return out;
}

function firstUnused(points: Float64Array[], encoding: Encoding, used: Set<string>): Params | null {
  for (const u of points) {
    const params = designPoint(encoding, u);
    const key = paramsKey(encoding, params);
    if (!used.has(key)) {
      used.add(key);
      return params;
    }
  }
  return null;
}

function randomUnused(encoding: Encoding, used: Set<string>, seed: number, number: number, size: number | null): Params {
  const rng = createRng(seed).fork(RANDOM_STREAM).fork(number);
  const u = new Float64Array(encoding.params.length);
  // A continuous dimension makes a collision a measure-zero event, so this loop
  // usually ends on its first draw; it is bounded all the same, as a nearly full
  // finite space (or a float range of a few doubles) collides on almost every draw.
  for (let draw = 0; draw < DRAWS_BEFORE_ENUMERATION; draw++) {
    for (let j = 0; j < u.length; j++) u[j] = rng.uniform();
    const params = designPoint(encoding, u);
    const key = paramsKey(encoding, params);
    if (!used.has(key)) {
      used.add(key);
      return params;
    }
  }
  if (size !== null && size <= MAX_ENUMERATED_POINTS) {
    const free = enumerate(encoding.params).filter((p) => !used.has(paramsKey(encoding, p)));
    const params = free[rng.int(0, free.length - 1)];
    if (params) {
      used.add(paramsKey(encoding, params));
      return params;
    }
  }
  throw new ProblemError('SEARCH_SPACE_EXHAUSTED', 'no unused point could be found in the search space');
}

/**
 * Number of distinct points of the space; null when it has a float parameter whose
 * range holds more than MAX_ENUMERATED_POINTS doubles (a continuous one).
 */
export function finiteSize(space: ParamSpec[]): number | null {
  let size = 1;
  for (const p of space) size *= levels(p) ?? Number.NaN;
  return Number.isNaN(size) ? null : size;
}

function levels(p: ParamSpec): number | null {
  switch (p.type) {
    case 'float': {
      // NOTE: a float over a handful of doubles ([1, 1 + 2⁻⁵²] holds two) is the finite
      // set it is: sampling it as continuous never ends once its values are used (issue 10).
      const count = doublesBetween(p.low, p.high);
      return count <= MAX_ENUMERATED_POINTS ? count : null;
    }
    case 'int':
      return p.high - p.low + 1;
    case 'ordinal':
      return p.values.length;
    case 'categorical':
      return p.choices.length;
  }
}

function enumerate(space: ParamSpec[]): Params[] {
  let points: Params[] = [{}];
  for (const p of space) {
    const values: (number | string | boolean)[] =
      p.type === 'float'
        ? allDoublesBetween(p.low, p.high, MAX_ENUMERATED_POINTS)
        : p.type === 'int'
        ? Array.from({ length: p.high - p.low + 1 }, (_, k) => p.low + k)
        : p.type === 'ordinal'
          ? p.values
          : p.type === 'categorical'
            ? p.choices
            : [];
    points = points.flatMap((point) => values.map((v) => ({ ...point, [p.name]: v })));
  }
  return points;
}
