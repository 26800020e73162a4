/**
 * One idempotency rule for every write that takes an Idempotency-Key. A claim past its TTL is absent,
 * as every expired row is, even before DynamoDB's TTL deletes it: the key may be used again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, startTestHome, type TestHome } from '../support/home';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(async () => {
  await home?.close();
});

const DAY = 86_400;
const withKey = (key: string) => ({ token: TOKENS.agent, headers: { 'idempotency-key': key } });

describe('an Idempotency-Key reused after its claim expired, before TTL deleted it', () => {
  it('creates a new customer (201), not a 409 on every retry', async () => {
    const first = await home.request('POST', '/v1/customers', {
      ...withKey('reused-customer-key'),
      body: { name: 'Ann One', email: 'ann.one@example.com' },
    });
    expect(first.status).toBe(201);
    // Within the day: the same key and body replay, another body is refused.
    const replay = await home.request('POST', '/v1/customers', {
      ...withKey('reused-customer-key'),
      body: { name: 'Ann One', email: 'ann.one@example.com' },
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.customerId).toBe(first.body.customerId);
    const other = await home.request('POST', '/v1/customers', {
      ...withKey('reused-customer-key'),
      body: { name: 'Bea Two', email: 'bea.two@example.com' },
    });
    expect(other.status).toBe(422);

    home.clock.advance(DAY + 60); // past the claim's TTL; no reaper has run, so the row is still there
    const again = await home.request('POST', '/v1/customers', {
      ...withKey('reused-customer-key'),
      body: { name: 'Bea Two', email: 'bea.two@example.com' },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.customerId).not.toBe(first.body.customerId);
    const retry = await home.request('POST', '/v1/customers', {
      ...withKey('reused-customer-key'),
      body: { name: 'Bea Two', email: 'bea.two@example.com' },
    });
    expect(retry.status).toBe(201);
    expect(retry.body.customerId).toBe(again.body.customerId);
  });

  it('records a new purchase (201) the same way', async () => {
    const customer = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: 'Cy Three', email: 'cy.three@example.com' },
    });
    const path = `/v1/customers/${customer.body.customerId}/purchases`;
    const body = (sku: string) => ({ currency: 'EUR', items: [{ sku, quantity: 1, unitPriceMinor: 100 }] });
    const first = await home.request('POST', path, { ...withKey('reused-purchase-key'), body: body('TEA-1') });
    expect(first.status).toBe(201);
    expect((await home.request('POST', path, { ...withKey('reused-purchase-key'), body: body('TEA-2') })).status).toBe(422);

    home.clock.advance(DAY + 60);
    const again = await home.request('POST', path, { ...withKey('reused-purchase-key'), body: body('TEA-2') });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.purchaseId).not.toBe(first.body.purchaseId);
  });
});
