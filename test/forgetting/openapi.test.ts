import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../support/home';
import { withOpenApi, type OpenApiHome } from '../support/openapi';
import { advance, DAY, populate, startForgettingHome } from './support';

let home: OpenApiHome;
beforeAll(async () => {
  home = await withOpenApi(startForgettingHome());
});
afterAll(async () => home?.close());

describe('the forgetting routes in the OpenAPI document', () => {
  it('match the real responses, receipts in every state and errors included', async () => {
    const p = await populate(home, { session: false });
    const id = p.customerId;
    const requested = await home.request('POST', `/v1/customers/${id}/erasure`, { token: TOKENS.officer });
    home.conforms('POST', '/v1/customers/{id}/erasure', requested);
    home.conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${requested.body.receiptId}`));
    home.conforms(
      'PUT',
      '/v1/customers/{id}/legal-hold',
      await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.admin, body: { reason: 'Audit 7' } }),
    );
    home.conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${requested.body.receiptId}`));
    home.conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${requested.body.receiptId}`));
    home.conforms(
      'DELETE',
      '/v1/customers/{id}/legal-hold',
      await home.request('DELETE', `/v1/customers/${id}/legal-hold`, { token: TOKENS.admin }),
    );
    const lift = { token: TOKENS.admin, body: { reason: 'Audit 7 closed' } };
    home.conforms('DELETE', '/v1/customers/{id}/legal-hold', await home.request('DELETE', `/v1/customers/${id}/legal-hold`, lift));
    home.conforms(
      'DELETE',
      '/v1/customers/{id}/erasure',
      await home.request('DELETE', `/v1/customers/${id}/erasure`, { token: TOKENS.officer }),
    );
    home.conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${requested.body.receiptId}`));
    home.conforms(
      'DELETE',
      '/v1/customers/{id}/erasure',
      await home.request('DELETE', `/v1/customers/${id}/erasure`, { token: TOKENS.officer }),
    );
    home.conforms(
      'PUT',
      '/v1/customers/{id}/legal-hold',
      await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.agent, body: { reason: 'x' } }),
    );
    home.conforms(
      'PUT',
      '/v1/customers/{id}/legal-hold',
      await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.admin, body: {} }),
    );
    home.conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', '/v1/erasure-receipts/nope'));

    const again = await home.request('POST', `/v1/customers/${id}/erasure`, { token: TOKENS.officer });
    await advance(home, 30 * DAY + 60);
    home.conforms('GET', '/v1/erasure-receipts/{receiptId}', await home.request('GET', `/v1/erasure-receipts/${again.body.receiptId}`));
    home.conforms(
      'POST',
      '/v1/customers/{id}/erasure',
      await home.request('POST', `/v1/customers/${id}/erasure`, { token: TOKENS.officer }),
    );
  });

  it('marks the receipt route public and the others for privacy officers and admins', () => {
    expect(home.doc.paths['/v1/erasure-receipts/{receiptId}'].get.security).toEqual([]);
    for (const [path, method] of [
      ['/v1/customers/{id}/erasure', 'post'],
      ['/v1/customers/{id}/erasure', 'delete'],
      ['/v1/customers/{id}/legal-hold', 'put'],
      ['/v1/customers/{id}/legal-hold', 'delete'],
    ]) {
      expect(home.doc.paths[path][method]['x-roles'], `${method} ${path}`).toEqual(['privacy_officer', 'admin']);
    }
  });
});
