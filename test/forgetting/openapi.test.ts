import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, type TestHome } from '../support/home';
import { advance, DAY, populate, startForgettingHome } from './support';

let home: TestHome;
let doc: any;
let ajv: Ajv2020;
beforeAll(async () => {
  home = await startForgettingHome();
  doc = (await home.request('GET', '/v1/openapi.json')).body;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, 'openapi.json');
});
afterAll(async () => home?.close());

function conforms(method: string, path: string, res: { status: number; body: unknown; headers: Headers }) {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} documented`).toBeDefined();
  const response = op.responses[String(res.status)];
  expect(response, `${method} ${path} documents ${res.status}`).toBeDefined();
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
  const media = response.content?.[contentType];
  expect(media, `${method} ${path} ${res.status} documents ${contentType}`).toBeDefined();
  const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi.json#/components/'));
  const validate = ajv.compile(schema);
  expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
}

describe('the forgetting routes in the OpenAPI document', () => {
  it('match the real responses, receipts in every state and errors included', async () => {
    const p = await populate(home, { session: false });
    const id = p.customerId;
    const requested = await home.request('POST', `/v1/customers/${id}/erasure`, { token: TOKENS.officer });
    conforms('POST', '/v1/customers/{id}/erasure', requested);
    conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${requested.body.receiptId}`));
    conforms('PUT', '/v1/customers/{id}/legal-hold', await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.admin, body: { reason: 'Audit 7' } }));
    conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${requested.body.receiptId}`));
    conforms('DELETE', '/v1/customers/{id}/legal-hold', await home.request('DELETE', `/v1/customers/${id}/legal-hold`, { token: TOKENS.admin }));
    conforms('DELETE', '/v1/customers/{id}/erasure', await home.request('DELETE', `/v1/customers/${id}/erasure`, { token: TOKENS.officer }));
    conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${requested.body.receiptId}`));
    conforms('DELETE', '/v1/customers/{id}/erasure', await home.request('DELETE', `/v1/customers/${id}/erasure`, { token: TOKENS.officer }));
    conforms('PUT', '/v1/customers/{id}/legal-hold', await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.agent, body: { reason: 'x' } }));
    conforms('PUT', '/v1/customers/{id}/legal-hold', await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.admin, body: {} }));
    conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', '/v1/erasure-receipts/nope'));

    const again = await home.request('POST', `/v1/customers/${id}/erasure`, { token: TOKENS.officer });
    await advance(home, 30 * DAY + 60);
    conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${again.body.receiptId}`));
    conforms('POST', '/v1/customers/{id}/erasure', await home.request('POST', `/v1/customers/${id}/erasure`, { token: TOKENS.officer }));
  });

  it('marks the receipt route public and the others for privacy officers and admins', () => {
    expect(doc.paths['/v1/erasure-receipts/{receiptId}'].get.security).toEqual([]);
    for (const [path, method] of [['/v1/customers/{id}/erasure', 'post'], ['/v1/customers/{id}/erasure', 'delete'], ['/v1/customers/{id}/legal-hold', 'put'], ['/v1/customers/{id}/legal-hold', 'delete']]) {
      expect(doc.paths[path][method]['x-roles'], `${method} ${path}`).toEqual(['privacy_officer', 'admin']);
    }
  });
});
