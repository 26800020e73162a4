import { UnauthorizedError } from '../../core/shared/errors';
import type { Principal } from '../../core/shared/principal';
import type { OpRequest } from '../operation';

export function requireStaff(req: OpRequest): Extract<Principal, { kind: 'staff' }> {
  if (req.principal?.kind !== 'staff') throw new UnauthorizedError('A staff bearer token is required.');
  return req.principal;
}

export function requireCustomer(req: OpRequest): Extract<Principal, { kind: 'customer' }> {
  if (req.principal?.kind !== 'customer') throw new UnauthorizedError('A valid portal session is required.');
  return req.principal;
}
