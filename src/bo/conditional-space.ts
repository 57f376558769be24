/**
 * Conditional parameters (`when: {parameter, in}` of issue 16): the validation rules of a
 * conditional space, which parameters a point activates, and the imputation of the inactive
 * ones to fixed values so that the flat encoding (encoding.ts) can model every point.
 *
 * | term      | meaning                                                               |
 * |-----------|-----------------------------------------------------------------------|
 * | parent    | `when.parameter`: a categorical, ordinal or int parameter             |
 * | active    | a parameter without `when`, or whose parent is active and takes one   |
 * |           | of `when.in` (so chains work: a child of a conditional parent)        |
 * | imputed   | the fixed value an inactive parameter gets before encoding: a float's  |
 * |           | or int's low bound, an ordinal's first value, a categorical's first   |
 * |           | choice                                                                |
 *
 * Imputation plus the parent's own dimension is the "imputation with an indicator" of
 * Lévesque et al. 2017: two points of the same branch agree on every inactive coordinate (no
 * kernel distance from it), and points of different branches differ in the parent's dimension
 * (a categorical parent is a Hamming dimension, encoding.ts, so the branch itself is an indicator).
 * Pointers are relative to the study body (`/parameters/{i}/when/...`) for the space, and
 * to the params object (`/{name}`) for a point, as encoding.ts validateParams.
 */

import { createEncoding, validateParams, type ParamsError } from './encoding.js';
import type { ParamSpec, ParamValue, Params } from './search-space.js';

export interface Condition {
  parameter: string;
  in: ParamValue[];
}

export type ConditionalParamSpec = ParamSpec & { when?: Condition };

function token(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The values a parent can take, or null when its type cannot be a parent (float). */
function parentValues(p: ParamSpec): ParamValue[] | null {
  switch (p.type) {
    case 'categorical':
      return p.choices;
    case 'ordinal':
      return p.values;
    case 'int':
      return null;
    case 'float':
      return null;
  }
}

/**
 * The problems with the `when` clauses of `space`, [] when there are none (the rest of each
 * parameter is createEncoding's to check). In order of the parameters:
 *  - the parent is unknown, the parameter itself, or a float;
 *  - `in` is empty, or holds a value the parent cannot take (an int's: integers in [low, high]);
 *  - the conditions form a cycle (reported once, at the cycle's first parameter in space order).
 */
export function conditionProblems(space: readonly ConditionalParamSpec[]): ParamsError[] {
  const byName = new Map(space.map((p) => [p.name, p]));
  const problems: ParamsError[] = [];
  space.forEach((p, i) => {
    if (!p.when) return;
    const at = `/parameters/${i}/when`;
    const parent = byName.get(p.when.parameter);
    if (!parent) return void problems.push({ pointer: `${at}/parameter`, message: `${JSON.stringify(p.name)} depends on ${JSON.stringify(p.when.parameter)}, which is not a parameter of this space` });
    if (parent.name === p.name) return void problems.push({ pointer: `${at}/parameter`, message: `${JSON.stringify(p.name)} depends on itself` });
    if (parent.type === 'float') return void problems.push({ pointer: `${at}/parameter`, message: `${JSON.stringify(p.name)} depends on the float ${JSON.stringify(parent.name)}; a parent must be categorical, ordinal or int` });
    if (p.when.in.length === 0) return void problems.push({ pointer: `${at}/in`, message: `${JSON.stringify(p.name)} has an empty "in": it could never be active` });
    const values = parentValues(parent);
    p.when.in.forEach((v, j) => {
      const ok = values ? values.includes(v) : typeof v === 'number' && Number.isInteger(v) && parent.type === 'int' && v >= parent.low && v <= parent.high;
      if (!ok) problems.push({ pointer: `${at}/in/${j}`, message: `${JSON.stringify(parent.name)} cannot take ${JSON.stringify(v)}` });
    });
  });
  // Cycles: follow parents from every parameter; a walk that comes back to its start is a cycle.
  const reported = new Set<string>();
  space.forEach((p, i) => {
    const path = [p.name];
    let current = byName.get(p.when?.parameter ?? '');
    while (current && current.name !== p.name && !path.includes(current.name)) {
      path.push(current.name);
      current = byName.get(current.when?.parameter ?? '');
    }
    if (current?.name === p.name && path.length > 1 && !path.some((n) => reported.has(n))) {
      path.forEach((n) => reported.add(n));
      problems.push({ pointer: `/parameters/${i}/when/parameter`, message: `the conditions form a cycle: ${[...path, p.name].map((n) => JSON.stringify(n)).join(' → ')}` });
    }
  });
  return problems;
}

/**
 * The names of the parameters that `params` activates, in space order. A parameter is active
 * when it has no `when`, or its parent is active and params[parent] is one of `when.in`.
 * Meant for spaces without condition problems; on a cycle its parameters come out inactive.
 */
export function activeParameters(space: readonly ConditionalParamSpec[], params: Params): Set<string> {
  const byName = new Map(space.map((p) => [p.name, p]));
  const memo = new Map<string, boolean>();
  const isActive = (p: ConditionalParamSpec): boolean => {
    const known = memo.get(p.name);
    if (known !== undefined) return known;
    memo.set(p.name, false); // a cycle (a space conditionProblems refuses) ends inactive rather than recursing forever
    const parent = p.when ? byName.get(p.when.parameter) : undefined;
    const active = !p.when || (parent !== undefined && isActive(parent) && p.when.in.includes(params[parent.name] as ParamValue));
    memo.set(p.name, active);
    return active;
  };
  return new Set(space.filter(isActive).map((p) => p.name));
}

/**
 * The problems with a point of a conditional space that are about activity: an active
 * parameter missing, or a value given for an inactive one (pointer `/{name}`). The values of
 * the active ones are encoding.ts validateParams's to check, on imputedParams.
 */
export function activityProblems(space: readonly ConditionalParamSpec[], params: Params): ParamsError[] {
  const active = activeParameters(space, params);
  const problems: ParamsError[] = [];
  for (const p of space) {
    const given = Object.hasOwn(params, p.name);
    if (active.has(p.name) && !given) problems.push({ pointer: `/${token(p.name)}`, message: `${JSON.stringify(p.name)} is active here and missing` });
    if (!active.has(p.name) && given) {
      problems.push({ pointer: `/${token(p.name)}`, message: `${JSON.stringify(p.name)} is inactive here (${JSON.stringify(p.when!.parameter)} is ${JSON.stringify(params[p.when!.parameter])}) and must be left out` });
    }
  }
  return problems;
}

/** The fixed value an inactive parameter is encoded with (module doc). */
export function imputedValue(p: ParamSpec): ParamValue {
  switch (p.type) {
    case 'float':
    case 'int':
      return p.low;
    case 'ordinal':
      return p.values[0]!;
    case 'categorical':
      return p.choices[0]!;
  }
}

/** The flat space the encoding sees: every parameter, without `when`. */
export function flatSpace(space: readonly ConditionalParamSpec[]): ParamSpec[] {
  return space.map(({ when: _when, ...p }) => p as ParamSpec);
}

/** A full point of the flat space: params's active values, the imputed value for every inactive parameter. */
export function imputedParams(space: readonly ConditionalParamSpec[], params: Params): Params {
  const active = activeParameters(space, params);
  const out: Params = {};
  for (const p of space) out[p.name] = active.has(p.name) ? params[p.name]! : imputedValue(p);
  return out;
}

/** A flat point (every parameter) reduced to the parameters it activates: what a suggestion shows. */
export function activeParams(space: readonly ConditionalParamSpec[], flat: Params): Params {
  const active = activeParameters(space, flat);
  const out: Params = {};
  for (const p of space) if (active.has(p.name)) out[p.name] = flat[p.name]!;
  return out;
}

/**
 * Every problem with a point of a conditional space, [] when it is valid (what observe answers
 * with 422 and pointers): first the activity problems, then the values of the active parameters
 * (encoding.ts validateParams on the imputed point; imputed values are always valid), then names
 * that are no parameter. Throws InvariantError for a space createEncoding refuses.
 */
export function conditionalParamsProblems(space: readonly ConditionalParamSpec[], params: Params): ParamsError[] {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return [{ pointer: '', message: 'params must be an object mapping parameter names to values' }];
  const activity = activityProblems(space, params);
  const flagged = new Set(activity.map((p) => p.pointer));
  const values = validateParams(createEncoding(flatSpace(space)), { ...imputedParams(space, params), ...unknownEntries(space, params) });
  return [...activity, ...values.filter((p) => !flagged.has(p.pointer))];
}

function unknownEntries(space: readonly ConditionalParamSpec[], params: Params): Params {
  const known = new Set(space.map((p) => p.name));
  return Object.fromEntries(Object.entries(params).filter(([name]) => !known.has(name)));
}
