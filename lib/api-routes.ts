/**
 * The routes API Gateway exposes, with who may call them: derived from the Lambda router's route table
 * (lambdas/http/routes), so the gateway and the router cannot drift.
 *
 * - staff: Cognito user pool authorizer at the gateway; the Lambda maps `cognito:groups` to roles.
 * - customer: portal session token, checked by the Lambda (no gateway authorizer).
 * - public: nobody (sign-in, receipts, inventory, OpenAPI, the portal page).
 * `/dev/*` routes exist only in the local home and are never listed here.
 */
import type { Auth, Method, RouteDef } from '../lambdas/http/route';
import { ROUTES } from '../lambdas/http/routes';

export interface DeployedRoute {
  method: Method;
  /** API Gateway resource path, e.g. /v1/customers/{id}. */
  path: string;
  auth: Auth;
  /** The request carries a JSON object body (API Gateway checks it is one before the Lambda runs). */
  jsonBody?: boolean;
}

export function toDeployedRoute(route: Pick<RouteDef, 'method' | 'path' | 'auth' | 'body'>): DeployedRoute {
  return { method: route.method, path: route.path, auth: route.auth, ...(route.body ? { jsonBody: true } : {}) };
}

export const API_ROUTES: readonly DeployedRoute[] = ROUTES.map(toDeployedRoute);

/** The sign-in routes the WAF rate-limits per client IP (each one may send an e-mail or SMS). */
export const SIGN_IN_PATHS: readonly string[] = ROUTES.filter((r) => r.signIn).map((r) => r.path);
