/**
 * The dashboard's only way to the server: the public `/v1` API on the same origin. When the
 * server requires keys, the key the user typed is kept in sessionStorage (this tab only, gone
 * when it closes) and sent as `Authorization: Bearer`; it never goes into a URL.
 */
const KEY_STORAGE = 'posterior.apiKey';

export type Problem = { status: number; code: string; title: string; detail?: string };

/** The server answered 401: a key is needed, or the one given is wrong. */
export class KeyRequired extends Error {
  constructor(readonly hadKey: boolean) {
    super(hadKey ? 'the API key was refused' : 'an API key is required');
  }
}

/** Any other problem answer. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

async function request(path: string, accept: string): Promise<Response> {
  const key = storedKey();
  const headers: Record<string, string> = { Accept: accept };
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(path, { headers, cache: 'no-store' });
  if (res.status === 401) throw new KeyRequired(key !== null);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError({ status: res.status, code: body.code ?? 'HTTP_ERROR', title: body.title ?? res.statusText, ...(body.detail ? { detail: body.detail } : {}) });
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await request(path, 'application/json')).json() as Promise<T>;
}

/** Downloads `path` as a file named `filename`, through fetch so that the key stays in a header. */
export async function download(path: string, filename: string): Promise<void> {
  const blob = await (await request(path, 'text/csv')).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
