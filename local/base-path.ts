/**
 * The local home can sit under a base path (CRM_BASE_PATH, e.g. `/dev`) the way API Gateway puts a REST
 * API under its stage: `/dev/portal`, `/dev/v1/...`. The handler sees the path without it, and the
 * event's requestContext carries the stage and the full path, as in AWS.
 */

const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** `undefined`, `''` and `/` mean none; otherwise `/a` or `/a/b`, without a trailing slash. Throws a clear error. */
export function parseBasePath(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  if (value === '' || value === '/') return '';
  const segments = value.replace(/\/$/, '').split('/');
  if (segments[0] !== '' || segments.slice(1).some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new Error('CRM_BASE_PATH must be a path such as /dev: a leading slash, then letters, digits, ".", "_", "~" or "-" per segment.');
  }
  return segments.join('/');
}

/** The path inside the base path, or undefined when the request is outside it. */
export function stripBasePath(basePath: string, pathname: string): string | undefined {
  if (!basePath) return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
}

/** What API Gateway puts in requestContext.stage: the first segment of the base path ('local' without one). */
export function stageOf(basePath: string): string {
  return basePath ? basePath.split('/')[1] : 'local';
}
