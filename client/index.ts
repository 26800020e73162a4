/**
 * `privacy-crm/client`: a typed client for staff tools. The types come from the served OpenAPI document
 * (client/schema.generated.ts); the calls are openapi-fetch, so every path, body and answer is checked by
 * the compiler, and an error answer comes back as the API's problem+json.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.generated';

export type { components, operations, paths } from './schema.generated';

/** Every error answer of the API (RFC 9457 problem+json); `errors` names each offending field. */
export type Problem = components['schemas']['Problem'];
export type CrmClient = Client<paths>;

export interface CrmClientOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** The API root: `http://127.0.0.1:3000` locally, the API Gateway stage URL in AWS. */
  baseUrl: string;
  /**
   * The staff bearer token: a Cognito ID token in AWS, a `CRM_STAFF_TOKENS` token or the generated admin
   * token locally. A function is asked before every request, so a tool can hand over a refreshed token.
   */
  token: string | (() => string | Promise<string>);
}

export function createCrmClient({ baseUrl, token, ...options }: CrmClientOptions): CrmClient {
  // A trailing slash would double up with the paths, which all start with one.
  const client = createClient<paths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, '') });
  client.use({
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
      return request;
    },
  });
  return client;
}
