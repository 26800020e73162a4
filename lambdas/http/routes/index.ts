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

/** Matches a concrete path (local server) to a route template and its path parameters. */
export function matchPath(method: string, path: string): { route: RouteDef; params: Record<string, string> } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const params = matchTemplate(route.path, path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : undefined;
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
      params[m[1]] = decodeURIComponent(p[i]);
    } else if (t[i] !== p[i]) return undefined;
  }
  return params;
}
