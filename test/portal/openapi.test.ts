import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalRoutes } from '../../lambdas/http/routes/portal';
import type { TestHome, TestResponse } from '../support/home';
import { createCustomer, lastCode, startPortalHome } from './support';

let home: TestHome;
let doc: any;
let ajv: Ajv2020;
beforeAll(async () => {
  home = await startPortalHome({ signIn: { perContact: { limit: 2, windowSeconds: 900 } } });
  doc = (await home.request('GET', '/v1/openapi.json')).body;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: doc.components }, 'openapi.json');
});
afterAll(async () => home?.close());

const seen = new Set<string>();

/** Validates a real response against the document's schema for that operation and status. */
function conforms(method: string, path: string, res: TestResponse) {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} documented`).toBeDefined();
  const response = op.responses[String(res.status)];
  expect(response, `${method} ${path} documents status ${res.status}`).toBeDefined();
  seen.add(`${method} ${path}`);
  if (res.status === 204) return;
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
  const media = response.content?.[contentType];
  expect(media, `${method} ${path} ${res.status} documents ${contentType}`).toBeDefined();
  if (!media.schema) return;
  const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi.json#/components/'));
  const validate = ajv.compile(schema);
  expect(validate(res.body), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

describe('the portal routes in the OpenAPI document', () => {
  it('use the portal session scheme on /v1/me* and none on sign-in and the page', () => {
    expect(doc.paths['/v1/me'].get.security).toEqual([{ portalSession: [] }]);
    expect(doc.paths['/v1/portal/login'].post.security).toEqual([]);
    expect(doc.paths['/portal'].get.security).toEqual([]);
    for (const r of portalRoutes) expect(r.path.includes('{'), `${r.path} takes no id`).toBe(false);
  });

  it('match the real responses of every portal route, errors included', async () => {
    await createCustomer(home, { name: 'Open Portal', email: 'op@example.com' });
    const req = (method: string, path: string, opts?: Parameters<TestHome['request']>[2]) => home.request(method, path, opts).then((r) => (conforms(method, path, r), r));

    await req('POST', '/v1/portal/login', { body: { email: 'op@example.com' } });
    await req('POST', '/v1/portal/login', { body: { email: 'op@example.com', extra: true } });
    await req('POST', '/v1/portal/verify', { body: { email: 'op@example.com', code: '000000' === lastCode(home, 'op@example.com') ? '111111' : '000000' } });
    const session = await req('POST', '/v1/portal/verify', { body: { email: 'op@example.com', code: lastCode(home, 'op@example.com') } });
    const token = session.body.token as string;
    await req('GET', '/v1/me', { token });
    await req('GET', '/v1/me/export', { token });
    await req('GET', '/v1/me/access-log', { token });
    await req('PUT', '/v1/me/consent', { token, body: { analytics: true } });
    await req('PUT', '/v1/me/consent', { token, body: { analytics: 'yes' } });
    await req('POST', '/v1/me/erasure', { token });
    await req('DELETE', '/v1/me/erasure', { token });
    await req('DELETE', '/v1/me/erasure', { token });
    await req('GET', '/v1/me', { token: 'not-a-session' });
    await req('GET', '/portal');
    await req('GET', '/portal/app.js');
    await req('GET', '/portal/app.css');
    await req('POST', '/v1/portal/logout', { token });
    await req('POST', '/v1/portal/login', { body: { email: 'op@example.com' } });
    const limited = await req('POST', '/v1/portal/login', { body: { email: 'op@example.com' } });
    expect(limited.status).toBe(429);

    for (const r of portalRoutes) expect(seen.has(`${r.method} ${r.path}`), `${r.method} ${r.path} exercised`).toBe(true);
  });
});
