/** The CSV export never hands a spreadsheet a formula to run (CSV injection). */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { spreadsheetSafe } from '../../src/api/routes/export.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(() => {
  h = startHarness();
});
afterEach(() => h.close());

test.each([
  ['=cmd|\' /C calc\'!A0', '\'=cmd|\' /C calc\'!A0'],
  ['+1+2', '\'+1+2'],
  ['-2+3', '\'-2+3'],
  ['@SUM(A1:A9)', '\'@SUM(A1:A9)'],
  ['\t=1', '\'\t=1'],
  ['\r=1', '\'\r=1'],
  ['-1', '\'-1'],
  ["'=1", "''=1"],
  ["'quoted'", "''quoted'"],
  ['adam', 'adam'],
  ['a=b', 'a=b'],
  [' =1', ' =1'],
  ['', ''],
  [-0.5, -0.5],
  [-1e-300, -1e-300],
  [true, true],
])('spreadsheetSafe(%j) is %j', (cell, safe) => {
  expect(spreadsheetSafe(cell)).toBe(safe);
});

test('a failure reason and a categorical choice that start like a formula are quoted in CSV; negative numbers are not', async () => {
  const created = await h.request.post('/v1/studies').send({
    name: 'injection',
    parameters: [
      { name: 'x', type: 'float', low: -1, high: 1 },
      { name: 'tool', type: 'categorical', choices: ['=1+2', '@SUM(A1)', 'plain', -3] },
    ],
    objective: { goal: 'minimize' },
  });
  expect(created.status).toBe(201);
  const study = created.body.id;
  // Observations made elsewhere (201), then a suggested trial that fails (200).
  const observe = (body: object, status: number) => h.request.post(`/v1/studies/${study}/observe`).send(body).expect(status);
  await observe({ params: { x: -0.25, tool: '=1+2' }, value: -0.5 }, 201);
  await observe({ params: { x: 0.5, tool: '@SUM(A1)' }, value: 2 }, 201);
  await observe({ params: { x: -0.75, tool: -3 }, value: -1e-7 }, 201);
  const { body } = await h.request.post(`/v1/studies/${study}/suggest`).send({});
  await observe({ trialId: body.trials[0].id, failed: true, reason: "=cmd|' /C calc'!A0" }, 200);

  const csv = await h.request.get(`/v1/studies/${study}/export?format=csv`);
  expect(csv.status).toBe(200);
  const rows = csv.text.trimEnd().split('\n').map((line) => line.split(','));
  expect(rows[0]).toEqual(['number', 'id', 'state', 'value', 'source', 'createdAt', 'completedAt', 'leaseExpiresAt', 'failureReason', 'metadata', 'params.x', 'params.tool']);
  const columns = (row: string[]) => ({ value: row[3], failureReason: row[8], x: row[10], tool: row[11] });
  expect(columns(rows[1]!)).toEqual({ value: '-0.5', failureReason: '', x: '-0.25', tool: "'=1+2" });
  expect(columns(rows[2]!)).toEqual({ value: '2', failureReason: '', x: '0.5', tool: "'@SUM(A1)" });
  expect(columns(rows[3]!)).toEqual({ value: '-1e-7', failureReason: '', x: '-0.75', tool: '-3' });
  expect(rows[4]![2]).toBe('failed');
  expect(rows[4]![8]).toBe("'=cmd|' /C calc'!A0");
  // Not a single cell of the file starts a formula.
  for (const row of rows.slice(1)) for (const cell of row) if (!/^-?\d/.test(cell)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

  // JSON stays exact.
  const json = await h.request.get(`/v1/studies/${study}/export?format=json`);
  expect(json.body.trials.map((t: { params: { tool: unknown } }) => t.params.tool).slice(0, 3)).toEqual(['=1+2', '@SUM(A1)', -3]);
  expect(json.body.trials[3].failureReason).toBe("=cmd|' /C calc'!A0");
});
