import { PutItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome({ settings: { vault: { cacheTtlMs: 0 } } });
});
afterAll(async () => home?.close());

describe('ciphertexts are bound to their row', () => {
  it('a sealed record copied onto another customer\'s row does not decrypt, and reveals nothing', async () => {
    const a = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Alice Source', email: 'alice.src@example.com' } });
    const b = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Bob Target', email: 'bob.tgt@example.com' } });
    const table = 'crm-local-customers';
    const rowA = await home.dynamo.send(new GetItemCommand({ TableName: table, Key: { customerId: { S: a.body.customerId } } }));
    const rowB = await home.dynamo.send(new GetItemCommand({ TableName: table, Key: { customerId: { S: b.body.customerId } } }));
    await home.dynamo.send(new PutItemCommand({ TableName: table, Item: { ...rowB.Item!, sealed: rowA.Item!.sealed } }));

    const read = await home.request('POST', `/v1/customers/${b.body.customerId}/reveal`, { token: TOKENS.officer, body: { purpose: 'tamper test' } });
    expect(read.status).toBe(500);
    expect(read.body.code).toBe('internal_error');
    expect(read.text).not.toMatch(/alice/i);
    // The original is untouched.
    const ok = await home.request('POST', `/v1/customers/${a.body.customerId}/reveal`, { token: TOKENS.officer, body: { purpose: 'check' } });
    expect(ok.body, JSON.stringify(ok.body)).toMatchObject({ email: 'alice.src@example.com' });
  });
});
