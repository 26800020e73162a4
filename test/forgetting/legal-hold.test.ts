import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, type TestHome } from '../support/home';
import { scanAll, textsOf } from '../support/tables';
import { advance, DAY, expectIntact, expectNothingLeft, populate, startForgettingHome, type Populated } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startForgettingHome();
});
afterAll(async () => home?.close());

const hold = (id: string, reason: string, token: string = TOKENS.officer) =>
  home.request('PUT', `/v1/customers/${id}/legal-hold`, { token, body: { reason } });
const lift = (id: string, token: string = TOKENS.officer, reason = 'Case closed') =>
  home.request('DELETE', `/v1/customers/${id}/legal-hold`, { token, body: { reason } });
const receipt = (receiptId: string) => home.request('GET', `/v1/erasure-receipts/${receiptId}`);

/** Every row of the customer, by table, and whether each still carries a TTL. */
async function ttlsOf(p: Populated): Promise<Record<string, boolean[]>> {
  const all = await scanAll(home.dynamo);
  const mine = {
    customers: all.customers.filter((r) => r.customerId.S === p.customerId),
    'customer-keys': all['customer-keys'].filter((r) => r.customerId.S === p.customerId),
    'contact-index': all['contact-index'].filter((r) => r.lookup.S === p.lookup),
    interactions: all.interactions.filter((r) => r.pseudonym.S === p.pseudonyms.interaction),
    behaviour: all.behaviour.filter((r) => r.pseudonym.S === p.pseudonyms.behaviour),
    transactions: all.transactions.filter((r) => r.customerId.S === p.customerId),
    'access-log': all['access-log'].filter((r) => r.customerId.S === p.customerId),
  };
  return Object.fromEntries(Object.entries(mine).map(([t, rows]) => [t, rows.map((r) => r.expiresAt !== undefined)]));
}

describe('a legal hold', () => {
  it('keeps the reason sealed, logs it as the stated purpose, and is for privacy officers only', async () => {
    const p = await populate(home, { session: false });
    const reason = `Litigation hold, case ${p.customerId.slice(0, 8)}`;
    expect((await hold(p.customerId, reason, TOKENS.agent)).status).toBe(403);
    const bad = await hold(p.customerId, '');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('reason');
    const extra = await home.request('PUT', `/v1/customers/${p.customerId}/legal-hold`, {
      token: TOKENS.officer,
      body: { reason, until: 'forever' },
    });
    expect(extra.body.code).toBe('unexpected_field');

    const res = await hold(p.customerId, reason);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ customerId: p.customerId, legalHold: true, since: expect.any(String) });
    const view = await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent });
    expect(view.body.legalHold).toBe(true);
    expect(Date.parse(view.body.retention.expiresAt)).toBeGreaterThan(Date.now());

    const raw = (await scanAll(home.dynamo)).customers.find((r) => r.customerId.S === p.customerId)!;
    expect(Object.values(raw).flatMap(textsOf).join('\n')).not.toContain(reason);
    const log = await home.request('GET', `/v1/customers/${p.customerId}/access-log`, { token: TOKENS.officer });
    expect(log.body.items).toContainEqual(
      expect.objectContaining({ action: 'legal_hold', purpose: reason, actor: 'staff:staff-officer-1' }),
    );

    const lifted = await lift(p.customerId);
    expect(lifted.body).toEqual({ customerId: p.customerId, legalHold: false });
    expect(
      (await home.request('GET', `/v1/customers/${p.customerId}/access-log`, { token: TOKENS.officer })).body.items.map(
        (e: { action: string }) => e.action,
      ),
    ).toContain('lift_legal_hold');
    expect((await lift(p.customerId)).status).toBe(200);
  });

  it('is lifted only with a stated reason, which the access log keeps and the public receipt never shows', async () => {
    const p = await populate(home, { session: false });
    const requested = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
    const placedReason = `Subpoena for ${p.customerId.slice(0, 8)}`;
    const hold1 = await hold(p.customerId, placedReason);
    expect(hold1.status).toBe(200);

    const url = `/v1/customers/${p.customerId}/legal-hold`;
    for (const body of [undefined, {}, { reason: '' }, { reason: 'ok\u202Egone' }, { reason: 'two\nlines' }]) {
      const refused = await home.request('DELETE', url, { token: TOKENS.officer, ...(body ? { body } : {}) });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain('reason');
    }
    expect((await lift(p.customerId, TOKENS.agent)).status).toBe(403);
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).body.legalHold).toBe(true);

    const liftReason = `Subpoena ${p.customerId.slice(0, 8)} withdrawn`;
    expect((await lift(p.customerId, TOKENS.officer, liftReason)).status).toBe(200);
    const log = await home.request('GET', `/v1/customers/${p.customerId}/access-log`, { token: TOKENS.officer });
    const entry = { action: 'lift_legal_hold', purpose: liftReason, actor: 'staff:staff-officer-1' };
    expect(log.body.items).toContainEqual(expect.objectContaining(entry));

    const shown = await receipt(requested.body.receiptId);
    expect(shown.body.status).toBe('pending');
    expect(shown.body.history).toEqual([
      { event: 'hold_placed', at: expect.any(String) },
      { event: 'hold_lifted', at: expect.any(String) },
    ]);
    expect(Date.parse(shown.body.history[1].at)).toBeGreaterThanOrEqual(Date.parse(shown.body.history[0].at));
    for (const secret of [placedReason, liftReason, p.customerId, p.email, 'Subpoena']) expect(shown.text).not.toContain(secret);
    await home.request('DELETE', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
  });

  it('makes an erasure wait, on hold, and lets it complete once lifted', async () => {
    const p = await populate(home, { session: false });
    expect((await hold(p.customerId, 'Tax audit 2024')).status).toBe(200);
    const req = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
    expect(req.status).toBe(202);
    expect((await receipt(req.body.receiptId)).body.status).toBe('on-hold');

    await advance(home, 31 * DAY);
    await expectIntact(home, p);
    const waiting = await receipt(req.body.receiptId);
    expect(waiting.body).toMatchObject({ status: 'on-hold', onHoldSince: expect.any(String) });
    expect(waiting.body.completedAt).toBeUndefined();

    expect((await lift(p.customerId)).status).toBe(200);
    const resumed = await receipt(req.body.receiptId);
    expect(resumed.body.status).toBe('pending');
    // Held before the request: the history starts with the hold's own date.
    expect(resumed.body.history.map((h: { event: string }) => h.event)).toEqual(['hold_placed', 'hold_lifted']);
    expect(Date.parse(resumed.body.history[0].at)).toBeLessThanOrEqual(Date.parse(waiting.body.onHoldSince));
    await advance(home, 61);
    expect((await receipt(req.body.receiptId)).body.status).toBe('completed');
    await expectNothingLeft(home, p);
  });

  it('placed on a pending erasure holds it too, and lifted within the grace period leaves its date as it was', async () => {
    const p = await populate(home, { session: false });
    const req = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
    await hold(p.customerId, 'Regulator inquiry');
    expect((await receipt(req.body.receiptId)).body.status).toBe('on-hold');
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).body.erasure.status).toBe('on-hold');
    await advance(home, 5 * DAY);
    await lift(p.customerId);
    const after = await receipt(req.body.receiptId);
    expect(after.body).toMatchObject({ status: 'pending', scheduledFor: req.body.scheduledFor });
    await advance(home, 26 * DAY);
    expect((await receipt(req.body.receiptId)).body.status).toBe('completed');
    await expectNothingLeft(home, p);
  });

  it('stops TTL expiry of every row of the customer, and after it is lifted retention runs again', async () => {
    const p = await populate(home, { session: false });
    await hold(p.customerId, 'Pending lawsuit');
    const held = await ttlsOf(p);
    for (const [table, rows] of Object.entries(held)) {
      expect(rows.length, table).toBeGreaterThan(0);
      expect(
        rows.every((has) => !has),
        `${table} rows keep no TTL`,
      ).toBe(true);
    }
    // A new interaction during the hold is activity: it loses its TTL too.
    await home.request('POST', `/v1/customers/${p.customerId}/interactions`, {
      token: TOKENS.agent,
      body: { channel: 'chat', summary: 'Asked about the case' },
    });
    expect((await ttlsOf(p)).interactions.every((has) => !has)).toBe(true);

    // Far beyond every retention period: nothing goes.
    await advance(home, 1200 * DAY);
    await expectIntact(home, p);
    expect((await ttlsOf(p)).transactions.length).toBe(1);

    await lift(p.customerId);
    const restored = await ttlsOf(p);
    for (const [table, rows] of Object.entries(restored))
      expect(
        rows.every((has) => has),
        `${table} rows have their TTL back`,
      ).toBe(true);
    // Their retention ended long ago: reads treat them as gone at once, the TTL deletes them.
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).status).toBe(404);
    await advance(home, 60);
    // Past 3 years, the purchases' own retention ended too.
    await expectNothingLeft(home, p, { kept: [] });
  });

  it('tells a customer who asks for erasure while held that it waits for the hold, not that it happens on the date', async () => {
    const p = await populate(home, { session: false });
    expect((await hold(p.customerId, 'Audit 2026-11')).status).toBe(200);
    const res = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
    expect(res.status).toBe(202);
    const notice = home.outbox
      .list()
      .filter((m) => m.to === p.email && /erasure/i.test(m.subject ?? m.body))
      .at(-1);
    expect(notice?.body).toContain('A legal obligation requires us to keep your data for now');
    expect(notice?.body).not.toContain('It will be carried out on');
    expect((await receipt(res.body.receiptId)).body.status).toBe('on-hold');
  });
});
