/**
 * Who is calling. Staff identity arrives as Cognito claims placed by API Gateway's authorizer (the
 * local server places the same claims for its tokens), so one mapping serves both homes. Customers
 * present a portal session token that the sessions service resolves.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ForbiddenError, UnauthorizedError } from '../core/shared/errors';
import { strongestRole, type Principal, type Role } from '../core/shared/principal';

export interface SessionResolver {
  resolve(token: string): Promise<{ customerId: string; sessionId: string } | undefined>;
}

/** Cognito puts groups as "a,b" or "[a b]" in REST API claims; locally they arrive the same way. */
export function parseGroups(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string') return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function staffPrincipal(event: APIGatewayProxyEvent, roles: readonly Role[] | undefined): Principal {
  const claims = (event.requestContext?.authorizer as { claims?: Record<string, unknown> } | undefined)?.claims;
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || !sub) throw new UnauthorizedError('A staff bearer token is required.');
  const role = strongestRole(parseGroups(claims['cognito:groups']));
  if (!role) throw new ForbiddenError('The token carries no staff role.');
  if (roles && !roles.includes(role)) throw new ForbiddenError(`This action needs one of the roles: ${roles.join(', ')}.`);
  return { kind: 'staff', staffId: sub, role };
}

export function bearerToken(headers: Record<string, string | undefined> | null | undefined): string | undefined {
  const value = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  const m = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return m?.[1];
}

export async function customerPrincipal(event: APIGatewayProxyEvent, sessions: SessionResolver | undefined): Promise<Principal> {
  const token = bearerToken(event.headers);
  const session = token && sessions ? await sessions.resolve(token) : undefined;
  if (!session) throw new UnauthorizedError('A valid portal session is required.');
  return { kind: 'customer', customerId: session.customerId, sessionId: session.sessionId };
}
