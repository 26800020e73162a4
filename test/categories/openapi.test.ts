import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHome, TOKENS, type TestHome, type TestResponse } from '../support/home';
import { newCustomer } from './helpers';

let home: TestHome;
let doc: any;
let ajv: Ajv2020;
beforeAll(async () => {
  home = await startTestHome();
  doc = (await home.request('GET', '/v1/openapi.json')).body;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, 'openapi.json');
});
afterAll(async () => home?.close());

function conforms(method: string, path: string, res: TestResponse) {
  const response = doc.paths[path]?.[method.toLowerCase()]?.responses[String(res.status)];
  expect(response, `${method} ${path} documents ${res.status}`).toBeDefined();
  const media = response.content?.[(res.headers.get('content-type') ?? '').split(';')[0]];
  expect(media, `${method} ${path} ${res.status} content type`).toBeDefined();
  const validate = ajv.compile(JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi.json#/components/')));
  expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
}

describe('the OpenAPI document for the data categories', () => {
  it('matches the real responses of every category route, errors included', async () => {
    const id = await newCustomer(home);
    const agent = { token: TOKENS.agent };
    const base = `/v1/customers/${id}`;
    const t = '/v1/customers/{id}';
    conforms('POST', `${t}/events`, await home.request('POST', `${base}/events`, { ...agent, body: { type: 'page_view' } }));
    conforms('PUT', `${t}/consent`, await home.request('PUT', `${base}/consent`, { ...agent, body: { analytics: true, communications: true, source: 'chat' } }));
    conforms('POST', `${t}/events`, await home.request('POST', `${base}/events`, { ...agent, body: { type: 'page_view', path: '/a?b' } }));
    conforms('POST', `${t}/interactions`, await home.request('POST', `${base}/interactions`, { ...agent, body: { channel: 'chat', summary: 'hello' } }));
    conforms('POST', `${t}/interactions`, await home.request('POST', `${base}/interactions`, { ...agent, body: { channel: 'fax' } }));
    conforms('GET', `${t}/interactions`, await home.request('GET', `${base}/interactions`, agent));
    conforms('POST', `${t}/purchases`, await home.request('POST', `${base}/purchases`, { ...agent, body: { currency: 'EUR', items: [{ sku: 'A', quantity: 2, unitPriceMinor: 5 }] } }));
    conforms('GET', `${t}/purchases`, await home.request('GET', `${base}/purchases`, agent));
    conforms('PUT', `${t}/consent`, await home.request('PUT', `${base}/consent`, { ...agent, body: { source: 'chat' } }));
  });

  it('describes the customer export schema for the portal to reference', async () => {
    const { CustomerExportSchema } = await import('../../lambdas/http/schemas-categories');
    const { z } = await import('zod');
    const json = z.toJSONSchema(CustomerExportSchema, { io: 'output', target: 'draft-2020-12' }) as { $defs: Record<string, { properties: Record<string, unknown>; additionalProperties: boolean }> };
    const root = json.$defs.CustomerExport;
    expect(Object.keys(root.properties)).toEqual(['schemaVersion', 'generatedAt', 'customerId', 'categories']);
    expect(root.additionalProperties).toBe(false);
    const validate = ajv.compile({ ...json, $schema: undefined });
    const sample = JSON.parse(JSON.stringify(await home.app.exports.forCustomer(await newCustomer(home))));
    expect(validate(sample), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...sample, schemaVersion: '2' })).toBe(false);
  });
});
