// Fails when clients/typescript/generated/openapi.ts is not what openapi-typescript makes
// of openapi.yaml today. The SDK's generated file is committed and never edited (STYLE.md);
// fix drift with `npm run sdk:types` (which passes the same option).
import { readFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';

const generatedPath = new URL('../clients/typescript/generated/openapi.ts', import.meta.url);
const specPath = new URL('../openapi.yaml', import.meta.url);

const expected = astToString(await openapiTS(specPath, { defaultNonNullable: false }));
const actual = await readFile(generatedPath, 'utf8');
// The CLI adds a banner; compare the declarations only.
const body = (text) => text.slice(text.indexOf('export '));
if (body(actual).trim() !== body(expected).trim()) {
  console.error('clients/typescript/generated/openapi.ts is stale: run `npm run sdk:types` and commit the result.');
  process.exit(1);
}
console.log('sdk types: up to date');
