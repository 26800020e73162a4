import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, type TestHome } from '../support/home';
import { scanAll } from '../support/tables';
import { createCustomer, signIn, startPortalHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startPortalHome();
});
afterAll(async () => home?.close());

describe('a customer under legal hold', () => {
  it('still sees their own data, with the hold and a retention date, in the portal and the staff view', async () => {
    const email = 'held.customer@example.com';
    const id = await createCustomer(home, { name: 'Held Customer', email });
    const token = await signIn(home, { email });
    const hold = await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.officer, body: { reason: 'Case 2026-04' } });
    expect(hold.status).toBe(200);

    const me = await home.request('GET', '/v1/me', { token });
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body).toMatchObject({ legalHold: true, retention: { expiresAt: expect.any(String) } });

    const staff = await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent });
    expect(staff.status).toBe(200);
    expect(staff.body.legalHold).toBe(true);

    const exported = await home.request('GET', '/v1/me/export', { token });
    expect(exported.status).toBe(200);
  });

  it('keeps everything written while the hold lasts: new access-log entries, purchases and events carry no TTL', async () => {
    const email = 'held.writes@example.com';
    const id = await createCustomer(home, { name: 'Held Writes', email });
    await home.request('PUT', `/v1/customers/${id}/consent`, { token: TOKENS.agent, body: { analytics: true, source: 'phone' } });
    const token = await signIn(home, { email });
    expect(
      (await home.request('PUT', `/v1/customers/${id}/legal-hold`, { token: TOKENS.officer, body: { reason: 'Case 2026-05' } })).status,
    ).toBe(200);
    const heldAt = new Date().toISOString();

    await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent });
    await home.request('GET', `/v1/customers/${id}/purchases`, { token: TOKENS.agent });
    await home.request('GET', `/v1/customers/${id}/interactions`, { token: TOKENS.agent });
    await home.request('GET', '/v1/me', { token });
    await home.request('GET', '/v1/me/export', { token });
    expect(
      (
        await home.request('POST', `/v1/customers/${id}/purchases`, {
          token: TOKENS.agent,
          body: { currency: 'EUR', items: [{ sku: 'HELD-1', quantity: 1, unitPriceMinor: 100 }] },
        })
      ).status,
    ).toBe(201);
    expect(
      (await home.request('POST', `/v1/customers/${id}/events`, { token: TOKENS.agent, body: { type: 'page_view', path: '/held' } }))
        .status,
    ).toBe(202);

    const tables = await scanAll(home.dynamo);
    const newLog = tables['access-log'].filter((r) => r.customerId.S === id && r.at.S! >= heldAt);
    expect(newLog.length).toBeGreaterThanOrEqual(6);
    expect(newLog.filter((r) => r.expiresAt).map((r) => r.action.S)).toEqual([]);
    expect(tables.transactions.filter((r) => r.customerId.S === id).filter((r) => r.expiresAt)).toEqual([]);
    expect(tables.behaviour.filter((r) => r.path?.S === '/held').filter((r) => r.expiresAt)).toEqual([]);
  });
});
