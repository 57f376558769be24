import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { errorCatalogue } from '../../src/domain/errors.js';

test('the published error table in docs/errors.md is exactly the catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
  const catalogue = Object.entries(errorCatalogue).map(([code, e]) => [code, e.status, e.title]);
  expect(rows).toEqual(catalogue);
});

