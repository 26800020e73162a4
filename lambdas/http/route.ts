/**
 * The route table's types. Definitions are data (method, path, who may call, schemas), so the CDK
 * stack, the local server, the Lambda router and the OpenAPI document all read the same list.
 */
import type * as z from 'zod';
import type { Role } from '../core/shared/principal';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** staff: Cognito (or local token) with one of `roles`; customer: portal session; public: nobody. */
export type Auth = 'staff' | 'customer' | 'public';

export interface ResponseDef {
  status: number;
  description: string;
  schema?: z.ZodType;
  /** Non-JSON bodies (the portal page and its assets). */
  contentType?: string;
}

export interface RouteDef {
  operationId: string;
  method: Method;
  /** API Gateway resource path, e.g. /v1/customers/{id}. */
  path: string;
  auth: Auth;
  roles?: readonly Role[];
  summary: string;
  body?: z.ZodType;
  /** The query string's parameters (strict: an unknown one is refused); routes without it ignore the query string. */
  query?: z.ZodObject;
  /** Header carrying an idempotency key, documented in OpenAPI. */
  idempotent?: boolean;
  responses: readonly ResponseDef[];
  tags?: readonly string[];
  /** Sends or checks a sign-in code: the WAF rate-limits it per client IP. */
  signIn?: boolean;
}

export const STAFF_ALL: readonly Role[] = ['agent', 'privacy_officer', 'admin'];
export const PRIVACY: readonly Role[] = ['privacy_officer', 'admin'];
