import { UnauthorizedError } from '../../core/errors';
import type { Principal } from '../../core/principal';
import type { OpRequest } from '../operation';

export function requireStaff(req: OpRequest): Extract<Principal, { kind: 'staff' }> {
  if (req.principal?.kind !== 'staff') throw new UnauthorizedError('A staff bearer token is required.');
  return req.principal;
}

export function requireCustomer(req: OpRequest): Extract<Principal, { kind: 'customer' }> {
  if (req.principal?.kind !== 'customer') throw new UnauthorizedError('A valid portal session is required.');
  return req.principal;
}
