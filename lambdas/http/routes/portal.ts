/**
 * The customer portal: sign-in (public, rate-limited), the customer's own data and actions (portal
 * session; no route takes a customer id: it comes from the session), and the page with its assets.
 */
import { AccessLogResult, ConsentState, PageQuery, Problem } from '../schemas';
import { CustomerExportSchema } from '../schemas-categories';
import { ErasureCancelled, ErasureScheduled } from '../schemas-forgetting';
import { LoginAccepted, Me, MeConsentBody, PortalLoginBody, PortalSession, PortalVerifyBody } from '../schemas-portal';
import { MY_DATA_ROWS } from '../../core/portal/my-data';
import type { RouteDef } from '../route';

const signIn = ['portal sign-in'] as const;
const me = ['portal: own data'] as const;
const page = ['portal page'] as const;

export const portalRoutes: readonly RouteDef[] = [
  {
    operationId: 'portalLogin',
    method: 'POST',
    path: '/v1/portal/login',
    auth: 'public',
    summary: "Send a one-time sign-in code to this contact, if it is a customer's. Always 202, in the same time.",
    body: PortalLoginBody,
    responses: [{ status: 202, description: 'Accepted; a code was sent if the contact is known.', schema: LoginAccepted }],
    tags: signIn,
    signIn: true,
  },
  {
    operationId: 'portalVerify',
    method: 'POST',
    path: '/v1/portal/verify',
    auth: 'public',
    summary: 'Exchange the one-time code for a session. 401 on a wrong, expired or used code; 429 after 5 wrong tries.',
    body: PortalVerifyBody,
    responses: [
      { status: 200, description: 'Signed in.', schema: PortalSession },
      {
        status: 401,
        description: 'The code is wrong, expired or already used (the same answer for an unknown contact).',
        schema: Problem,
        contentType: 'application/problem+json',
      },
    ],
    tags: signIn,
    signIn: true,
  },
  {
    operationId: 'portalLogout',
    method: 'POST',
    path: '/v1/portal/logout',
    auth: 'customer',
    summary: 'End this session.',
    responses: [{ status: 204, description: 'Signed out.' }],
    tags: signIn,
  },
  {
    operationId: 'getMe',
    method: 'GET',
    path: '/v1/me',
    auth: 'customer',
    summary:
      `The signed-in customer, unmasked, with the newest ${MY_DATA_ROWS} rows of each category (the export has all). ` +
      'Logged to their access log.',
    responses: [{ status: 200, description: "The customer's own data.", schema: Me }],
    tags: me,
  },
  {
    operationId: 'exportMe',
    method: 'GET',
    path: '/v1/me/export',
    auth: 'customer',
    summary: 'Download everything held, with purposes, legal bases, retention, recipients and sources (GDPR Art. 15 and 20).',
    responses: [{ status: 200, description: 'A JSON attachment, export schema version 1.', schema: CustomerExportSchema }],
    tags: me,
  },
  {
    operationId: 'getMyAccessLog',
    method: 'GET',
    path: '/v1/me/access-log',
    auth: 'customer',
    summary: "Who accessed the customer's data, when and why: one page, newest first.",
    query: PageQuery,
    responses: [{ status: 200, description: 'Access log.', schema: AccessLogResult }],
    tags: me,
  },
  {
    operationId: 'setMyConsent',
    method: 'PUT',
    path: '/v1/me/consent',
    auth: 'customer',
    summary: 'Give or withdraw consent (source "portal"). Granting communications again reconfirms it for a year.',
    body: MeConsentBody,
    responses: [{ status: 200, description: 'Consent state.', schema: ConsentState }],
    tags: me,
  },
  {
    operationId: 'requestMyErasure',
    method: 'POST',
    path: '/v1/me/erasure',
    auth: 'customer',
    summary: 'Ask for erasure of everything held. It runs after the grace period; asking again returns the same receipt.',
    responses: [
      { status: 202, description: 'Scheduled.', schema: ErasureScheduled },
      { status: 409, description: 'The erasure is already under way.', schema: Problem, contentType: 'application/problem+json' },
    ],
    tags: me,
  },
  {
    operationId: 'cancelMyErasure',
    method: 'DELETE',
    path: '/v1/me/erasure',
    auth: 'customer',
    summary: 'Cancel a pending erasure within the grace period.',
    responses: [
      { status: 200, description: 'Cancelled.', schema: ErasureCancelled },
      {
        status: 409,
        description: 'The erasure is already under way and can no longer be cancelled.',
        schema: Problem,
        contentType: 'application/problem+json',
      },
    ],
    tags: me,
  },
  {
    operationId: 'portalPage',
    method: 'GET',
    path: '/portal',
    auth: 'public',
    summary: 'The customer portal page.',
    responses: [{ status: 200, description: 'HTML page.', contentType: 'text/html' }],
    tags: page,
  },
  {
    operationId: 'portalScript',
    method: 'GET',
    path: '/portal/app.js',
    auth: 'public',
    summary: "The portal page's script.",
    responses: [{ status: 200, description: 'JavaScript.', contentType: 'text/javascript' }],
    tags: page,
  },
  {
    operationId: 'portalStyles',
    method: 'GET',
    path: '/portal/app.css',
    auth: 'public',
    summary: "The portal page's style sheet.",
    responses: [{ status: 200, description: 'CSS.', contentType: 'text/css' }],
    tags: page,
  },
];
