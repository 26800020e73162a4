/**
 * CORS on the staff routes' responses, for exactly the configured origins (CRM_STAFF_ORIGINS). API
 * Gateway answers the preflight (lib/constructs/staff-cors.ts); this adds the header a browser needs to
 * read the actual response. Portal and public routes never get one: the portal is same-origin only.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ApiHandler } from '../http/api';
import { ROUTES } from '../http/routes';

/** Resource paths with staff routes (no resource mixes staff with other routes). */
const STAFF_RESOURCES = new Set(ROUTES.filter((r) => r.auth === 'staff').map((r) => r.path));

/** Response headers a staff tool may read besides the safelisted ones. */
const EXPOSED = 'Location,Retry-After';

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name);
  return found?.[1] ?? undefined;
}

function withVary(headers: APIGatewayProxyResult['headers'], value: string): string {
  const existing = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'vary')?.[1];
  return existing ? `${existing}, ${value}` : value;
}

export function withStaffCors(handler: ApiHandler, origins: readonly string[]): ApiHandler {
  if (origins.length === 0) return handler;
  const allowed = new Set(origins);
  return async (event, context) => {
    const result = await handler(event, context);
    if (!STAFF_RESOURCES.has(event.resource)) return result;
    const origin = header(event, 'origin');
    // Every staff response depends on Origin once CORS is on, whether or not this one was allowed.
    const headers = { ...(result.headers ?? {}), Vary: withVary(result.headers, 'Origin') };
    if (origin && allowed.has(origin)) {
      Object.assign(headers, { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': EXPOSED });
    }
    return { ...result, headers };
  };
}
