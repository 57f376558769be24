// Fails when a file generated from openapi.yaml is not what openapi-typescript makes of
// it today: the server's types (src/api/generated) and the TypeScript SDK's
// (clients/typescript/generated). Generated files are committed and never edited
// (STYLE.md); fix drift with `npm run spec:types`, which writes both with the same option.
import { readFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';

const GENERATED = ['src/api/generated/openapi.ts', 'clients/typescript/generated/openapi.ts'];
const root = new URL('../', import.meta.url);

const expected = astToString(await openapiTS(new URL('openapi.yaml', root), { defaultNonNullable: false }));
// The CLI adds a banner; compare the declarations only.
const body = (text) => text.slice(text.indexOf('export ')).trim();
const stale = [];
for (const path of GENERATED) {
  if (body(await readFile(new URL(path, root), 'utf8')) !== body(expected)) stale.push(path);
}
if (stale.length > 0) {
  console.error(`stale: ${stale.join(', ')}: run \`npm run spec:types\` and commit the result.`);
  process.exit(1);
}
console.log(`generated types up to date: ${GENERATED.join(', ')}`);
