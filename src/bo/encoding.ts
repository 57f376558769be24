/**
 * The map between a study's search space and the numeric vector the GP works on,
 * after Optuna's `optuna/_gp/search_space.py`.
 *
 * Notation
 *   params        a point in the user's space: name → value (search-space.ts)
 *   x ∈ R^D       its encoding, D = number of parameters, one dimension per parameter in
 *                 space order ("xUnit" elsewhere in bo)
 *   t             a parameter's value on its transformed axis: v, or log v when `log`
 *   [a, b]        the transformed range that x_i ∈ [0, 1] covers linearly: x_i = (t - a) / (b - a)
 *
 *   kind           [a, b]                                       x_i           decode
 *   float          [low, high], log: [ln low, ln high]          [0, 1]        t ↦ v, clamped to [low, high]
 *   int            [low - ½, high + ½], log: [ln(low - ½), ln(high + ½)]   [0, 1]   round, clamp
 *   ordinal (k)    index range [-½, k - ½]                      [0, 1]        nearest index → values[i]
 *   categorical(k) none: x_i is the choice index 0..k-1          {0..k-1}      round, clamp → choices[i]
 *
 * NOTE: categoricals are one dimension holding the index, with a Hamming term in the kernel
 * (`isCategorical`) as in Optuna's GP, not one-hot: D stays the number of parameters, and more
 * seeds reached the best category, in less time per suggestion (decision 0012).
 * NOTE: int and ordinal cells are the ½-padded intervals around each value, so
 * every value owns a cell of equal width 1/k in x (for log ints, equal width on
 * the log axis: small values own wider cells, as in Optuna).
 */

import type { ParamSpec, ParamValue, Params } from './search-space.js';
import { InvariantError, NumericalError } from './errors.js';

export interface Encoding {
  /** D: length of an encoded vector (= params.length). */
  dim: number;
  /** The search space, in encoded-dimension order. */
  params: ParamSpec[];
  /** 1 where x_i is a categorical index. */
  isCategorical: Uint8Array;
  /** k for categorical dimensions, 0 otherwise. */
  nChoices: Int32Array;
  /**
   * Width in x of one cell of an int or ordinal dimension: 1/k with k the number
   * of values (exact for linear ints and ordinals; the mean width for log ints,
   * whose cells shrink as values grow). 0 for float and categorical dimensions.
   */
  steps: Float64Array;
}

export interface ParamsError {
  /** JSON pointer relative to the params object, e.g. `/lr`. */
  pointer: string;
  message: string;
}

/** The transformed range [a, b] that x ∈ [0, 1] covers (not used for categoricals). */
function transformedRange(p: ParamSpec): [number, number] {
  switch (p.type) {
    case 'float':
      return p.log ? [Math.log(p.low), Math.log(p.high)] : [p.low, p.high];
    case 'int':
      return p.log ? [Math.log(p.low - 0.5), Math.log(p.high + 0.5)] : [p.low - 0.5, p.high + 0.5];
    case 'ordinal':
      return [-0.5, p.values.length - 0.5];
    case 'categorical':
      return [0, 0];
  }
}

/** x = (t - a) / (b - a); ½ for a degenerate range. */
function unitFromTransformed(t: number, [a, b]: [number, number]): number {
  return b === a ? 0.5 : (t - a) / (b - a);
}

/** t = a + x (b - a), computed from the nearer end so that x = 0 and x = 1 give a and b exactly. */
function transformedFromUnit(x: number, [a, b]: [number, number]): number {
  return x <= 0.5 ? a + x * (b - a) : b - (1 - x) * (b - a);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** x_i of a valid value. */
function encodeValue(p: ParamSpec, v: ParamValue): number {
  switch (p.type) {
    case 'float':
    case 'int':
      return unitFromTransformed(p.log ? Math.log(v as number) : (v as number), transformedRange(p));
    case 'ordinal':
      return unitFromTransformed(p.values.indexOf(v as number), transformedRange(p));
    case 'categorical':
      return p.choices.indexOf(v);
  }
}

/** The index x_i decodes to, for an ordinal (into values) or a categorical (into choices). */
function levelIndex(p: ParamSpec & { type: 'ordinal' | 'categorical' }, xi: number): number {
  if (!Number.isFinite(xi)) throw new NumericalError(`cannot decode ${xi} for parameter "${p.name}"`);
  // + 0 turns the -0 that Math.round gives on (-0.5, 0) into 0.
  if (p.type === 'categorical') return clamp(Math.round(xi), 0, p.choices.length - 1) + 0;
  return clamp(Math.round(transformedFromUnit(clamp(xi, 0, 1), transformedRange(p))), 0, p.values.length - 1) + 0;
}

/** The valid value x_i decodes to; x_i outside the encoded range is clamped into it. */
function decodeValue(p: ParamSpec, xi: number): ParamValue {
  if (!Number.isFinite(xi)) throw new NumericalError(`cannot decode ${xi} for parameter "${p.name}"`);
  if (p.type === 'categorical') return p.choices[levelIndex(p, xi)]!;
  const t = transformedFromUnit(clamp(xi, 0, 1), transformedRange(p));
  switch (p.type) {
    case 'float':
      // The ends exactly, whatever exp(ln v) rounds to.
      if (xi <= 0) return p.low;
      if (xi >= 1) return p.high;
      return p.low === p.high ? p.low : clamp(p.log ? Math.exp(t) : t, p.low, p.high);
    case 'int':
      // + 0 turns the -0 that Math.round gives on (-0.5, 0) into 0.
      return clamp(Math.round(p.log ? Math.exp(t) : t), p.low, p.high) + 0;
    case 'ordinal':
      return p.values[levelIndex(p, xi)]!;
  }
}

function spaceError(p: ParamSpec, message: string): InvariantError {
  return new InvariantError(`search space: parameter "${p.name}" ${message}`);
}

function checkSpec(p: ParamSpec): void {
  switch (p.type) {
    case 'float':
      if (!Number.isFinite(p.low) || !Number.isFinite(p.high) || p.low > p.high) throw spaceError(p, 'needs finite low <= high');
      if (!Number.isFinite(p.high - p.low)) throw spaceError(p, 'has a range wider than a double can hold');
      if (p.log && !(p.low > 0)) throw spaceError(p, 'needs low > 0 on a log scale');
      return;
    case 'int':
      if (!Number.isSafeInteger(p.low) || !Number.isSafeInteger(p.high) || p.low > p.high) throw spaceError(p, 'needs integer low <= high');
      if (p.log && !(p.low >= 1)) throw spaceError(p, 'needs low >= 1 on a log scale');
      return;
    case 'ordinal':
      if (p.values.length === 0) throw spaceError(p, 'needs at least one value');
      p.values.forEach((v, i) => {
        if (!Number.isFinite(v)) throw spaceError(p, 'needs finite values');
        if (i > 0 && !(v > p.values[i - 1]!)) throw spaceError(p, 'needs strictly ascending values');
      });
      return;
    case 'categorical':
      if (p.choices.length === 0) throw spaceError(p, 'needs at least one choice');
      p.choices.forEach((c, i) => {
        if (typeof c === 'number' && !Number.isFinite(c)) throw spaceError(p, 'needs finite numeric choices');
        if (p.choices.indexOf(c) !== i) throw spaceError(p, `has the choice ${JSON.stringify(c)} twice`);
      });
      return;
  }
}

/**
 * The encoding of a search space. Throws InvariantError when the space itself is
 * invalid (duplicate names, empty ranges, log scale over non-positive values, …).
 */
export function createEncoding(space: ParamSpec[]): Encoding {
  const names = new Set<string>();
  const dim = space.length;
  const isCategorical = new Uint8Array(dim);
  const nChoices = new Int32Array(dim);
  const steps = new Float64Array(dim);
  space.forEach((p, i) => {
    if (names.has(p.name)) throw spaceError(p, 'appears twice');
    names.add(p.name);
    checkSpec(p);
    if (p.type === 'categorical') {
      isCategorical[i] = 1;
      nChoices[i] = p.choices.length;
    } else if (p.type === 'int') {
      steps[i] = 1 / (p.high - p.low + 1);
    } else if (p.type === 'ordinal') {
      steps[i] = 1 / p.values.length;
    }
  });
  return { dim, params: space.slice(), isCategorical, nChoices, steps };
}

function jsonPointerToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function shown(v: unknown): string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
}

/** The problem with one supplied value, or null when it is valid for `p`. */
function valueProblem(p: ParamSpec, v: unknown): string | null {
  const name = (): string => JSON.stringify(p.name);
  switch (p.type) {
    case 'float':
    case 'int': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${name()} must be a finite number, got ${shown(v)}`;
      if (p.type === 'int' && !Number.isInteger(v)) return `${name()} must be an integer, got ${v}`;
      if (v < p.low || v > p.high) return `${name()} must lie in [${p.low}, ${p.high}], got ${v}`;
      return null;
    }
    case 'ordinal':
      if (typeof v !== 'number' || !p.values.includes(v)) return `${name()} must be one of ${p.values.join(', ')}, got ${shown(v)}`;
      return null;
    case 'categorical':
      if (!p.choices.includes(v as ParamValue)) return `${name()} must be one of ${p.choices.map(shown).join(', ')}, got ${shown(v)}`;
      return null;
  }
}

/**
 * The problems with an externally supplied params object, [] when it is a valid
 * point: every parameter present with a value of the right type in range (ints
 * integral, ordinals one of `values`, categoricals one of `choices` by ===) and
 * no other names. Space order first, then unknown names.
 */
export function validateParams(enc: Encoding, params: Params): ParamsError[] {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return [{ pointer: '', message: 'params must be an object mapping parameter names to values' }];
  }
  const errors: ParamsError[] = [];
  const known = new Set<string>();
  // NOTE: strings are built only for errors: the engine validates every observation on every
  // call, 20,000 of them in a large study (decision 0029).
  for (const p of enc.params) {
    if (!Object.hasOwn(params, p.name)) {
      errors.push({ pointer: `/${jsonPointerToken(p.name)}`, message: `${JSON.stringify(p.name)} is missing` });
      continue;
    }
    const problem = valueProblem(p, params[p.name]);
    if (problem !== null) errors.push({ pointer: `/${jsonPointerToken(p.name)}`, message: problem });
  }
  if (Object.keys(params).length === enc.params.length && errors.length === 0) return errors;
  for (const p of enc.params) known.add(p.name);
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      errors.push({ pointer: `/${jsonPointerToken(name)}`, message: `${JSON.stringify(name)} is not a parameter of this search space` });
    }
  }
  return errors;
}

function assertValid(enc: Encoding, params: Params): void {
  const errors = validateParams(enc, params);
  if (errors.length > 0) throw new InvariantError(`invalid params: ${errors.map((e) => e.message).join('; ')}`);
}

/**
 * x ∈ R^D of a valid point (see the table above): x_i ∈ [0, 1] for numeric
 * parameters, the choice index for categoricals. Throws InvariantError on invalid
 * params (check with validateParams first).
 */
export function encode(enc: Encoding, params: Params): Float64Array {
  assertValid(enc, params);
  const x = new Float64Array(enc.dim);
  enc.params.forEach((p, i) => {
    x[i] = encodeValue(p, params[p.name]!);
  });
  return x;
}

/**
 * The valid point x decodes to, for any finite x: numeric coordinates are
 * clamped to [0, 1] first, categorical indices rounded and clamped to 0..k-1.
 * decode(encode(p)) = p exactly for int, ordinal and categorical values and to a
 * few ulps of max(|low|, |high|) for floats (relative, for log floats).
 */
export function decode(enc: Encoding, x: ArrayLike<number>): Params {
  if (x.length !== enc.dim) throw new InvariantError(`expected ${enc.dim} coordinates, got ${x.length}`);
  // fromEntries defines own properties: assigning params['__proto__'] would set the prototype instead.
  return Object.fromEntries(enc.params.map((p, i) => [p.name, decodeValue(p, x[i]!)]));
}

/**
 * x with every discrete coordinate replaced by encode(decode(x)) for its
 * dimension (int and ordinal: the point of the decoded value, the centre of its
 * cell on the transformed axis; categorical: the integer index) and float
 * coordinates clamped to [0, 1] (½ when low = high). Idempotent; two x whose
 * discrete coordinates decode equal snap to equal discrete coordinates.
 */
export function snap(enc: Encoding, x: ArrayLike<number>): Float64Array {
  if (x.length !== enc.dim) throw new InvariantError(`expected ${enc.dim} coordinates, got ${x.length}`);
  const out = new Float64Array(enc.dim);
  enc.params.forEach((p, i) => {
    const xi = x[i]!;
    if (p.type === 'float') {
      if (!Number.isFinite(xi)) throw new NumericalError(`cannot snap ${xi} for parameter "${p.name}"`);
      out[i] = p.low === p.high ? 0.5 : clamp(xi, 0, 1);
    } else if (p.type === 'int') {
      out[i] = encodeValue(p, decodeValue(p, xi));
    } else {
      // By index: looking the decoded value up again would cost O(k) per coordinate.
      const index = levelIndex(p, xi);
      out[i] = p.type === 'categorical' ? index : unitFromTransformed(index, transformedRange(p));
    }
  });
  return out;
}

/**
 * Canonical string of a valid point: one token per parameter in space order
 * (floats and ints as the shortest round-trip decimal, with -0 written 0;
 * ordinals and categoricals as their index), comma-separated. Two valid points
 * have the same key iff every value is === equal; property order does not
 * matter. Throws InvariantError on invalid params.
 */
export function paramsKey(enc: Encoding, params: Params): string {
  assertValid(enc, params);
  return enc.params
    .map((p) => {
      const v = params[p.name]!;
      if (p.type === 'ordinal') return String(p.values.indexOf(v as number));
      if (p.type === 'categorical') return String(p.choices.indexOf(v));
      return String((v as number) + 0); // -0 + 0 = 0
    })
    .join(',');
}

/**
 * paramsKey(enc, decode(enc, x)) for any finite x, without decoding to params and
 * validating them again: decode's output is valid by construction. The acquisition
 * optimizer keys every candidate it keeps, so this is on its hot path (issue 10: 100
 * parameters with 1,000-choice categoricals spent 40 s validating keys).
 */
export function encodedKey(enc: Encoding, x: ArrayLike<number>): string {
  if (x.length !== enc.dim) throw new InvariantError(`expected ${enc.dim} coordinates, got ${x.length}`);
  return enc.params
    .map((p, i) => (p.type === 'ordinal' || p.type === 'categorical' ? String(levelIndex(p, x[i]!)) : String((decodeValue(p, x[i]!) as number) + 0)))
    .join(',');
}

/**
 * The valid point for one uniform u_i ∈ [0, 1) per parameter (space order):
 * x_i = u_i on numeric dimensions, so values are uniform in x (log-uniform for log
 * parameters; each linear int or ordinal value with probability 1/k), and choice
 * ⌊u_i k⌋ for categoricals (each with probability 1/k). Feed it Sobol' points for
 * a space-filling design.
 */
export function designPoint(enc: Encoding, u: ArrayLike<number>): Params {
  if (u.length !== enc.dim) throw new InvariantError(`expected ${enc.dim} uniforms, got ${u.length}`);
  const x = new Float64Array(enc.dim);
  for (let i = 0; i < enc.dim; i++) {
    const ui = u[i]!;
    if (!Number.isFinite(ui)) throw new InvariantError(`uniform ${i} is ${ui}`);
    const k = enc.nChoices[i]!;
    x[i] = k > 0 ? clamp(Math.floor(ui * k), 0, k - 1) : ui;
  }
  return decode(enc, x);
}
