import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome;
const errors: Record<string, unknown>[] = [];
beforeAll(async () => {
  const log = {
    info: () => undefined,
    warn: () => undefined,
    error: (_m: string, a?: Record<string, unknown>) => void errors.push(a ?? {}),
  };
  home = await startTestHome({ settings: { vault: { cacheTtlMs: 0 } }, log });
});
afterAll(async () => home?.close());

describe('ciphertexts are bound to their row', () => {
  it("a sealed record copied onto another customer's row does not decrypt, and reveals nothing", async () => {
    const a = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: 'Alice Source', email: 'alice.src@example.com' },
    });
    const b = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: 'Bob Target', email: 'bob.tgt@example.com' },
    });
    const table = 'crm-local-customers';
    const rowA = await home.dynamo.send(new GetItemCommand({ TableName: table, Key: { customerId: { S: a.body.customerId } } }));
    const rowB = await home.dynamo.send(new GetItemCommand({ TableName: table, Key: { customerId: { S: b.body.customerId } } }));
    await home.dynamo.send(new PutItemCommand({ TableName: table, Item: { ...rowB.Item!, sealed: rowA.Item!.sealed } }));

    const read = await home.request('POST', `/v1/customers/${b.body.customerId}/reveal`, {
      token: TOKENS.officer,
      body: { purpose: 'tamper test' },
    });
    expect(read.status).toBe(500);
    expect(read.body.code).toBe('internal_error');
    expect(read.text).not.toMatch(/alice/i);
    // The original is untouched.
    const ok = await home.request('POST', `/v1/customers/${a.body.customerId}/reveal`, {
      token: TOKENS.officer,
      body: { purpose: 'check' },
    });
    expect(ok.body, JSON.stringify(ok.body)).toMatchObject({ email: 'alice.src@example.com' });
  });

  it('a ciphertext of another category of the same customer (same key) does not open as the contact record', async () => {
    const c = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: 'Carol Category', email: 'carol.cat@example.com' },
    });
    const id = c.body.customerId;
    // A reveal writes an access-log entry whose purpose is sealed under the same customer key, category accessLog.
    await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: { purpose: 'Carol Category asked' } });
    const log = await home.dynamo.send(
      new QueryCommand({
        TableName: 'crm-local-access-log',
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': { S: id } },
      }),
    );
    const purpose = log.Items!.find((i) => i.purpose?.B)!.purpose;
    const table = 'crm-local-customers';
    const row = await home.dynamo.send(new GetItemCommand({ TableName: table, Key: { customerId: { S: id } } }));
    await home.dynamo.send(new PutItemCommand({ TableName: table, Item: { ...row.Item!, sealed: purpose } }));
    errors.length = 0;
    const read = await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent });
    expect(read.status).toBe(500);
    expect(read.text).not.toContain('Carol');
    // Refused by the encryption-context check, not by a later parse of whatever came out.
    expect(errors.map((e) => e.errorName)).toEqual(['IntegrityError']);
  });
});
