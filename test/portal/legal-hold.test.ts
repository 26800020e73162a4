import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, type TestHome } from '../support/home';
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
});
