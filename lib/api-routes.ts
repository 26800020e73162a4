/**
 * The routes API Gateway exposes, with who may call them. This is API.md's contract as data, kept here
 * until the Lambda router's route table (lambdas/http/routes, `ROUTES`) lists every route; then
 * `API_ROUTES` becomes `ROUTES.map(toDeployedRoute)` and nothing else in lib/ changes. A test already
 * checks that every route the router defines is deployed here with the same auth.
 *
 * - staff: Cognito user pool authorizer at the gateway; the Lambda maps `cognito:groups` to roles.
 * - customer: portal session token, checked by the Lambda (no gateway authorizer).
 * - public: nobody (sign-in, receipts, inventory, OpenAPI, the portal page).
 * `/dev/*` routes exist only in the local home and are never listed here.
 */
import type { Auth, Method, RouteDef } from '../lambdas/http/route';

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

const staff = (method: Method, path: string, jsonBody = false): DeployedRoute => ({ method, path, auth: 'staff', ...(jsonBody ? { jsonBody } : {}) });
const customer = (method: Method, path: string, jsonBody = false): DeployedRoute => ({ method, path, auth: 'customer', ...(jsonBody ? { jsonBody } : {}) });
const pub = (method: Method, path: string, jsonBody = false): DeployedRoute => ({ method, path, auth: 'public', ...(jsonBody ? { jsonBody } : {}) });

export const API_ROUTES: readonly DeployedRoute[] = [
  staff('POST', '/v1/customers', true),
  staff('POST', '/v1/customers/search', true),
  staff('GET', '/v1/customers/{id}'),
  staff('PATCH', '/v1/customers/{id}', true),
  staff('POST', '/v1/customers/{id}/reveal', true),
  staff('POST', '/v1/customers/{id}/interactions', true),
  staff('GET', '/v1/customers/{id}/interactions'),
  staff('POST', '/v1/customers/{id}/purchases', true),
  staff('GET', '/v1/customers/{id}/purchases'),
  staff('POST', '/v1/customers/{id}/events', true),
  staff('PUT', '/v1/customers/{id}/consent', true),
  staff('GET', '/v1/customers/{id}/access-log'),
  staff('POST', '/v1/customers/{id}/erasure'),
  staff('DELETE', '/v1/customers/{id}/erasure'),
  staff('PUT', '/v1/customers/{id}/legal-hold', true),
  staff('DELETE', '/v1/customers/{id}/legal-hold'),

  pub('POST', '/v1/portal/login', true),
  pub('POST', '/v1/portal/verify', true),
  customer('POST', '/v1/portal/logout'),
  customer('GET', '/v1/me'),
  customer('GET', '/v1/me/export'),
  customer('GET', '/v1/me/access-log'),
  customer('PUT', '/v1/me/consent', true),
  customer('POST', '/v1/me/erasure'),
  customer('DELETE', '/v1/me/erasure'),
  pub('GET', '/v1/erasure-receipts/{receiptId}'),
  pub('GET', '/v1/privacy/inventory'),
  pub('GET', '/v1/openapi.json'),
  pub('GET', '/portal'),
  pub('GET', '/portal/app.js'),
  pub('GET', '/portal/app.css'),
];

/** The sign-in routes the WAF rate-limits per client IP (each one may send an e-mail or SMS). */
export const SIGN_IN_PATHS: readonly string[] = ['/v1/portal/login', '/v1/portal/verify'];
