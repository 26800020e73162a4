import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes';
import { OPERATIONS } from '../../lambdas/http/operations';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome;
let doc: any;
let ajv: Ajv2020;
beforeAll(async () => {
  home = await startTestHome();
  const res = await home.request('GET', '/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, 'openapi.json');
});
afterAll(async () => home?.close());

/** Validates a real response against the document's schema for that operation and status. */
function conforms(method: string, path: string, res: { status: number; body: unknown; headers: Headers }) {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} documented`).toBeDefined();
  const response = op.responses[String(res.status)];
  expect(response, `${method} ${path} documents status ${res.status}`).toBeDefined();
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
  const media = response.content?.[contentType];
  expect(media, `${method} ${path} ${res.status} documents ${contentType}`).toBeDefined();
  const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi.json#/components/'));
  const validate = ajv.compile(schema);
  expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes every route of the route table with an implementation', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      expect(doc.paths[r.path]?.[r.method.toLowerCase()]?.operationId).toBe(r.operationId);
      expect(OPERATIONS[r.operationId], r.operationId).toBeTypeOf('function');
    }
  });

  it('marks staff routes with the staff scheme and their roles', () => {
    const reveal = doc.paths['/v1/customers/{id}/reveal'].post;
    expect(reveal.security).toEqual([{ staffBearer: [] }]);
    expect(reveal['x-roles']).toEqual(['privacy_officer', 'admin']);
    const ref: string = reveal.requestBody.content['application/json'].schema.$ref;
    expect(doc.components.schemas[ref.split('/').pop()!].additionalProperties).toBe(false);
  });

  it('matches the real responses of the customer routes, errors included', async () => {
    const created = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Open Api', email: 'openapi@example.com' } });
    conforms('POST', '/v1/customers', created);
    const id = created.body.customerId;
    conforms('POST', '/v1/customers/search', await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'openapi@example.com' } }));
    conforms('GET', '/v1/customers/{id}', await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent }));
    conforms('PATCH', '/v1/customers/{id}', await home.request('PATCH', `/v1/customers/${id}`, { token: TOKENS.agent, body: { name: 'Open Api Two' } }));
    conforms('POST', '/v1/customers/{id}/reveal', await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: { purpose: 'schema check' } }));
    conforms('GET', '/v1/customers/{id}/access-log', await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer }));
    conforms('GET', '/v1/privacy/inventory', await home.request('GET', '/v1/privacy/inventory'));
    conforms('POST', '/v1/customers', await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'X', email: 'x@example.com', extra: 1 } }));
    conforms('GET', '/v1/customers/{id}', await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.officer.replace('o', '0') }).then((r) => r));
    conforms('POST', '/v1/customers/search', await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'none@example.com' } }));
  });
});
