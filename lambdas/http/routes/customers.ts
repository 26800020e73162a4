import {
  AccessLogResult, ContactQueryBody, CreateCustomerBody, PageQuery, CustomerIdResult, MaskedCustomer, PatchCustomerBody, RevealBody, RevealedCustomer,
} from '../schemas';
import { PRIVACY, STAFF_ALL, type RouteDef } from '../route';

const tags = ['customers'] as const;

export const customerRoutes: readonly RouteDef[] = [
  {
    operationId: 'createCustomer',
    method: 'POST',
    path: '/v1/customers',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: 'Create a customer from a name and one contact method.',
    body: CreateCustomerBody,
    idempotent: true,
    responses: [{ status: 201, description: 'Created (masked view).', schema: MaskedCustomer }],
    tags,
  },
  {
    operationId: 'searchCustomer',
    method: 'POST',
    path: '/v1/customers/search',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: 'Find a customer by exact email or phone (blind index).',
    body: ContactQueryBody,
    responses: [{ status: 200, description: 'Found.', schema: CustomerIdResult }],
    tags,
  },
  {
    operationId: 'getCustomer',
    method: 'GET',
    path: '/v1/customers/{id}',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: 'Read a customer, masked. Logged to the customer\'s access log.',
    responses: [{ status: 200, description: 'Masked customer.', schema: MaskedCustomer }],
    tags,
  },
  {
    operationId: 'patchCustomer',
    method: 'PATCH',
    path: '/v1/customers/{id}',
    auth: 'staff',
    roles: STAFF_ALL,
    summary:
      'Change the name (any staff role), or replace the contact method (privacy officer or admin, with a purpose, logged): ' +
      'the old and the new contact are told, and the customer\'s portal sessions and pending codes end.',
    body: PatchCustomerBody,
    responses: [{ status: 200, description: 'Updated (masked view).', schema: MaskedCustomer }],
    tags,
  },
  {
    operationId: 'revealCustomer',
    method: 'POST',
    path: '/v1/customers/{id}/reveal',
    auth: 'staff',
    roles: PRIVACY,
    summary: 'Reveal the full name and contact for a stated purpose (logged).',
    body: RevealBody,
    responses: [{ status: 200, description: 'Unmasked values.', schema: RevealedCustomer }],
    tags,
  },
  {
    operationId: 'getAccessLog',
    method: 'GET',
    path: '/v1/customers/{id}/access-log',
    auth: 'staff',
    roles: PRIVACY,
    summary: 'Who read this customer\'s data, when and why: one page, newest first.',
    query: PageQuery,
    responses: [{ status: 200, description: 'Access log, newest first.', schema: AccessLogResult }],
    tags,
  },
];
