import { ConsentState, PageQuery, Problem } from '../schemas';
import {
  CreateInteractionBody,
  CreatePurchaseBody,
  EventAccepted,
  Interaction,
  InteractionList,
  Purchase,
  PurchaseList,
  RecordEventBody,
  SetConsentBody,
} from '../schemas-categories';
import { STAFF_ALL, type RouteDef } from '../route';

const tags = ['categories'] as const;

export const categoryRoutes: readonly RouteDef[] = [
  {
    operationId: 'createInteraction',
    method: 'POST',
    path: '/v1/customers/{id}/interactions',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: "Log a support contact; the summary is encrypted under the customer's key and the row keyed by a pseudonym.",
    body: CreateInteractionBody,
    responses: [{ status: 201, description: 'Recorded.', schema: Interaction }],
    tags,
  },
  {
    operationId: 'listInteractions',
    method: 'GET',
    path: '/v1/customers/{id}/interactions',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: "One page of the customer's interactions, newest first. Logged to the customer's access log.",
    query: PageQuery,
    responses: [{ status: 200, description: 'Interactions.', schema: InteractionList }],
    tags,
  },
  {
    operationId: 'createPurchase',
    method: 'POST',
    path: '/v1/customers/{id}/purchases',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: 'Record a purchase; the server computes the total. With an Idempotency-Key a retry records it once.',
    body: CreatePurchaseBody,
    idempotent: true,
    responses: [{ status: 201, description: 'Recorded (or replayed for the same Idempotency-Key and body).', schema: Purchase }],
    tags,
  },
  {
    operationId: 'listPurchases',
    method: 'GET',
    path: '/v1/customers/{id}/purchases',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: "One page of the customer's purchases, newest first. Logged to the customer's access log.",
    query: PageQuery,
    responses: [{ status: 200, description: 'Purchases.', schema: PurchaseList }],
    tags,
  },
  {
    operationId: 'recordEvent',
    method: 'POST',
    path: '/v1/customers/{id}/events',
    auth: 'staff',
    roles: STAFF_ALL,
    summary: 'Record a behavioural event, only while analytics consent is active. There is no route to list them.',
    body: RecordEventBody,
    responses: [
      { status: 202, description: 'Accepted.', schema: EventAccepted },
      {
        status: 409,
        description: 'No active analytics consent (code consent_required); nothing was stored.',
        schema: Problem,
        contentType: 'application/problem+json',
      },
    ],
    tags,
  },
  {
    operationId: 'setConsent',
    method: 'PUT',
    path: '/v1/customers/{id}/consent',
    auth: 'staff',
    roles: STAFF_ALL,
    summary:
      'Record consent given or withdrawn, with how the customer told us. Withdrawing analytics deletes the events collected under it.',
    body: SetConsentBody,
    responses: [{ status: 200, description: 'The consent state after the change.', schema: ConsentState }],
    tags,
  },
];
