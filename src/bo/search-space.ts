/**
 * The search space as the numerics see it. Structurally identical to the wire
 * shape in openapi.yaml, but declared here because `bo` imports nothing of the
 * project (STYLE.md, "Layout").
 */

export type ParamValue = number | string | boolean;

/** `gridPoints`: values on a grid (the service's `algorithm: grid`); the GP ignores it. */
export type FloatParam = { name: string; type: 'float'; low: number; high: number; log?: boolean; gridPoints?: number };
export type IntParam = { name: string; type: 'int'; low: number; high: number; log?: boolean; gridPoints?: number };
/** `values` strictly ascending. */
export type OrdinalParam = { name: string; type: 'ordinal'; values: number[] };
/** `choices` distinct, at least one. */
export type CategoricalParam = { name: string; type: 'categorical'; choices: ParamValue[] };

export type ParamSpec = FloatParam | IntParam | OrdinalParam | CategoricalParam;

/** A point in the user's space: parameter name → value. */
export type Params = Record<string, ParamValue>;

export type Goal = 'minimize' | 'maximize';
