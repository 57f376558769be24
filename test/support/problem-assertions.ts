import { expect } from 'vitest';

/** What supertest answers, as far as a problem check reads it. */
export type ProblemResponse = { status: number; headers: Record<string, string>; body: Record<string, unknown> };

/** The answer is an RFC 9457 problem document with this status and catalogue code. */
export function expectProblem(res: ProblemResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
}
