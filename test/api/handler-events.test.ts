import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EsdkFieldCipher } from '../../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { silentLog } from '../../lambdas/adapters/logger';
import { createApp, type App } from '../../lambdas/core/app';
import { tableNamesFromPrefix } from '../../lambdas/core/policy/tables';
import { createApiHandler, type ApiHandler } from '../../lambdas/http/api';
import { apiGatewayEvent } from '../support/api-gateway';
import { startDynalite, type TestDb } from '../support/dynalite';

let db: TestDb;
let handler: ApiHandler;
let app: App;
beforeAll(async () => {
  db = await startDynalite('evt-');
  const clock = { now: () => new Date() };
  app = createApp({
    store: new DynamoStore({ client: db.client, tableNames: tableNamesFromPrefix('evt-') }),
    keys: new LocalKeyService(LocalKeyService.generateKeys()),
    cipher: new EsdkFieldCipher(),
    clock,
    notifier: { send: async () => undefined },
    scheduler: { schedule: async () => undefined, cancel: async () => undefined, exists: async () => false },
    log: silentLog,
  });
  handler = createApiHandler(app, { log: silentLog });
});
afterAll(async () => db?.close());

describe('the Lambda API handler with API Gateway events', () => {
  it('reads Cognito groups in either claim format and picks the strongest role', async () => {
    const created = await handler(
      apiGatewayEvent('POST', '/v1/customers', {
        groups: '[agent privacy_officer]',
        body: { name: 'Event Person', email: 'event@example.com' },
      }),
    );
    expect(created.statusCode).toBe(201);
    const id = JSON.parse(created.body).customerId;
    const reveal = await handler(
      apiGatewayEvent('POST', '/v1/customers/{id}/reveal', {
        groups: 'agent,privacy_officer',
        params: { id },
        body: { purpose: 'event test' },
      }),
    );
    expect(reveal.statusCode).toBe(200);
    expect(JSON.parse(reveal.body).email).toBe('event@example.com');
  });

  it('refuses a staff route when the authorizer passed no claims, and a token without a staff group', async () => {
    expect((await handler(apiGatewayEvent('POST', '/v1/customers/search', { body: { email: 'a@example.com' } }))).statusCode).toBe(401);
    expect(
      (await handler(apiGatewayEvent('POST', '/v1/customers/search', { groups: 'customers', body: { email: 'a@example.com' } })))
        .statusCode,
    ).toBe(403);
  });

  it('maps an unknown resource to a problem+json 404 with security headers', async () => {
    const res = await handler(apiGatewayEvent('GET', '/v1/unknown'));
    expect(res.statusCode).toBe(404);
    expect(res.headers?.['content-type']).toBe('application/problem+json');
    expect(res.headers?.['x-content-type-options']).toBe('nosniff');
  });

  it('counts the body size in bytes, base64 bodies included', async () => {
    const big = apiGatewayEvent('POST', '/v1/customers', { groups: 'admin' });
    big.body = Buffer.from(JSON.stringify({ name: 'é'.repeat(40_000), email: 'big@example.com' })).toString('base64');
    big.isBase64Encoded = true;
    const res = await handler(big);
    expect(res.statusCode).toBe(413);
  });
});

describe('routes that take no body', () => {
  it('refuse one rather than silently dropping it', async () => {
    const res = await handler(apiGatewayEvent('GET', '/v1/privacy/inventory', { body: { note: 'x' } }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'unexpected_field', errors: [{ field: 'note' }] });
  });
});

describe('requests the Lambda handler refuses the same way as the local server', () => {
  it('a body sent as text/plain, as a form or without a content type is 415, and nothing is created', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const event = apiGatewayEvent('POST', '/v1/customers', { groups: 'admin', body: { name: 'Plain Text', email: 'plain@example.com' } });
      event.headers = type ? { 'Content-Type': type } : {};
      const res = await handler(event);
      expect(res.statusCode, String(type)).toBe(415);
      expect(JSON.parse(res.body).code).toBe('unsupported_media_type');
    }
    const search = await handler(
      apiGatewayEvent('POST', '/v1/customers/search', { groups: 'admin', body: { email: 'plain@example.com' } }),
    );
    expect(search.statusCode).toBe(404);
  });

  it('a path parameter with a malformed percent-encoding is a 400, not a 500', async () => {
    const res = await handler(
      apiGatewayEvent('GET', '/v1/customers/{id}', { groups: 'admin', path: '/v1/customers/%E0%A4%A', params: { id: '%E0%A4%A' } }),
    );
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).errors).toEqual([{ field: 'id', message: 'is not valid percent-encoding' }]);
    const receipt = await handler(apiGatewayEvent('GET', '/v1/erasure-receipts/{receiptId}', { params: { receiptId: '%E0%A4%A' } }));
    expect(receipt.statusCode).toBe(400);
  });

  it('an upper-case (or still percent-encoded) customer id finds the customer', async () => {
    const created = await handler(
      apiGatewayEvent('POST', '/v1/customers', { groups: 'admin', body: { name: 'Upper Case', email: 'upper-evt@example.com' } }),
    );
    const id: string = JSON.parse(created.body).customerId;
    for (const raw of [id.toUpperCase(), encodeURIComponent(id).replace('-', '%2D')]) {
      const res = await handler(apiGatewayEvent('GET', '/v1/customers/{id}', { groups: 'admin', params: { id: raw } }));
      expect(res.statusCode, raw).toBe(200);
      expect(JSON.parse(res.body).customerId).toBe(id);
    }
  });

  it('a method the resource does not take is 405 with Allow, /v1/customers/search included', async () => {
    const res = await handler(apiGatewayEvent('GET', '/v1/customers/search', { groups: 'admin' }));
    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('POST');
    expect(res.headers?.['content-type']).toBe('application/problem+json');
  });

  it('refuses a wrong method before reading its body, token or session (in AWS it arrives through ANY, without authorizer)', async () => {
    const sessions = { resolve: vi.fn(async () => undefined) };
    const strict = createApiHandler(app, { log: silentLog, sessions });
    const bodies = [
      ['text/plain', 'plain text'],
      ['application/json', '{"x": '],
      ['application/json', 'x'.repeat(70 * 1024)],
    ];
    for (const [type, body] of bodies) {
      const event = apiGatewayEvent('DELETE', '/v1/me');
      event.headers = { 'content-type': type, authorization: `Bearer ${'t'.repeat(43)}` };
      event.body = body;
      const res = await strict(event);
      expect(res.statusCode, type).toBe(405);
      expect(res.headers?.allow).toBe('GET');
    }
    expect(sessions.resolve).not.toHaveBeenCalled();
  });
});
