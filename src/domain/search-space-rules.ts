/**
 * The rules a search space must satisfy beyond its JSON schema. Each broken rule is
 * reported with a JSON pointer into the create-study body, so a client can show the
 * user exactly which field to fix.
 */
import type { ParamSpec } from '../bo/search-space.js';
import type { FieldError } from './errors.js';

/** Every rule `parameters` breaks, in order; empty when the space is valid. Sizes are limits.ts's. */
export function searchSpaceErrors(parameters: ParamSpec[]): FieldError[] {
  const errors: FieldError[] = [];
  const at = (i: number, field?: string) => `#/parameters/${i}${field ? `/${field}` : ''}`;

  if (parameters.length === 0) errors.push({ pointer: '#/parameters', detail: 'at least one parameter is needed' });

  const seen = new Map<string, number>();
  parameters.forEach((p, i) => {
    const first = seen.get(p.name);
    if (first !== undefined) {
      errors.push({ pointer: at(i, 'name'), detail: `duplicate parameter name '${p.name}' (also #/parameters/${first})` });
    } else {
      seen.set(p.name, i);
    }
    errors.push(...parameterErrors(p, i));
  });
  return errors;
}

function parameterErrors(p: ParamSpec, i: number): FieldError[] {
  const at = (field: string) => `#/parameters/${i}/${field}`;
  switch (p.type) {
    case 'float':
    case 'int': {
      const errors: FieldError[] = [];
      if (!Number.isFinite(p.low)) errors.push({ pointer: at('low'), detail: 'low must be a finite number' });
      if (!Number.isFinite(p.high)) errors.push({ pointer: at('high'), detail: 'high must be a finite number' });
      if (p.type === 'int' && !(Number.isSafeInteger(p.low) && Number.isSafeInteger(p.high))) {
        errors.push({ pointer: at('low'), detail: 'int bounds must be safe integers' });
      }
      if (errors.length > 0) return errors;
      if (p.low >= p.high) errors.push({ pointer: at('high'), detail: `high (${p.high}) must be greater than low (${p.low})` });
      else if (!Number.isFinite(p.high - p.low)) {
        errors.push({ pointer: at('high'), detail: `high - low must be a finite number: [${p.low}, ${p.high}] is wider than a double can hold` });
      }
      if (p.log && p.low <= 0) errors.push({ pointer: at('low'), detail: `a log-scaled parameter needs low > 0, got ${p.low}` });
      return errors;
    }
    case 'ordinal': {
      if (p.values.length === 0) return [{ pointer: at('values'), detail: 'values must not be empty' }];
      for (let k = 0; k < p.values.length; k++) {
        const v = p.values[k] as number;
        if (!Number.isFinite(v)) return [{ pointer: at(`values/${k}`), detail: 'values must be finite numbers' }];
        if (k > 0 && !(v > (p.values[k - 1] as number))) {
          return [{ pointer: at(`values/${k}`), detail: 'values must be strictly ascending' }];
        }
      }
      return [];
    }
    case 'categorical': {
      if (p.choices.length === 0) return [{ pointer: at('choices'), detail: 'choices must not be empty' }];
      const seen = new Set<string>();
      for (let k = 0; k < p.choices.length; k++) {
        const c = p.choices[k];
        if (typeof c === 'number' && !Number.isFinite(c)) {
          return [{ pointer: at(`choices/${k}`), detail: 'numeric choices must be finite' }];
        }
        // Typed key: the string "1" and the number 1 are different choices.
        const key = `${typeof c}:${String(c)}`;
        if (seen.has(key)) return [{ pointer: at(`choices/${k}`), detail: `duplicate choice ${JSON.stringify(c)}` }];
        seen.add(key);
      }
      return [];
    }
  }
}
