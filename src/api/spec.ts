/** openapi.yaml, the contract, loaded once for request and response validation. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const OPENAPI_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

/**
 * `/v1/studies/{studyId}` → `/v1/studies/:studyId`, the form the routers use. A colon of
 * the path itself (`/trials:import`, a custom method) is escaped, so Express matches it
 * as a character rather than reading a parameter.
 */
export const expressPath = (path: string) => path.replace(/:/g, '\\:').replace(/\{(\w+)\}/g, ':$1');

/** The spec's paths, in the form the routers use. */
export const expressPaths = (spec: object): string[] => Object.keys((spec as { paths?: object }).paths ?? {}).map(expressPath);

/**
 * The spec as express-openapi-validator should see it. Ajv's `discriminator` keyword
 * picks the one `oneOf` branch named by a parameter's `type`, so a bad parameter gets the
 * errors of that branch only; but Ajv rejects `discriminator.mapping`, which the spec
 * keeps for code generators. NOTE: Ajv infers the same mapping from each branch's
 * `const`, so dropping it here changes no verdict.
 */
export function specForValidation(path: string = OPENAPI_PATH): object {
  const spec = parse(readFileSync(path, 'utf8')) as unknown;
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(strip);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const discriminator = record.discriminator as Record<string, unknown> | undefined;
    if (discriminator && typeof discriminator === 'object') delete discriminator.mapping;
    Object.values(record).forEach(strip);
  };
  strip(spec);
  return spec as object;
}
