/**
 * CORS for browser-based staff tools, on the staff routes only and for exactly the configured origins:
 * - preflight: an OPTIONS method on each resource that has staff routes, answered by API Gateway itself
 *   (a mock integration; the browser sends no credentials with it), allowing only that resource's staff
 *   methods and the headers the staff API reads. A request from any other origin gets an allowed origin
 *   that is not its own, which the browser refuses;
 * - the responses themselves: the API function adds Access-Control-Allow-Origin for a listed origin on
 *   a staff route (lambdas/handlers/staff-cors.ts);
 * - errors API Gateway makes itself (an expired token's 401, throttling's 429): a gateway response can
 *   only carry a fixed header, so they carry one when exactly one origin is configured.
 * Portal and public resources get no OPTIONS method and no CORS header: the portal is same-origin only.
 */
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { DeployedRoute } from '../api-routes';
import { acknowledge } from './acknowledge';

/** Request headers a staff tool sends. */
export const STAFF_CORS_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key'] as const;

export function addStaffCors(api: RestApi, routes: readonly DeployedRoute[], origins: readonly string[]): void {
  if (origins.length === 0) return;
  const methodsByPath = new Map<string, string[]>();
  for (const r of routes.filter((route) => route.auth === 'staff')) {
    methodsByPath.set(r.path, [...(methodsByPath.get(r.path) ?? []), r.method]);
  }
  for (const [path, methods] of methodsByPath) {
    const preflight = api.root.resourceForPath(path).addCorsPreflight({
      allowOrigins: [...origins],
      allowMethods: methods,
      allowHeaders: [...STAFF_CORS_HEADERS],
      allowCredentials: false,
      maxAge: Duration.minutes(10),
    });
    const why =
      `OPTIONS ${path} is the CORS preflight of staff routes: browsers send it without credentials by design; ` +
      'API Gateway answers it with headers only (mock integration), nothing reaches the function.';
    acknowledge(preflight.node.defaultChild!, 'AwsSolutions-APIG4', why);
    acknowledge(preflight.node.defaultChild!, 'AwsSolutions-COG4', why);
  }
}

/** Headers every gateway-made error carries (see above: only with exactly one origin). */
export function gatewayCorsHeaders(origins: readonly string[]): Record<string, string> {
  return origins.length === 1 ? { 'Access-Control-Allow-Origin': `'${origins[0]}'`, Vary: "'Origin'" } : {};
}
