/**
 * OpenAPI 3.1, generated from the route table and the same zod schemas that validate requests. The
 * served document is linted inside `npm test` (Spectral with the OWASP rules, Redocly recommended).
 */
import * as z from 'zod';
import type { RouteDef } from './route';
import { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN } from './request-parts';
import { ROUTES } from './routes';
import { Problem } from './schemas';

const ERROR_STATUSES: Record<number, string> = {
  400: 'Invalid request: the problem names every offending field.',
  401: 'Missing or invalid bearer token.',
  403: "The caller's role may not do this.",
  404: 'Not found (an erased or expired customer is not found).',
  409: 'Conflict.',
  413: 'Body larger than 64 KB.',
  415: 'The body is not application/json; nothing was done.',
  422: 'Idempotency-Key reused with another body.',
  429: 'Too many requests; retry after the number of seconds in Retry-After.',
  500: 'Something failed on our side; the problem says nothing more, and nothing personal was logged.',
  503: 'A dependency is unavailable; nothing was changed. Retry after the number of seconds in Retry-After.',
};

const TAGS: Record<string, string> = {
  customers: 'Staff: customers, their contact and who read them.',
  categories: 'Staff: the data categories held per customer (interactions, purchases, behaviour, consent).',
  forgetting: 'Erasure requests, legal holds and the public erasure receipt.',
  'portal sign-in': 'Customer portal: one-time code sign-in and sign-out.',
  'portal: own data': "Customer portal: the signed-in customer's own data and choices.",
  'portal page': 'Customer portal: the page and its assets.',
  privacy: 'The public data inventory.',
  meta: 'This document.',
};

const PATH_PARAMETERS: Record<string, string> = {
  id: 'The customer id (a UUID, either case).',
  receiptId: 'The erasure receipt id (a UUID, either case).',
};

/** Neither sent nor needed: the portal is served by the API itself, so no other origin may read a response. */
const NO_CORS = {
  description: 'Never sent: the API is same-origin only (the portal is served by it), so browsers refuse cross-origin reads.',
  required: false,
  schema: { type: 'string', maxLength: 0 },
};

/** Headers of the answers that say when to come back. */
const RETRY_HEADERS = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 },
  },
  'Access-Control-Allow-Origin': NO_CORS,
};

const ACCESS: Record<RouteDef['auth'], (r: RouteDef) => string> = {
  staff: (r) => `Staff only, with role ${(r.roles ?? []).join(', ')}.`,
  customer: () => 'The signed-in customer only (portal session token).',
  public: () => 'Public: no authentication.',
};

/** The operation's description: what it does, who may call it, and what makes a retry safe. */
function describe(r: RouteDef): string {
  const parts = [r.summary, ACCESS[r.auth](r)];
  if (r.body) parts.push('The body must be application/json (415 otherwise) and may hold no field it does not document.');
  if (r.idempotent) parts.push(`An Idempotency-Key (1 to ${IDEMPOTENCY_KEY_MAX} visible ASCII characters) makes a retry safe.`);
  return parts.join(' ');
}

let cached: Record<string, unknown> | undefined;

type Json = Record<string, unknown>;

/**
 * Converts a zod schema; named sub-schemas (`.meta({id})`) are hoisted into components and referenced
 * from there, because a `#/$defs/...` pointer would resolve against the OpenAPI document's root.
 */
function schemaOf(s: z.ZodType, io: 'input' | 'output', components: Record<string, Json>): Json {
  const json = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  delete json.$defs;
  for (const [id, def] of Object.entries(defs)) components[id] ??= rewriteRefs(def) as Json;
  return rewriteRefs(json) as Json;
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : rewriteRefs(v);
  }
  return out;
}

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const schemas: Record<string, Json> = {};
  schemaOf(Problem, 'output', schemas); // registers components.schemas.Problem
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params: Json[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      description: PATH_PARAMETERS[m[1]] ?? 'An id (a UUID, either case).',
      schema: { type: 'string', format: 'uuid', maxLength: 36 },
    }));
    for (const [name, schema] of Object.entries(r.query?.shape ?? {})) {
      const json = schemaOf(schema as z.ZodType, 'input', schemas);
      const required = !(schema as z.ZodType).safeParse(undefined).success;
      params.push({ name, in: 'query', required, description: json.description, schema: json });
    }
    if (r.idempotent) {
      params.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Makes a retry safe: the same key and body answer with the first result; the same key with another body is a 422.',
        schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX, pattern: IDEMPOTENCY_KEY_PATTERN },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const res of r.responses) {
      const contentType = res.contentType ?? 'application/json';
      responses[String(res.status)] = {
        description: res.description,
        ...(res.schema || res.contentType
          ? { content: { [contentType]: res.schema ? { schema: schemaOf(res.schema, 'output', schemas) } : {} } }
          : {}),
      };
    }
    // 415 everywhere: a route without a body refuses one too (JSON with 400, anything else with 415).
    const errorCodes = [400, ...(r.auth !== 'public' ? [401] : []), ...(r.auth === 'staff' ? [403] : []), 404, 413, 415, 429, 500, 503];
    if (r.idempotent) errorCodes.push(409, 422);
    for (const code of errorCodes.sort()) {
      responses[String(code)] ??= {
        description: ERROR_STATUSES[code],
        ...(code === 429 || code === 503 ? { headers: RETRY_HEADERS } : {}),
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      description: describe(r),
      tags: r.tags ? [...r.tags] : undefined,
      ...(params.length ? { parameters: params } : {}),
      ...(r.auth === 'staff'
        ? { security: [{ staffBearer: [] }], 'x-roles': r.roles }
        : r.auth === 'customer'
          ? { security: [{ portalSession: [] }] }
          : { security: [] }),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input', schemas) } } } }
        : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'privacy-crm',
      version: '1.0.0',
      description: 'A customer-relationship API that keeps as little personal data as it can, encrypted, and forgets it on schedule.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      contact: { name: 'privacy-crm', url: 'https://privacy-crm.dev' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [
      {
        // Relative to this document (…/v1/openapi.json): the root of whichever home serves it.
        url: '..',
        description: 'The deployment serving this document: an API Gateway stage (production or test) or the local home (npm start).',
        'x-internal': false,
      },
    ],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        staffBearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Cognito ID token (AWS) or a CRM_STAFF_TOKENS token (local); groups agent, privacy_officer, admin.',
        },
        portalSession: { type: 'http', scheme: 'bearer', description: 'Portal session token from POST /v1/portal/verify.' },
      },
    },
  };
  return cached;
}
