/**
 * The portal takeover (issue 10, High): an agent pointed a customer's contact at their own mailbox,
 * then signed in to the portal as the customer. A contact change is now a privacy officer's act with a
 * purpose; it tells the old and the new contact and ends every session and pending code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAll } from '../support/tables';
import { TOKENS, type TestHome } from '../support/home';
import { createCustomer, lastCode, messagesTo, signIn, startPortalHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startPortalHome();
});
afterAll(async () => home?.close());

const patch = (id: string, token: string, body: unknown) => home.request('PATCH', `/v1/customers/${id}`, { token, body });
const me = (token: string) => home.request('GET', '/v1/me', { token });
const sessionIds = async () => new Set((await scanAll(home.dynamo)).sessions.map((r) => r.id.S!));
const LINK = /https?:|www\.|<a |<img/i;

describe('an agent', () => {
  it("cannot point a customer's contact at their own mailbox: 403, nothing changes, nobody is told, the session stays", async () => {
    const id = await createCustomer(home, { name: 'Victim Vera', email: 'vera@example.com' });
    const token = await signIn(home, { email: 'vera@example.com' });
    const messages = home.outbox.list().length;

    for (const body of [
      { email: 'agent.mailbox@example.net' },
      { email: 'agent.mailbox@example.net', purpose: 'Customer asked' },
      { phone: '+44 20 7946 0999' },
    ]) {
      const res = await patch(id, TOKENS.agent, body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    // The attack's next step finds nothing: no code goes to the agent's mailbox.
    await home.request('POST', '/v1/portal/login', { body: { email: 'agent.mailbox@example.net' } });
    expect(messagesTo(home, 'agent.mailbox@example.net')).toEqual([]);
    expect(home.outbox.list().length).toBe(messages);
    expect((await me(token)).status).toBe(200);
    const found = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'vera@example.com' } });
    expect(found.body.customerId).toBe(id);
  });

  it('may still change only the name, which ends no session and sends nothing', async () => {
    const id = await createCustomer(home, { name: 'Renamed Rita', email: 'rita@example.com' });
    const token = await signIn(home, { email: 'rita@example.com' });
    const messages = home.outbox.list().length;
    const res = await patch(id, TOKENS.agent, { name: 'Rita Married-Name' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.name).toBe('R*** M***');
    expect((await me(token)).status).toBe(200);
    expect(home.outbox.list().length).toBe(messages);
  });
});

describe('a privacy officer changing the contact', () => {
  it('must state a purpose: 400 naming it, and nothing changes', async () => {
    const id = await createCustomer(home, { name: 'Purpose Paul', email: 'paul@example.com' });
    for (const body of [
      { email: 'paul.new@example.com' },
      { email: 'paul.new@example.com', purpose: ' ' },
      { phone: '+44 20 7946 0998', purpose: 'x' },
    ]) {
      const res = await patch(id, TOKENS.officer, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('purpose');
    }
    const found = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'paul@example.com' } });
    expect(found.body.customerId).toBe(id);
    expect(messagesTo(home, 'paul.new@example.com')).toEqual([]);
  });

  it('ends every session and the pending code, tells the old and the new contact, and logs the purpose', async () => {
    const id = await createCustomer(home, { name: 'Moving Mia', email: 'mia.old@example.com' });
    const sessions = [await signIn(home, { email: 'mia.old@example.com' }), await signIn(home, { email: 'mia.old@example.com' })];
    // A pending code, and a wrong try that left a guard row for the old contact.
    const before = await sessionIds();
    await home.request('POST', '/v1/portal/login', { body: { email: 'mia.old@example.com' } });
    const pending = lastCode(home, 'mia.old@example.com')!;
    const wrong = pending === '000000' ? '111111' : '000000';
    expect((await home.request('POST', '/v1/portal/verify', { body: { email: 'mia.old@example.com', code: wrong } })).status).toBe(401);
    const oldContactRows = [...(await sessionIds())].filter((r) => !before.has(r) && /^(code|guard)#/.test(r));
    expect(oldContactRows.map((r) => r.split('#')[0]).sort()).toEqual(['code', 'guard']);

    const purpose = 'Customer moved; confirmed at the counter with ID';
    const res = await patch(id, TOKENS.officer, { email: 'mia.new@example.com', purpose });
    expect(res.status, res.text).toBe(200);
    expect(res.body.contact).toEqual({ type: 'email', masked: expect.stringMatching(/^mi\*+@ex\*+\.com$/) });

    for (const token of sessions) expect((await me(token)).status).toBe(401);
    const after = await sessionIds();
    for (const row of oldContactRows) expect(after.has(row), row).toBe(false);
    const stillMine = (await scanAll(home.dynamo)).sessions.filter((r) => r.customerId?.S === id);
    expect(stillMine).toEqual([]);
    const refused = await home.request('POST', '/v1/portal/verify', { body: { email: 'mia.old@example.com', code: pending } });
    expect(refused.status).toBe(401);

    const [toOld] = messagesTo(home, 'mia.old@example.com').filter((m) => /changed/i.test(m.subject ?? ''));
    expect(toOld.body).toMatch(/can no longer sign in/);
    expect(toOld.body).toMatch(/did not ask for this change/);
    expect(toOld.body).not.toContain('mia.new');
    const [toNew] = messagesTo(home, 'mia.new@example.com');
    expect(toNew.body).toMatch(/now the one we use to reach you/);
    for (const m of [toOld, toNew]) expect(m.body).not.toMatch(LINK);

    const log = await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer });
    expect(log.body.items).toContainEqual({
      at: expect.any(String),
      actor: 'staff:staff-officer-1',
      role: 'privacy_officer',
      action: 'change_contact',
      purpose,
    });

    // The customer signs in with the new contact; the old one finds nobody.
    const token = await signIn(home, { email: 'mia.new@example.com' });
    expect((await me(token)).body.contact).toEqual({ type: 'email', value: 'mia.new@example.com' });
    await home.request('POST', '/v1/portal/login', { body: { email: 'mia.old@example.com' } });
    expect(messagesTo(home, 'mia.old@example.com').filter((m) => /sign-in code/i.test(m.body)).length).toBe(3);
  });

  it('tells an SMS contact by SMS, even without consent to other messages; an admin may do it too', async () => {
    const id = await createCustomer(home, { name: 'Phone Pete', phone: '+44 20 7946 0555' });
    const res = await patch(id, TOKENS.admin, { phone: '+44 20 7946 0556', purpose: 'New number given in a signed letter' });
    expect(res.status, res.text).toBe(200);
    const [toOld] = messagesTo(home, '+442079460555');
    const [toNew] = messagesTo(home, '+442079460556');
    expect(toOld).toMatchObject({ channel: 'sms' });
    expect(toOld.body).toMatch(/can no longer sign in/);
    expect(toNew).toMatchObject({ channel: 'sms' });
  });

  it('given the contact already stored, tells nobody but still ends the sessions (the retry of a change that failed there)', async () => {
    const id = await createCustomer(home, { name: 'Retry Rob', email: 'rob@example.com' });
    const token = await signIn(home, { email: 'rob@example.com' });
    const messages = home.outbox.list().length;
    expect((await patch(id, TOKENS.officer, { email: 'ROB@example.com', purpose: 'Retrying the change' })).status).toBe(200);
    expect(home.outbox.list().length).toBe(messages);
    expect((await me(token)).status).toBe(401);
  });
});
