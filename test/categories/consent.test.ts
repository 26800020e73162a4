import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentState, messageAllowed, recordConsent, type ConsentEvent } from '../../lambdas/core/customer/consent';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { expectRefusedWritingNothing, newCustomer } from './helpers';

const DAY = 86_400;

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(async () => home?.close());

const put = (id: string, body: unknown, token: string = TOKENS.agent) =>
  home.request('PUT', `/v1/customers/${id}/consent`, { token, body });
const view = async (id: string) => (await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent })).body.consent;

describe('consent over time', () => {
  it('communications reads active when given, expired a year later, active again once reconfirmed; analytics does not lapse', async () => {
    const id = await newCustomer(home);
    expect(await view(id)).toEqual({ communications: { status: 'never' }, analytics: { status: 'never' } });

    const given = await put(id, { communications: true, analytics: true, source: 'phone' });
    expect(given.status, given.text).toBe(200);
    expect(given.body.communications).toMatchObject({ status: 'active', source: 'phone' });
    expect(Date.parse(given.body.communications.expiresAt) - Date.parse(given.body.communications.grantedAt)).toBe(365 * DAY * 1000);
    expect(given.body.analytics).toMatchObject({ status: 'active', source: 'phone' });
    expect(given.body.analytics.expiresAt).toBeUndefined();

    home.clock.advance(364 * DAY);
    expect((await view(id)).communications.status).toBe('active');

    home.clock.advance(1 * DAY + 60);
    const lapsed = await view(id);
    expect(lapsed.communications.status).toBe('expired');
    expect(lapsed.analytics.status).toBe('active');

    const reconfirmed = await put(id, { communications: true, source: 'email' });
    expect(reconfirmed.body.communications).toMatchObject({ status: 'active', source: 'email' });
    expect(Date.parse(reconfirmed.body.communications.grantedAt)).toBeGreaterThan(
      Date.parse(given.body.communications.grantedAt) + 365 * DAY * 1000,
    );
    expect((await view(id)).communications.status).toBe('active');

    const withdrawn = await put(id, { communications: false, source: 'paper_form' });
    expect(withdrawn.body.communications).toMatchObject({ status: 'withdrawn', source: 'paper_form' });
    // A withdrawal does not lapse into anything else (the record itself lives 730 days from creation).
    home.clock.advance(200 * DAY);
    expect((await view(id)).communications.status).toBe('withdrawn');
  });

  it('keeps the full append-only history with the source of each change', async () => {
    const id = await newCustomer(home, { consent: { communications: true } });
    await put(id, { analytics: true, source: 'chat' });
    await put(id, { analytics: false, source: 'chat' });
    await put(id, { analytics: false, source: 'chat' }); // no change: not recorded twice
    const history = (await home.app.exports.forCustomer(id)).categories.consent.data.history;
    expect(history.map((e) => [e.purpose, e.granted, e.source])).toEqual([
      ['communications', true, 'staff-entry'],
      ['analytics', true, 'chat'],
      ['analytics', false, 'chat'],
    ]);
  });

  it('writes each consent change to the access log', async () => {
    const id = await newCustomer(home);
    await put(id, { communications: true, source: 'in_person' }, TOKENS.officer);
    const log = await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer });
    expect(log.body.items).toContainEqual(expect.objectContaining({ action: 'update_consent', actor: 'staff:staff-officer-1' }));
  });
});

describe('bad consent changes are refused with a problem naming the field, and nothing is stored', () => {
  const cases: [string, unknown, string, string[]][] = [
    ['no purpose at all', { source: 'phone' }, 'validation_failed', ['communications', 'analytics']],
    ['a missing source', { communications: true }, 'validation_failed', ['source']],
    ['a free-text source', { communications: true, source: 'Alice said so on the phone' }, 'validation_failed', ['source']],
    ['staff claiming the portal as source', { communications: true, source: 'portal' }, 'validation_failed', ['source']],
    ['a non-boolean consent', { analytics: 'yes', source: 'phone' }, 'validation_failed', ['analytics']],
    ['an unknown purpose', { marketing: true, source: 'phone' }, 'unexpected_field', ['marketing']],
  ];
  it.each(cases)('%s', async (_label, body, code, fields) => {
    const id = await newCustomer(home);
    await expectRefusedWritingNothing(home, () => put(id, body), code, fields);
    expect((await view(id)).communications.status).toBe('never');
  });
});

describe('the one send gate', () => {
  const t0 = new Date('2025-03-01T12:00:00Z');
  const at = (days: number) => new Date(t0.getTime() + days * DAY * 1000);
  const given: ConsentEvent[] = recordConsent([], { communications: true }, 'portal', t0);

  it('always allows service messages (codes, erasure notices, reminders), whatever the consent', () => {
    for (const history of [[], given, recordConsent(given, { communications: false }, 'portal', at(1))]) {
      expect(messageAllowed('service', history, at(500))).toBe(true);
    }
  });

  it('allows marketing only while communications consent is active', () => {
    expect(messageAllowed('marketing', [], t0)).toBe(false);
    expect(messageAllowed('marketing', given, at(364))).toBe(true);
    expect(messageAllowed('marketing', given, at(365))).toBe(false);
    expect(consentState(given, at(365)).communications.status).toBe('expired');
    expect(messageAllowed('marketing', recordConsent(given, { communications: false }, 'portal', at(10)), at(11))).toBe(false);
    expect(messageAllowed('marketing', recordConsent(given, { communications: true }, 'email', at(400)), at(401))).toBe(true);
  });

  it('answers for a customer id through the consent service, and no for an absent customer', async () => {
    const id = await newCustomer(home, { consent: { communications: true } });
    expect(await home.app.consent.mayMessage(id, 'marketing')).toBe(true);
    expect(await home.app.consent.mayMessage('6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f', 'service')).toBe(false);
  });
});
