import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHome, TOKENS } from '../support/home';
import { withOpenApi, type OpenApiHome } from '../support/openapi';
import { newCustomer } from './helpers';

let home: OpenApiHome;
beforeAll(async () => {
  home = await withOpenApi(startTestHome());
});
afterAll(async () => home?.close());

describe('the OpenAPI document for the data categories', () => {
  it('matches the real responses of every category route, errors included', async () => {
    const id = await newCustomer(home);
    const agent = { token: TOKENS.agent };
    const base = `/v1/customers/${id}`;
    const t = '/v1/customers/{id}';
    home.conforms('POST', `${t}/events`, await home.request('POST', `${base}/events`, { ...agent, body: { type: 'page_view' } }));
    home.conforms(
      'PUT',
      `${t}/consent`,
      await home.request('PUT', `${base}/consent`, { ...agent, body: { analytics: true, communications: true, source: 'chat' } }),
    );
    home.conforms(
      'POST',
      `${t}/events`,
      await home.request('POST', `${base}/events`, { ...agent, body: { type: 'page_view', path: '/a?b' } }),
    );
    home.conforms(
      'POST',
      `${t}/interactions`,
      await home.request('POST', `${base}/interactions`, { ...agent, body: { channel: 'chat', summary: 'hello' } }),
    );
    home.conforms('POST', `${t}/interactions`, await home.request('POST', `${base}/interactions`, { ...agent, body: { channel: 'fax' } }));
    home.conforms('GET', `${t}/interactions`, await home.request('GET', `${base}/interactions`, agent));
    home.conforms(
      'POST',
      `${t}/purchases`,
      await home.request('POST', `${base}/purchases`, {
        ...agent,
        body: { currency: 'EUR', items: [{ sku: 'A', quantity: 2, unitPriceMinor: 5 }] },
      }),
    );
    home.conforms('GET', `${t}/purchases`, await home.request('GET', `${base}/purchases`, agent));
    home.conforms('PUT', `${t}/consent`, await home.request('PUT', `${base}/consent`, { ...agent, body: { source: 'chat' } }));
  });

  it('describes the customer export schema for the portal to reference', async () => {
    const { CustomerExportSchema } = await import('../../lambdas/http/schemas-categories');
    const { z } = await import('zod');
    const json = z.toJSONSchema(CustomerExportSchema, { io: 'output', target: 'draft-2020-12' }) as {
      $defs: Record<string, { properties: Record<string, unknown>; additionalProperties: boolean }>;
    };
    const root = json.$defs.CustomerExport;
    expect(Object.keys(root.properties)).toEqual(['schemaVersion', 'generatedAt', 'customerId', 'categories']);
    expect(root.additionalProperties).toBe(false);
    const validate = home.ajv.compile({ ...json, $schema: undefined });
    const sample = JSON.parse(JSON.stringify(await home.app.exports.forCustomer(await newCustomer(home))));
    expect(validate(sample), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...sample, schemaVersion: '2' })).toBe(false);
  });
});
