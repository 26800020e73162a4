/** OpenAPI 3.1, generated from the route table and the same zod schemas that validate requests. */
import { z } from 'zod';
import { ROUTES } from './routes';
import { Problem } from './schemas';

const ERROR_STATUSES: Record<number, string> = {
  400: 'Invalid request: the problem names every offending field.',
  401: 'Missing or invalid bearer token.',
  403: 'The caller\'s role may not do this.',
  404: 'Not found (an erased or expired customer is not found).',
  409: 'Conflict.',
  413: 'Body larger than 64 KB.',
  422: 'Idempotency-Key reused with another body.',
  429: 'Too many requests.',
  503: 'A dependency is unavailable; nothing was changed.',
};

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
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.idempotent) params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } } as never);
    const responses: Record<string, unknown> = {};
    for (const res of r.responses) {
      const contentType = res.contentType ?? 'application/json';
      responses[String(res.status)] = {
        description: res.description,
        ...(res.schema || res.contentType ? { content: { [contentType]: res.schema ? { schema: schemaOf(res.schema, 'output', schemas) } : {} } } : {}),
      };
    }
    const errorCodes = [400, ...(r.auth !== 'public' ? [401] : []), ...(r.auth === 'staff' ? [403] : []), 404, 413, 429, 503];
    if (r.idempotent) errorCodes.push(409, 422);
    for (const code of errorCodes) {
      responses[String(code)] ??= { description: ERROR_STATUSES[code], content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    }
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags ? [...r.tags] : undefined,
      ...(params.length ? { parameters: params } : {}),
      ...(r.auth === 'staff' ? { security: [{ staffBearer: [] }], 'x-roles': r.roles } : r.auth === 'customer' ? { security: [{ portalSession: [] }] } : { security: [] }),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input', schemas) } } } } : {}),
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
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas,
      securitySchemes: {
        staffBearer: { type: 'http', scheme: 'bearer', description: 'Cognito ID token (AWS) or a CRM_STAFF_TOKENS token (local); groups agent, privacy_officer, admin.' },
        portalSession: { type: 'http', scheme: 'bearer', description: 'Portal session token from POST /v1/portal/verify.' },
      },
    },
  };
  return cached;
}
