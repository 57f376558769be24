/**
 * Runs generated requests against the live server through the oracle, keeping the
 * fixture study as the legend describes it: made on first use and after a restart, and
 * made again after a 2xx that may have changed its three trials or its state (observe,
 * heartbeat, PATCH, delete) or after a few suggestions. A new fixture costs four writes, about 50 ms, so
 * it is not remade after every write.
 */
import type { LiveTarget } from './live-target.js';
import { describeAnswer, exchange, type Failure } from './oracle.js';
import { buildRequest, createFixture, describeRequest, usesFixture, type FixtureIds, type RequestCase } from './request-cases.js';
import type { Spec } from './spec-operations.js';

export type CaseResult = { failures: Failure[]; transcript: string[] };

/** Operations whose 2xx may change the fixture's trials or state, or remove the study (a paused study suggests no more). */
const CHANGES_FIXTURE = new Set(['observe', 'heartbeatTrial', 'deleteStudy', 'updateStudy']);
/**
 * Problem codes that say "this request is malformed": a request valid against openapi.yaml
 * must not get them. One that does means the server and the contract disagree, or the
 * generator is wrong; either way the report shows which.
 */
const MALFORMED = new Set(['VALIDATION_FAILED', 'MALFORMED_JSON', 'MALFORMED_BODY', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE']);

/** Suggestions on one fixture before it is remade, so it stays in its initial design. */
const MAX_FIXTURE_SUGGESTIONS = 4;

export class RequestRunner {
  private fixture: FixtureIds | null = null;
  private fixtureRestarts = -1;
  private suggestions = 0;
  private serial = 0;
  private previous: string[] = [];

  constructor(
    private readonly target: LiveTarget,
    private readonly spec: Spec,
    /** Cases are valid against openapi.yaml: check that none is refused as malformed. */
    private readonly casesAreValid = false,
  ) {}

  async run(c: RequestCase): Promise<CaseResult> {
    if (usesFixture(c) && (this.fixture === null || this.fixtureRestarts !== this.target.restarts)) {
      try {
        this.fixture = await createFixture(this.target, ++this.serial);
      } catch (err) {
        throw new Error(`${(err as Error).message}; the case before was:\n${this.previous.join('\n')}`);
      }
      this.fixtureRestarts = this.target.restarts;
      this.suggestions = 0;
    }
    const request = buildRequest(c, this.fixture, this.target.nextRequestId());
    const ex = await exchange(this.target, this.spec, request);
    const status = ex.answer.kind === 'response' ? ex.answer.status : 0;
    const name = ex.operation?.operationId ?? '';
    if (status >= 200 && status < 300 && usesFixture(c)) {
      if (CHANGES_FIXTURE.has(name) || (name === 'suggestTrials' && ++this.suggestions >= MAX_FIXTURE_SUGGESTIONS)) this.fixture = null;
    }
    const failures = [...ex.failures];
    if (this.casesAreValid && ex.answer.kind === 'response') {
      const code = /"code":"(\w+)"/.exec(ex.answer.text)?.[1] ?? '';
      if (MALFORMED.has(code)) {
        failures.push({
          assertion: 'accepts-valid',
          message: `a request valid against openapi.yaml was refused with ${status} ${code}`,
          signature: `accepts-valid|${name}|${code}`,
        });
      }
    }
    const transcript = [`(${c.label})`, ...describeRequest(c), describeAnswer(ex)];
    this.previous = transcript;
    return { failures, transcript };
  }
}
