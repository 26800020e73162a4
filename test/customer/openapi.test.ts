import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes';
import { OPERATIONS } from '../../lambdas/http/operations';
import { startTestHome, TOKENS } from '../support/home';
import { withOpenApi, type OpenApiHome } from '../support/openapi';

let home: OpenApiHome;
beforeAll(async () => {
  home = await withOpenApi(startTestHome());
});
afterAll(async () => home?.close());

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes every route of the route table with an implementation', () => {
    expect(home.doc.openapi).toBe('3.1.0');
    for (const r of ROUTES) {
      expect(home.doc.paths[r.path]?.[r.method.toLowerCase()]?.operationId).toBe(r.operationId);
      expect(OPERATIONS[r.operationId], r.operationId).toBeTypeOf('function');
    }
  });

  it('marks staff routes with the staff scheme and their roles', () => {
    const reveal = home.doc.paths['/v1/customers/{id}/reveal'].post;
    expect(reveal.security).toEqual([{ staffBearer: [] }]);
    expect(reveal['x-roles']).toEqual(['privacy_officer', 'admin']);
    const ref: string = reveal.requestBody.content['application/json'].schema.$ref;
    expect(home.doc.components.schemas[ref.split('/').pop()!].additionalProperties).toBe(false);
  });

  it('matches the real responses of the customer routes, errors included', async () => {
    const created = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: 'Open Api', email: 'openapi@example.com' },
    });
    home.conforms('POST', '/v1/customers', created);
    const id = created.body.customerId;
    home.conforms(
      'POST',
      '/v1/customers/search',
      await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'openapi@example.com' } }),
    );
    home.conforms('GET', '/v1/customers/{id}', await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent }));
    home.conforms(
      'PATCH',
      '/v1/customers/{id}',
      await home.request('PATCH', `/v1/customers/${id}`, { token: TOKENS.agent, body: { name: 'Open Api Two' } }),
    );
    home.conforms(
      'POST',
      '/v1/customers/{id}/reveal',
      await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: { purpose: 'schema check' } }),
    );
    home.conforms(
      'GET',
      '/v1/customers/{id}/access-log',
      await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer }),
    );
    home.conforms('GET', '/v1/privacy/inventory', await home.request('GET', '/v1/privacy/inventory'));
    home.conforms(
      'POST',
      '/v1/customers',
      await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'X', email: 'x@example.com', extra: 1 } }),
    );
    home.conforms(
      'GET',
      '/v1/customers/{id}',
      await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.officer.replace('o', '0') }).then((r) => r),
    );
    home.conforms(
      'POST',
      '/v1/customers/search',
      await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'none@example.com' } }),
    );
  });
});
