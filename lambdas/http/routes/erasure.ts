import { PRIVACY, type RouteDef } from '../route';
import {
  ConflictResponse,
  ErasureCancelled,
  ErasureReceipt,
  ErasureScheduled,
  LegalHoldBody,
  LegalHoldState,
  LiftLegalHoldBody,
} from '../schemas-forgetting';

const tags = ['forgetting'] as const;

export const erasureRoutes: readonly RouteDef[] = [
  {
    operationId: 'requestErasure',
    method: 'POST',
    path: '/v1/customers/{id}/erasure',
    auth: 'staff',
    roles: PRIVACY,
    summary: "Request erasure on the customer's behalf: it runs after the grace period unless cancelled. Idempotent while pending.",
    responses: [{ status: 202, description: 'Scheduled; the receipt is public.', schema: ErasureScheduled }, ConflictResponse],
    tags,
  },
  {
    operationId: 'cancelErasure',
    method: 'DELETE',
    path: '/v1/customers/{id}/erasure',
    auth: 'staff',
    roles: PRIVACY,
    summary: 'Cancel a pending erasure within the grace period.',
    responses: [{ status: 200, description: 'Cancelled.', schema: ErasureCancelled }, ConflictResponse],
    tags,
  },
  {
    operationId: 'placeLegalHold',
    method: 'PUT',
    path: '/v1/customers/{id}/legal-hold',
    auth: 'staff',
    roles: PRIVACY,
    summary: 'Place (or renew) a legal hold: nothing of the customer is deleted, by erasure or by TTL, until it is lifted.',
    body: LegalHoldBody,
    responses: [{ status: 200, description: 'Held.', schema: LegalHoldState }, ConflictResponse],
    tags,
  },
  {
    operationId: 'liftLegalHold',
    method: 'DELETE',
    path: '/v1/customers/{id}/legal-hold',
    auth: 'staff',
    roles: PRIVACY,
    summary: 'Lift the legal hold, stating why (logged): retention runs again and a waiting erasure completes; its receipt shows when.',
    body: LiftLegalHoldBody,
    responses: [{ status: 200, description: 'Not held.', schema: LegalHoldState }],
    tags,
  },
  {
    operationId: 'getErasureReceipt',
    method: 'GET',
    path: '/v1/erasure-receipts/{receiptId}',
    auth: 'public',
    summary: 'An erasure receipt: status, dates, categories deleted and kept. Holds no personal data.',
    responses: [{ status: 200, description: 'The receipt.', schema: ErasureReceipt }],
    tags,
  },
];
