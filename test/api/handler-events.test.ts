import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsdkFieldCipher } from '../../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { silentLog } from '../../lambdas/adapters/logger';
import { createApp } from '../../lambdas/core/app';
import { tableNamesFromPrefix } from '../../lambdas/core/tables';
import { createApiHandler, type ApiHandler } from '../../lambdas/http/api';
import { apiGatewayEvent } from '../support/api-gateway';
import { startDynalite, type TestDb } from '../support/dynalite';

let db: TestDb;
let handler: ApiHandler;
beforeAll(async () => {
  db = await startDynalite('evt-');
  const clock = { now: () => new Date() };
  const app = createApp({
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
    const created = await handler(apiGatewayEvent('POST', '/v1/customers', { groups: '[agent privacy_officer]', body: { name: 'Event Person', email: 'event@example.com' } }));
    expect(created.statusCode).toBe(201);
    const id = JSON.parse(created.body).customerId;
    const reveal = await handler(apiGatewayEvent('POST', '/v1/customers/{id}/reveal', { groups: 'agent,privacy_officer', params: { id }, body: { purpose: 'event test' } }));
    expect(reveal.statusCode).toBe(200);
    expect(JSON.parse(reveal.body).email).toBe('event@example.com');
  });

  it('refuses a staff route when the authorizer passed no claims, and a token without a staff group', async () => {
    expect((await handler(apiGatewayEvent('POST', '/v1/customers/search', { body: { email: 'a@example.com' } }))).statusCode).toBe(401);
    expect((await handler(apiGatewayEvent('POST', '/v1/customers/search', { groups: 'customers', body: { email: 'a@example.com' } }))).statusCode).toBe(403);
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
