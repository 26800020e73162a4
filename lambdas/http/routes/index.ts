/** Every API route, defined once. Feature modules contribute their lists here. */
import type { RouteDef } from '../route';
import { categoryRoutes } from './categories';
import { customerRoutes } from './customers';
import { erasureRoutes } from './erasure';
import { metaRoutes } from './meta';
import { portalRoutes } from './portal';

export const ROUTES: readonly RouteDef[] = [...metaRoutes, ...customerRoutes, ...categoryRoutes, ...portalRoutes, ...erasureRoutes];

export function findRoute(method: string, resource: string): RouteDef | undefined {
  return ROUTES.find((r) => r.method === method && r.path === resource);
}

/** The methods a resource path (template) is defined for; empty when there is no such path. */
export function allowedMethods(resource: string): string[] {
  return ROUTES.filter((r) => r.path === resource).map((r) => r.method);
}

/**
 * Matches a concrete path (local server) to a route template and its path parameters, still
 * percent-encoded as API Gateway passes them. As in API Gateway, a literal segment wins over a
 * parameter: `/v1/customers/search` is that resource (POST only) for every method, never `{id}`.
 */
export function matchPath(
  method: string,
  path: string,
): { route: RouteDef; params: Record<string, string> } | { allowed: string[] } | undefined {
  let best: { template: string; params: Record<string, string> } | undefined;
  for (const template of new Set(ROUTES.map((r) => r.path))) {
    const params = matchTemplate(template, path);
    if (params && (!best || moreSpecific(template, best.template))) best = { template, params };
  }
  if (!best) return undefined;
  const route = findRoute(method, best.template);
  return route ? { route, params: best.params } : { allowed: allowedMethods(best.template) };
}

const isParam = (segment: string) => /^\{\w+\}$/.test(segment);

/** Of two templates matching the same path: the one whose first differing segment is literal. */
function moreSpecific(a: string, b: string): boolean {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < as.length; i++) if (isParam(as[i]) !== isParam(bs[i])) return !isParam(as[i]);
  return false;
}

function matchTemplate(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(\w+)\}$/.exec(t[i]);
    if (m) {
      if (!p[i]) return undefined;
      params[m[1]] = p[i];
    } else if (t[i] !== p[i]) return undefined;
  }
  return params;
}
