import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../lambdas/core/policy/inventory';
import { RetentionPolicy } from '../../lambdas/core/policy/retention-policy';
import { CustomerExportSchema } from '../../lambdas/http/schemas-categories';
import { MY_DATA_ROWS } from '../../lambdas/core/portal/my-data';
import { Me } from '../../lambdas/http/schemas-portal';
import { scanAll } from '../support/tables';
import { TOKENS, type TestHome } from '../support/home';
import { createCustomer, signIn, startPortalHome } from './support';

let home: TestHome;
let alice: string;
let bob: string;
let aliceToken: string;
let bobToken: string;

const BOB_SECRETS = ['Bob Builder', 'bob@example.net', 'bob asked about a refund', 'BOB-SKU-7'];

async function staff(method: string, path: string, body?: unknown, token: string = TOKENS.officer) {
  const res = await home.request(method, path, { token, body });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res;
}

beforeAll(async () => {
  // A short grace period, so a completed erasure can be watched within one session's idle time.
  home = await startPortalHome({}, { settings: { policy: new RetentionPolicy({ erasureGraceSeconds: 120 }) } });
  alice = await createCustomer(home, { name: 'Alice Liddell', email: 'alice@example.com', consent: { communications: true } });
  bob = await createCustomer(home, { name: BOB_SECRETS[0], email: BOB_SECRETS[1] });
  for (const [id, summary, sku] of [
    [alice, 'asked about delivery times', 'TEA-POT-1'],
    [bob, BOB_SECRETS[2], BOB_SECRETS[3]],
  ]) {
    await staff('POST', `/v1/customers/${id}/interactions`, { channel: 'email', summary }, TOKENS.agent);
    await staff(
      'POST',
      `/v1/customers/${id}/purchases`,
      { currency: 'EUR', items: [{ sku, quantity: 2, unitPriceMinor: 1250 }] },
      TOKENS.agent,
    );
    await staff('PUT', `/v1/customers/${id}/consent`, { analytics: true, source: 'email' }, TOKENS.agent);
    await staff('POST', `/v1/customers/${id}/events`, { type: 'page_view', path: '/shop/teapots' }, TOKENS.agent);
  }
  await staff('POST', `/v1/customers/${alice}/reveal`, { purpose: 'posting a lost parcel claim' });
  aliceToken = await signIn(home, { email: 'alice@example.com' });
  bobToken = await signIn(home, { email: BOB_SECRETS[1] });
});
afterAll(async () => home?.close());

const me = (method: string, path: string, token = aliceToken, body?: unknown) => home.request(method, path, { token, body });

describe('GET /v1/me', () => {
  it('shows the signed-in customer everything held about them, unmasked', async () => {
    const res = await me('GET', '/v1/me');
    expect(res.status).toBe(200);
    expect(() => Me.parse(res.body)).not.toThrow();
    expect(res.body).toMatchObject({
      customerId: alice,
      name: 'Alice Liddell',
      contact: { type: 'email', value: 'alice@example.com' },
      consent: { communications: { status: 'active', expiresAt: expect.any(String) }, analytics: { status: 'active' } },
      retention: { expiresAt: expect.any(String) },
    });
    expect(res.body.interactions).toEqual([expect.objectContaining({ channel: 'email', summary: 'asked about delivery times' })]);
    expect(res.body.purchases).toEqual([
      expect.objectContaining({ currency: 'EUR', totalMinor: 2500, items: [{ sku: 'TEA-POT-1', quantity: 2, unitPriceMinor: 1250 }] }),
    ]);
    expect(res.body.behaviour).toEqual([expect.objectContaining({ type: 'page_view', path: '/shop/teapots' })]);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The deletion dialog names this day: the grace period from now (120 s here).
    expect(Date.parse(res.body.erasureIfRequestedNow) - home.clock.now().getTime()).toBeGreaterThan(118_000);
    expect(Date.parse(res.body.erasureIfRequestedNow) - home.clock.now().getTime()).toBeLessThanOrEqual(121_000);
  });

  it(`shows the newest ${MY_DATA_ROWS} rows of a list, says older ones exist, and the export has every one`, async () => {
    const lou = await createCustomer(home, { name: 'Lou Long-History', email: 'long-history@example.com' });
    const officer = { kind: 'staff', staffId: 'test-officer', role: 'privacy_officer' } as const;
    const start = home.clock.now().getTime() - 2 * 86_400_000;
    for (let i = 0; i <= MY_DATA_ROWS; i++) {
      const occurredAt = new Date(start + i * 60_000).toISOString();
      await home.app.purchases.create(officer, lou, {
        currency: 'EUR',
        items: [{ sku: `OLD-${i}`, quantity: 1, unitPriceMinor: 100 }],
        occurredAt,
      });
    }
    const token = await signIn(home, { email: 'long-history@example.com' });
    const res = await me('GET', '/v1/me', token);
    expect(res.status).toBe(200);
    expect(() => Me.parse(res.body)).not.toThrow();
    expect(res.body.more).toEqual({ interactions: false, purchases: true, behaviour: false });
    expect(res.body.purchases.map((p: { items: { sku: string }[] }) => p.items[0]!.sku)).toEqual(
      Array.from({ length: MY_DATA_ROWS }, (_, k) => `OLD-${MY_DATA_ROWS - k}`),
    );
    const exported = await me('GET', '/v1/me/export', token);
    expect(exported.body.categories.purchases.data.items).toHaveLength(MY_DATA_ROWS + 1);
    // Alice's short lists say nothing is left out.
    expect((await me('GET', '/v1/me')).body.more).toEqual({ interactions: false, purchases: false, behaviour: false });
  });

  it("never shows another customer's data, whatever the request carries", async () => {
    const attempts = [
      await me('GET', `/v1/me?customerId=${bob}`),
      await home.request('GET', '/v1/me', { token: aliceToken, headers: { 'x-customer-id': bob } }),
      await me('GET', `/v1/me/export?customerId=${bob}`),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(bob);
      for (const secret of BOB_SECRETS) expect(res.text).not.toContain(secret);
    }
    // A list route reads its query string strictly: the stray parameter is named, nothing of Bob's shown.
    const log = await me('GET', `/v1/me/access-log?customerId=${bob}`);
    expect(log.status).toBe(400);
    expect(log.body).toMatchObject({ code: 'unexpected_field', errors: [{ field: 'customerId', message: 'unexpected field' }] });
    expect(log.text).not.toContain(bob);
    for (const secret of BOB_SECRETS) expect(log.text).not.toContain(secret);
    const consent = await me('PUT', '/v1/me/consent', aliceToken, { analytics: true, customerId: bob });
    expect(consent.status).toBe(400);
    expect(consent.body.code).toBe('unexpected_field');

    const bobs = await me('GET', '/v1/me', bobToken);
    expect(bobs.body.customerId).toBe(bob);
    expect(bobs.text).not.toContain('Alice');
  });
});

describe('who may call what', () => {
  it('refuses a portal token on staff routes', async () => {
    for (const [method, path, body] of [
      ['GET', `/v1/customers/${alice}`],
      ['POST', '/v1/customers/search', { email: 'alice@example.com' }],
      ['GET', `/v1/customers/${alice}/access-log`],
      ['POST', `/v1/customers/${alice}/reveal`, { purpose: 'curious' }],
    ] as const) {
      const res = await home.request(method, path, { token: aliceToken, body });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('refuses staff tokens on /v1/me routes', async () => {
    for (const token of Object.values(TOKENS)) {
      for (const [method, path] of [
        ['GET', '/v1/me'],
        ['GET', '/v1/me/export'],
        ['GET', '/v1/me/access-log'],
        ['POST', '/v1/me/erasure'],
        ['POST', '/v1/portal/logout'],
      ]) {
        expect((await home.request(method, path, { token })).status, `${method} ${path}`).toBe(401);
      }
      expect((await home.request('PUT', '/v1/me/consent', { token, body: { analytics: false } })).status).toBe(401);
    }
  });
});

describe('the access log', () => {
  it('shows the customer who read their data and why, newest first, including their own visits', async () => {
    const res = await me('GET', '/v1/me/access-log');
    expect(res.status).toBe(200);
    const items = res.body.items as { at: string; actor: string; role: string; action: string; purpose?: string }[];
    expect(items.find((e) => e.action === 'reveal')).toMatchObject({
      actor: 'staff:staff-officer-1',
      role: 'privacy_officer',
      purpose: 'posting a lost parcel claim',
    });
    expect(items.some((e) => e.action === 'create' && e.role === 'agent')).toBe(true);
    expect(items.some((e) => e.action === 'sign_in' && e.actor === 'customer')).toBe(true);
    expect(items.some((e) => e.action === 'read' && e.actor === 'customer')).toBe(true);
    const times = items.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('does not log the customer reading their own access log, so reloads do not bury the staff rows', async () => {
    const first = await me('GET', '/v1/me/access-log');
    const again = await me('GET', '/v1/me/access-log');
    expect(again.body.items).toEqual(first.body.items);
    expect(again.body.items.some((e: { action: string }) => e.action === 'read_access_log')).toBe(false);
  });
});

describe('GET /v1/me/export', () => {
  it('is a JSON attachment with every exported category and, for each, the GDPR Art. 15 facts', async () => {
    const res = await me('GET', '/v1/me/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.json"$/);
    const doc = CustomerExportSchema.parse(res.body);
    expect(doc.customerId).toBe(alice);
    expect(doc.schemaVersion).toBe('1');
    const exported = CATEGORIES.filter((c) => c.exported);
    expect(Object.keys(doc.categories).sort()).toEqual(exported.map((c) => c.id).sort());
    for (const c of exported) {
      const section = doc.categories[c.id as keyof typeof doc.categories];
      expect(section.purpose).toBe(c.purpose);
      expect(section.legalBasis).toBe(c.legalBasis);
      expect(section.retention.label).toBe(c.retention.label);
      expect(section.recipients).toEqual([...c.recipients]);
      expect(section.source).toBe(c.source);
    }
    expect(doc.categories.contact.data).toMatchObject({ name: 'Alice Liddell', email: 'alice@example.com' });
    expect(doc.categories.interactions.data.items[0].summary).toBe('asked about delivery times');
    expect(doc.categories.purchases.data.items[0].totalMinor).toBe(2500);
    expect(doc.categories.behaviour.data.items[0].path).toBe('/shop/teapots');
    expect(doc.categories.accessLog.data.items.some((e) => e.purpose === 'posting a lost parcel claim')).toBe(true);

    const log = await me('GET', '/v1/me/access-log');
    expect(log.body.items.some((e: { action: string }) => e.action === 'export')).toBe(true);
  });
});

describe('PUT /v1/me/consent', () => {
  it('withdraws and gives consent, recorded as given through the portal', async () => {
    const off = await me('PUT', '/v1/me/consent', aliceToken, { communications: false });
    expect(off.status).toBe(200);
    expect(off.body.communications.status).toBe('withdrawn');
    const on = await me('PUT', '/v1/me/consent', aliceToken, { communications: true, analytics: false });
    expect(on.status).toBe(200);
    expect(on.body.communications).toMatchObject({ status: 'active', source: 'portal' });
    expect(on.body.analytics.status).toBe('withdrawn');
    const after = await me('GET', '/v1/me');
    expect(after.body.consent.communications.status).toBe('active');
    const log = await me('GET', '/v1/me/access-log');
    expect(log.body.items.filter((e: { action: string }) => e.action === 'update_consent').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses an empty change or a non-boolean with 400 naming the field', async () => {
    const empty = await me('PUT', '/v1/me/consent', aliceToken, {});
    expect(empty.status).toBe(400);
    const bad = await me('PUT', '/v1/me/consent', aliceToken, { analytics: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('analytics');
    const source = await me('PUT', '/v1/me/consent', aliceToken, { analytics: true, source: 'email' });
    expect(source.status).toBe(400);
    expect(source.body.code).toBe('unexpected_field');
  });
});

describe('erasure from the portal', () => {
  it('requests erasure with a receipt and date, shows it, repeats idempotently, and cancels it', async () => {
    const req = await me('POST', '/v1/me/erasure');
    expect(req.status).toBe(202);
    expect(req.body).toEqual({ receiptId: expect.stringMatching(/^[0-9a-f-]{36}$/), scheduledFor: expect.any(String) });
    const delay = Date.parse(req.body.scheduledFor) - home.clock.now().getTime();
    expect(delay).toBeGreaterThan(110_000);
    expect(delay).toBeLessThanOrEqual(121_000);
    const again = await me('POST', '/v1/me/erasure');
    expect(again.body).toEqual(req.body);
    const shown = await me('GET', '/v1/me');
    expect(shown.body.erasure).toEqual({ status: 'pending', scheduledFor: req.body.scheduledFor, receiptId: req.body.receiptId });

    const cancel = await me('DELETE', '/v1/me/erasure');
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ receiptId: req.body.receiptId, status: 'cancelled' });
    expect((await me('GET', '/v1/me')).body.erasure).toBeUndefined();
    expect((await me('DELETE', '/v1/me/erasure')).status).toBe(404);
    const actions = (await me('GET', '/v1/me/access-log')).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['request_erasure', 'cancel_erasure']));
  });

  it('a completed erasure ends every session of the customer and leaves no session row', async () => {
    const carol = await createCustomer(home, { name: 'Carol Gone', email: 'carol@example.com' });
    const t1 = await signIn(home, { email: 'carol@example.com' });
    const t2 = await signIn(home, { email: 'carol@example.com' });
    const req = await me('POST', '/v1/me/erasure', t1);
    expect(req.status).toBe(202);
    home.clock.advance(121);
    await home.app.erasureRun.execute({ customerId: carol, receiptId: req.body.receiptId });
    for (const t of [t1, t2]) expect((await me('GET', '/v1/me', t)).status).toBe(401);
    const rows = (await scanAll(home.dynamo)).sessions;
    expect(rows.filter((r) => r.customerId?.S === carol)).toHaveLength(0);
    const login = await home.request('POST', '/v1/portal/login', { body: { email: 'carol@example.com' } });
    expect(login.status).toBe(202);
    expect(home.sent.filter((m) => m.to === 'carol@example.com' && /sign-in code/i.test(m.body))).toHaveLength(2);
  });
});

describe('POST /v1/portal/logout', () => {
  it('is logged for the customer to see', async () => {
    const token = await signIn(home, { email: BOB_SECRETS[1] });
    expect((await home.request('POST', '/v1/portal/logout', { token })).status).toBe(204);
    const items = (await me('GET', '/v1/me/access-log', bobToken)).body.items as { action: string }[];
    expect(items.some((e) => e.action === 'sign_out')).toBe(true);
  });
});
