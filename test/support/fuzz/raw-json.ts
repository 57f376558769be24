/**
 * JSON bodies that `JSON.stringify` cannot write: number tokens such as `1e309` or `-0`,
 * and very large or deep fragments, which are kept as text with a short label so that a
 * failure report stays readable.
 */

/** A fragment of JSON text put verbatim into a body. */
export class RawJson {
  constructor(
    readonly text: string,
    /** How a report shows it when the text is long, e.g. `[…20000 nested arrays…]`. */
    readonly label?: string,
  ) {}
}

/** A value that may contain `RawJson` fragments. */
export type FuzzJson = unknown;

/** The JSON text of `value`, with every `RawJson` fragment inlined and every own key (`__proto__` too) written. */
export function jsonText(value: FuzzJson): string {
  return write(value, (raw) => raw.text);
}

/** Like `jsonText`, with long fragments shown by their label and long strings cut, for reports. */
export function describeJson(value: FuzzJson, maxString = 200): string {
  const text = write(value, (raw) => (raw.label && raw.text.length > 120 ? raw.label : raw.text), maxString);
  return text;
}

function write(value: FuzzJson, raw: (r: RawJson) => string, maxString?: number): string {
  if (value instanceof RawJson) return raw(value);
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  if (typeof value === 'string') {
    if (maxString !== undefined && value.length > maxString) {
      return `${JSON.stringify(value.slice(0, maxString))}…(${value.length} chars)`;
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => write(v, raw, maxString)).join(',')}]`;
  if (typeof value === 'object') {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${write((value as Record<string, unknown>)[k], raw, maxString)}`)
      .join(',')}}`;
  }
  throw new Error(`not a JSON value: ${typeof value}`);
}
