/**
 * The operations of openapi.yaml as the fuzzer needs them: method, path template,
 * parameters, request body schema, and the statuses and media types each may answer.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../../../src/api/spec.js';
import { resolveRef, type Schema } from '../schema-arbitrary.js';

export type ParameterSpec = { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Schema };

export type Operation = {
  operationId: string;
  method: string;
  /** As in the spec: `/v1/studies/{studyId}`. */
  path: string;
  parameters: ParameterSpec[];
  requestBody?: { required: boolean; schema: Schema };
  /** Status → media types of its content (empty: no body). */
  responses: Map<number, string[]>;
};

export type Spec = { document: unknown; operations: Operation[] };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function loadSpec(path: string = OPENAPI_PATH): Spec {
  const document = parse(readFileSync(path, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const deref = <T>(node: T): T => {
    const ref = (node as { $ref?: string }).$ref;
    return ref ? (resolveRef(document, ref) as T) : node;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const shared = ((item.parameters ?? []) as object[]).map(deref) as ParameterSpec[];
    for (const method of METHODS) {
      const op = item[method] as
        | {
            operationId: string;
            parameters?: object[];
            requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
            responses: Record<string, object>;
          }
        | undefined;
      if (!op) continue;
      const own = (op.parameters ?? []).map(deref) as ParameterSpec[];
      const json = op.requestBody?.content['application/json'];
      const responses = new Map<number, string[]>();
      for (const [status, response] of Object.entries(op.responses)) {
        const content = (deref(response) as { content?: Record<string, unknown> }).content ?? {};
        responses.set(Number(status), Object.keys(content));
      }
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        parameters: [...shared.filter((p) => !own.some((o) => o.name === p.name)), ...own].map((p) => ({ ...p, required: Boolean(p.required) })),
        ...(json ? { requestBody: { required: Boolean(op.requestBody?.required), schema: json.schema } } : {}),
        responses,
      });
    }
  }
  return { document, operations };
}

/** The operation a request reaches, by method and concrete path (query excluded); null when none. */
export function matchOperation(spec: Spec, method: string, concretePath: string): Operation | null {
  const path = concretePath.split('?')[0] as string;
  const segments = path.split('/');
  for (const op of spec.operations) {
    if (op.method !== method) continue;
    const template = op.path.split('/');
    if (template.length !== segments.length) continue;
    if (template.every((t, i) => (t.startsWith('{') ? (segments[i] as string).length > 0 : t === segments[i]))) return op;
  }
  return null;
}

/** Whether some operation has this concrete path under another method (then the answer is 405, else 404). */
export function pathExists(spec: Spec, concretePath: string): boolean {
  return spec.operations.some((op) => matchOperation(spec, op.method, concretePath) === op);
}
