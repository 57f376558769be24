/**
 * What must hold after every fuzz request, whatever was sent:
 *
 * | assertion        | rule                                                                        |
 * |------------------|-----------------------------------------------------------------------------|
 * | `answers`        | an answer comes before the deadline, and `/healthz` keeps answering meanwhile |
 * | `no-5xx`         | the status is below 500 (a response that breaks openapi.yaml is a 500 too)  |
 * | `status-in-spec` | the operation lists the status (404 or 405 when no operation matches)       |
 * | `problem-json`   | a 4xx is `application/problem+json` with the status and a catalogued `code` |
 * | `media-type`     | a 2xx has a media type the operation lists for that status                  |
 * | `db-unchanged`   | a 4xx, a read, or a stateless suggestion leaves studies and trials as they were |
 * | `healthz`        | `/healthz` answers 200 within its deadline after the request                |
 * | `accepts-valid`  | (valid suite) a request valid against openapi.yaml is not refused as malformed |
 * | `behaviour`      | (lifecycle suite) answers agree with what the scenario did                   |
 *
 * Each failure carries a signature that names the bug rather than the input, so that a
 * run can collect distinct failures: for a 5xx the server's error with numbers and quoted
 * text blanked, whatever the route (one crash reached from two routes is one bug); for
 * the other assertions the operation, status and problem code.
 */
import { errorCatalogue } from '../../../src/domain/errors.js';
import type { Answer, LiveTarget } from './live-target.js';
import type { BuiltRequest } from './request-cases.js';
import { matchOperation, pathExists, type Operation, type Spec } from './spec-operations.js';

export type Assertion =
  | 'answers'
  | 'no-5xx'
  | 'status-in-spec'
  | 'problem-json'
  | 'media-type'
  | 'db-unchanged'
  | 'healthz'
  | 'accepts-valid'
  | 'behaviour';

export type Failure = { assertion: Assertion; message: string; signature: string };

export type Exchange = {
  request: BuiltRequest;
  operation: Operation | null;
  answer: Answer;
  /** What the server logged as errors for this request. */
  serverErrors: string[];
  failures: Failure[];
};

/** A message with the parts that vary by input blanked, for signatures. */
export function normalizeMessage(message: string): string {
  return message
    .replace(/(st|tr)_[\w-]{16}/g, '$1_…')
    // Greedy: a quoted name may hold quotes itself (`parameter "" "`).
    .replace(/"[^]*"/g, 'Q')
    .replace(/'[^]*'/g, 'Q')
    .replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/gi, 'N')
    .slice(0, 160);
}

/**
 * The cause of a 500 for a signature. A response that breaks openapi.yaml is named by
 * the items it breaks the schema in (`/response/suggestions/N`), so that `mean`, `std`
 * or `acquisition` being null, in one suggestion or two, are one failure.
 */
export function causeOf(serverError: string): string {
  const validation = /^InternalServerError: (\/response\/.*?)( \(status \d+\))?$/.exec(serverError);
  if (validation) {
    const where = new Set(
      (validation[1] as string).split(', ').map((item) => (item.split(' ')[0] as string).split('/').slice(0, 4).join('/').replace(/\/\d+(?=\/|$)/g, '/N')),
    );
    return `response breaks the contract in ${[...where].sort().join(', ')}`;
  }
  // An error from a library that set a 4xx status (body-parser, zlib) reached the handler unmapped.
  const library = /^(\w+): .*\((status 4\d\d)(, code \w+)?\)$/.exec(serverError);
  if (library) return `unmapped ${library[1]} with ${library[2]}`;
  return normalizeMessage(serverError);
}

const opName = (op: Operation | null, req: BuiltRequest) => op?.operationId ?? `${req.method} (no operation)`;

/** Sends `request` and checks every assertion above; restarts the server when it hangs, dies or stops answering. */
export async function exchange(
  target: LiveTarget,
  spec: Spec,
  request: BuiltRequest,
  options: { timeoutMs?: number } = {},
): Promise<Exchange> {
  const operation = matchOperation(spec, request.method, request.path);
  const name = opName(operation, request);
  const failures: Failure[] = [];
  const fail = (assertion: Assertion, message: string, detail: string, anyRoute = false) =>
    failures.push({ assertion, message, signature: `${assertion}|${anyRoute ? '*' : name}|${detail}` });

  const before = target.fingerprint();
  const answer = await target.send(request, options.timeoutMs);
  let serverErrors: string[] = [];

  if (answer.kind !== 'response') {
    const what =
      answer.kind === 'blocked'
        ? `the event loop is blocked: /healthz did not answer within ${target.options.healthTimeoutMs} ms, nor a retry within ${2 * target.options.healthTimeoutMs} ms, while this request ran (${Math.round(answer.ms)} ms in)`
        : answer.kind === 'timeout'
          ? `no answer within ${Math.round(answer.ms)} ms`
          : `connection failed: ${answer.message}${target.alive() ? '' : ` (the server process died: ${target.lastWords() || 'nothing on stderr'})`}`;
    fail('answers', what, answer.kind);
    await target.restart();
    return { request, operation, answer, serverErrors, failures };
  }

  const { status } = answer;
  const contentType = String(answer.headers['content-type'] ?? '');
  const body = parseObject(answer.text);
  const code = typeof body?.code === 'string' ? body.code : '';

  if (status >= 500) {
    serverErrors = await target.serverErrors(request.headers['x-request-id'] as string);
    const cause = serverErrors[0] ? causeOf(serverErrors[0]) : `${code} (nothing logged)`;
    fail('no-5xx', `${status} ${code}; the server logged: ${serverErrors.join(' | ') || 'nothing'}`, `${status}|${cause}`, true);
  }

  const listed = operation ? [...operation.responses.keys()] : pathExists(spec, request.path) ? [405] : [404];
  if (!listed.includes(status) && status < 500) {
    fail('status-in-spec', `${status} ${code} is not a status openapi.yaml lists for ${name} (it lists ${listed.join(', ')})`, `${status}|${code}`);
  }

  if (status >= 400 && status < 500) {
    const problems: string[] = [];
    if (!/^application\/problem\+json\b/.test(contentType)) problems.push(`content-type is '${contentType}'`);
    if (body === null) problems.push('the body is not JSON');
    else {
      if (!code) problems.push('no string `code`');
      else if (!(code in errorCatalogue)) problems.push(`code ${code} is not in the error catalogue`);
      else if (errorCatalogue[code as keyof typeof errorCatalogue].status !== status) problems.push(`code ${code} is catalogued with another status`);
      if (body.status !== status) problems.push(`body status ${String(body.status)} differs from ${status}`);
    }
    if (problems.length > 0) fail('problem-json', `${status} is not a proper problem document: ${problems.join('; ')}`, `${status}|${problems.join(';').replace(/'[^']*'/g, 'Q')}`);
  }

  if (status >= 200 && status < 300 && operation) {
    const media = operation.responses.get(status) ?? [];
    if (media.length > 0 && !media.some((m) => contentType.startsWith(m))) {
      fail('media-type', `${status} answered with content-type '${contentType}', openapi.yaml lists ${media.join(', ')}`, `${status}|${contentType.split(';')[0]}`);
    }
  }

  if (target.alive()) {
    const readOnly = request.method === 'GET' || operation?.operationId === 'suggestStateless';
    if ((status >= 400 && status < 500) || readOnly) {
      const after = target.fingerprint();
      if (after !== before) {
        fail('db-unchanged', `the studies or trials changed although the answer was ${status} ${code}${readOnly ? ' to a request that only reads' : ''}`, `${status}|${code}`);
      }
    }
    const health = await target.health();
    if (!health.ok) {
      fail('healthz', `/healthz did not answer 200 within ${target.options.healthTimeoutMs} ms, nor a retry within ${2 * target.options.healthTimeoutMs} ms, after the request (${health.detail})`, '');
      await target.restart();
    }
  } else {
    fail('answers', `the server process exited after answering: ${target.lastWords() || 'nothing on stderr'}`, 'exited');
    await target.restart();
  }
  return { request, operation, answer, serverErrors, failures };
}

function parseObject(text: string): { code?: unknown; status?: unknown } | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as { code?: unknown; status?: unknown }) : null;
  } catch {
    return null;
  }
}

/** One line of an answer for a report: status and the start of the body. */
export function describeAnswer(ex: Exchange): string {
  const a = ex.answer;
  if (a.kind !== 'response') return `→ ${a.kind} after ${Math.round(a.ms)} ms`;
  // Control characters (a CSV export carries names as they are) are shown escaped.
  const escaped = (s: string) => [...s].map((c) => (/\p{Cc}/u.test(c) && c !== '\n' && c !== '\t' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
  const text = a.text.length > 400 ? `${escaped(a.text.slice(0, 400))}…` : escaped(a.text);
  const logged = ex.serverErrors.length > 0 ? `\n   server logged: ${ex.serverErrors.join(' | ')}` : '';
  return `→ ${a.status} ${text}${logged}`;
}
