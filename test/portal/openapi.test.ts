import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalRoutes } from '../../lambdas/http/routes/portal';
import type { TestHome } from '../support/home';
import { withOpenApi, type OpenApiHome } from '../support/openapi';
import { createCustomer, lastCode, startPortalHome } from './support';

let home: OpenApiHome;
beforeAll(async () => {
  home = await withOpenApi(startPortalHome({ signIn: { perContact: { limit: 2, windowSeconds: 900 } } }), { bodiless: true });
});
afterAll(async () => home?.close());

describe('the portal routes in the OpenAPI document', () => {
  it('use the portal session scheme on /v1/me* and none on sign-in and the page', () => {
    expect(home.doc.paths['/v1/me'].get.security).toEqual([{ portalSession: [] }]);
    expect(home.doc.paths['/v1/portal/login'].post.security).toEqual([]);
    expect(home.doc.paths['/portal'].get.security).toEqual([]);
    for (const r of portalRoutes) expect(r.path.includes('{'), `${r.path} takes no id`).toBe(false);
  });

  it('match the real responses of every portal route, errors included', async () => {
    await createCustomer(home, { name: 'Open Portal', email: 'op@example.com' });
    const req = (method: string, path: string, opts?: Parameters<TestHome['request']>[2]) =>
      home.request(method, path, opts).then((r) => (home.conforms(method, path, r), r));

    await req('POST', '/v1/portal/login', { body: { email: 'op@example.com' } });
    await req('POST', '/v1/portal/login', { body: { email: 'op@example.com', extra: true } });
    await req('POST', '/v1/portal/verify', {
      body: { email: 'op@example.com', code: '000000' === lastCode(home, 'op@example.com') ? '111111' : '000000' },
    });
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

    for (const r of portalRoutes) expect(home.checked.has(`${r.method} ${r.path}`), `${r.method} ${r.path} exercised`).toBe(true);
  });
});
