/**
 * `algorithm: grid`: every combination of the parameters' grid values, handed out in a
 * seeded order that spreads over the grid (so a study stopped early has not searched one
 * corner). A float or int parameter contributes `gridPoints` values (default 5) evenly
 * spaced on its axis (the log axis when `log`); an ordinal or categorical every value.
 *
 * | symbol | meaning                                                   |
 * |--------|-----------------------------------------------------------|
 * | N      | grid size, Π_j |values_j|                                  |
 * | k      | position in the order, 0, 1, …                            |
 * | g(k)   | (a·k + b) mod N with gcd(a, N) = 1: a bijection of 0..N−1 |
 * | index  | g(k) written in mixed radix over the parameters, in order |
 */
import { createRng } from '../../bo/rng.js';
import type { ParamSpec, ParamValue, Params } from '../../bo/search-space.js';
import { ProblemError } from '../errors.js';
import { DEFAULT_GRID_POINTS, encodingOf } from '../study.js';
import { paramsKey } from '../../bo/encoding.js';
import type { Suggestion, SuggestionRequest } from './suggester.js';

/** Stream forked off the study seed for the grid's order. */
const GRID_STREAM = 3;

/** The values of one parameter on the grid, ascending and distinct. */
export function gridValues(p: ParamSpec): ParamValue[] {
  switch (p.type) {
    case 'ordinal':
      return [...p.values];
    case 'categorical':
      return [...p.choices];
    case 'float':
    case 'int': {
      const g = p.gridPoints ?? DEFAULT_GRID_POINTS;
      const [a, b] = p.log ? [Math.log(p.low), Math.log(p.high)] : [p.low, p.high];
      const values = new Set<number>();
      for (let i = 0; i < g; i++) {
        // The ends exactly; between them, evenly on the (log) axis.
        const t = i === 0 ? a : i === g - 1 ? b : a + ((b - a) * i) / (g - 1);
        let v = i === 0 ? p.low : i === g - 1 ? p.high : p.log ? Math.exp(t) : t;
        if (p.type === 'int') v = Math.round(v);
        values.add(Math.min(p.high, Math.max(p.low, v)));
      }
      return [...values].sort((x, y) => x - y);
    }
  }
}

/** N, the number of grid points; Infinity beyond 2⁵³ (such a grid is refused at creation). */
export function gridSize(space: ParamSpec[]): number {
  const n = space.reduce((size, p) => size * gridValues(p).length, 1);
  return n <= Number.MAX_SAFE_INTEGER ? n : Infinity;
}

/** The grid point at mixed-radix index i. */
function gridPoint(columns: ParamValue[][], space: ParamSpec[], i: bigint): Params {
  let rest = i;
  return Object.fromEntries(
    space.map((p, j) => {
      const values = columns[j]!;
      const v = values[Number(rest % BigInt(values.length))]!;
      rest /= BigInt(values.length);
      return [p.name, v];
    }),
  );
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** `count` unused grid points in the study's order; 409 SEARCH_SPACE_EXHAUSTED when the grid has fewer. */
export function gridSuggestions(request: SuggestionRequest): Suggestion[] {
  const { study, trials, count } = request;
  const space = study.parameters;
  const columns = space.map(gridValues);
  const size = gridSize(space);
  const n = BigInt(size);
  const rng = createRng(study.options.seed).fork(GRID_STREAM);
  let a = BigInt(rng.int(1, Math.max(1, size - 1)));
  while (gcd(a, n) !== 1n) a = (a % n) + 1n;
  const b = BigInt(rng.int(0, size - 1));
  const encoding = encodingOf(study);
  const used = new Set(trials.map((t) => t.paramsKey));
  const out: Suggestion[] = [];
  for (let k = 0n; k < n && out.length < count; k++) {
    const params = gridPoint(columns, space, (a * k + b) % n);
    const key = paramsKey(encoding, params);
    if (used.has(key)) continue;
    used.add(key);
    out.push({ params, source: 'grid' });
  }
  if (out.length < count) {
    throw new ProblemError('SEARCH_SPACE_EXHAUSTED', `the grid has ${size} points and ${count} more than its unused ones were asked for`);
  }
  return out;
}
