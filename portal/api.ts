/**
 * Talking to the API. Every URL is resolved against the page's own location, so the page works under
 * any base path: at /portal it calls /v1/…, at /dev/portal (an API Gateway stage) it calls /dev/v1/….
 */
import type { Problem } from './types';

export const TOKEN_KEY = 'privacy-crm.portal.token';

/** `/dev/portal` → `/dev/`: the directory the page sits in, which is where the API is too. */
export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), new URL('./', location.href)).toString();
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfter: number | undefined,
  ) {
    super(problem.detail ?? `HTTP ${status}`);
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(apiUrl(path), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as Problem;
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, problem, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return res;
}

export async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await api(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}
