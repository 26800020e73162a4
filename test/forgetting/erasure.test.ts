import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasureCategories } from '../../lambdas/core/forgetting/receipts';
import { DEFAULT_POLICY } from '../../lambdas/core/policy/retention-policy';
import { oneCalendarMonthAfter } from '../../lambdas/core/policy/time';
import { Outbox } from '../../local/outbox';
import { scanAll, textsOf } from '../support/tables';
import { TOKENS, type TestHome } from '../support/home';
import { advance, DAY, expectIntact, expectNothingLeft, messagesTo, populate, sentTo, startForgettingHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startForgettingHome();
});
afterAll(async () => home?.close());

const requestErasure = (id: string, token: string = TOKENS.officer) => home.request('POST', `/v1/customers/${id}/erasure`, { token });
const cancelErasure = (id: string, token: string = TOKENS.officer) => home.request('DELETE', `/v1/customers/${id}/erasure`, { token });
const receipt = (receiptId: string) => home.request('GET', `/v1/erasure-receipts/${receiptId}`);

describe('an erasure request', () => {
  it('can be cancelled within the grace period, and a new request then completes after it, leaving nothing readable', async () => {
    const p = await populate(home);

    const first = await requestErasure(p.customerId);
    expect(first.status, first.text).toBe(202);
    // 30 days of grace, or less when the next calendar month ends first (Art. 12(3)).
    const now = home.clock.now();
    const expected = Math.min(30 * DAY * 1000, oneCalendarMonthAfter(now).getTime() - now.getTime());
    expect(Date.parse(first.body.scheduledFor) - now.getTime()).toBeGreaterThan(expected - 2_000);
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).body.erasure).toEqual({
      status: 'pending',
      scheduledFor: first.body.scheduledFor,
      receiptId: first.body.receiptId,
    });
    expect((await receipt(first.body.receiptId)).body.status).toBe('pending');

    const cancelled = await cancelErasure(p.customerId);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toEqual({ receiptId: first.body.receiptId, status: 'cancelled' });
    expect((await receipt(first.body.receiptId)).body).toMatchObject({ status: 'cancelled', categories: { deleted: [], retained: [] } });
    expect(await home.scheduler.due()).toEqual([]);

    await advance(home, 10 * DAY);
    const second = await requestErasure(p.customerId);
    expect(second.status).toBe(202);
    expect(second.body.receiptId).not.toBe(first.body.receiptId);

    // A day before the date given, nothing has happened; a minute after it, all is done.
    const runsIn = (Date.parse(second.body.scheduledFor) - home.clock.now().getTime()) / 1000;
    await advance(home, runsIn - DAY);
    await expectIntact(home, p);
    await advance(home, 1 * DAY + 60);

    const done = await receipt(second.body.receiptId);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'completed',
      requestedAt: expect.any(String),
      scheduledFor: second.body.scheduledFor,
      completedAt: expect.any(String),
    });
    expect(done.body.categories).toEqual(erasureCategories(DEFAULT_POLICY));
    expect(done.body.categories.retained.map((c: { category: string }) => c.category).sort()).toEqual(['accessLog', 'purchases']);
    for (const secret of [...p.secrets, p.customerId]) expect(done.text).not.toContain(secret);
    // The first (cancelled) request stays cancelled.
    expect((await receipt(first.body.receiptId)).body.status).toBe('cancelled');

    await expectNothingLeft(home, p);
  });

  it('tells the customer when it is requested, cancelled and carried out, the last time without any link', async () => {
    const p = await populate(home, { session: false });
    const r1 = await requestErasure(p.customerId);
    await cancelErasure(p.customerId);
    const r2 = await requestErasure(p.customerId);
    await advance(home, 30 * DAY + 60);
    // As the customer's inbox keeps them: the local outbox forgets them with the erasure.
    const mine = sentTo(home, p.email);
    expect(mine.map((m) => m.subject)).toEqual([
      'Your erasure request',
      'Your erasure request was cancelled',
      'Your erasure request',
      'We are erasing your data now',
    ]);
    expect(mine.at(-1)!.body).toContain(r2.body.receiptId);
    expect(mine.at(-1)!.body).not.toMatch(/https?:|<img|<a /i);
    expect(mine[0].body).toContain(r1.body.receiptId);
  });

  it('leaves nothing of the customer in the local outbox, in memory, on disk or at /dev/outbox; others keep theirs', async () => {
    const p = await populate(home);
    const other = await populate(home);
    await requestErasure(other.customerId);
    await requestErasure(p.customerId);
    expect(messagesTo(home, p.email).length, 'a sign-in code and the erasure notice').toBeGreaterThanOrEqual(2);
    const file = join(home.dataDir, 'outbox.jsonl');
    expect(readFileSync(file, 'utf8')).toContain(p.email);
    await cancelErasure(other.customerId);
    const othersBefore = messagesTo(home, other.email).length;

    await advance(home, 30 * DAY + 60);
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).status).toBe(404);
    expect(messagesTo(home, p.email)).toEqual([]);
    expect(home.outbox.list().some((m) => m.customerId === p.customerId)).toBe(false);
    expect(readFileSync(file, 'utf8')).not.toContain(p.email);
    expect(readFileSync(file, 'utf8')).not.toContain(p.customerId);
    expect((await home.request('GET', '/dev/outbox')).text).not.toContain(p.email);
    // The other customer, not erased, keeps every message; a restart reads the same outbox back.
    expect(messagesTo(home, other.email)).toHaveLength(othersBefore);
    const reread = new Outbox(home.clock, file).list();
    expect(reread.filter((m) => m.to === other.email)).toHaveLength(othersBefore);
    expect(reread.filter((m) => m.to === p.email)).toEqual([]);
  });

  it('answers a repeated request with the same receipt and keeps one schedule', async () => {
    const p = await populate(home, { session: false });
    const a = await requestErasure(p.customerId);
    const b = await requestErasure(p.customerId, TOKENS.admin);
    expect(b.status).toBe(202);
    expect(b.body).toEqual(a.body);
    const rows = (await scanAll(home.dynamo)).schedules.filter((r) => JSON.stringify(r).includes(p.customerId));
    expect(rows.map((r) => r.name.S)).toEqual([`erase-${a.body.receiptId}`]);
    await cancelErasure(p.customerId);
  });

  it('is for privacy officers and admins only', async () => {
    const p = await populate(home, { session: false });
    expect((await requestErasure(p.customerId, TOKENS.agent)).status).toBe(403);
    expect((await cancelErasure(p.customerId, TOKENS.agent)).status).toBe(403);
    expect((await home.request('POST', `/v1/customers/${p.customerId}/erasure`)).status).toBe(401);
    expect(await home.scheduler.due()).toEqual([]);
  });

  it('cannot be cancelled when none is pending, and refuses a body', async () => {
    const p = await populate(home, { session: false });
    const none = await cancelErasure(p.customerId);
    expect(none.status).toBe(404);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    const withBody = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer, body: { when: 'now' } });
    expect(withBody.status).toBe(400);
    expect(withBody.body.code).toBe('unexpected_field');
    expect((await receipt('not-a-receipt')).status).toBe(400);
    expect((await receipt('6f1c7a52-8a54-4c4e-9f0e-2a4b8c1d2e3f')).status).toBe(404);
  });

  it('cannot be cancelled, nor held, once the erasure is under way', async () => {
    const p = await populate(home, { session: false });
    const r = await requestErasure(p.customerId);
    // The handler has taken the request over (as it does first thing), then stopped.
    const row = await home.app.customers.require(p.customerId);
    await home.app.ports.store.put('customers', {
      ...row,
      v: row.v + 1,
      erasure: { ...row.erasure!, startedAt: home.clock.now().toISOString() },
    } as never);
    const cancel = await cancelErasure(p.customerId);
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('erasure_in_progress');
    const hold = await home.request('PUT', `/v1/customers/${p.customerId}/legal-hold`, {
      token: TOKENS.officer,
      body: { reason: 'Case 2024-17' },
    });
    expect(hold.status).toBe(409);
    home.clock.advance(30 * DAY + 1);
    await home.app.erasureRun.execute({ customerId: p.customerId, receiptId: r.body.receiptId });
    expect((await receipt(r.body.receiptId)).body.status).toBe('completed');
  });

  it('requested twice at the same moment, answers both with one receipt and still completes', async () => {
    const p = await populate(home, { session: false });
    const [a, b] = await Promise.all([requestErasure(p.customerId), requestErasure(p.customerId, TOKENS.admin)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body).toEqual(a.body);
    await advance(home, 30 * DAY + 60);
    expect((await receipt(a.body.receiptId)).body.status).toBe('completed');
    await expectNothingLeft(home, p);
  });

  it('lets a customer request and cancel only their own erasure', async () => {
    const p = await populate(home, { session: false });
    const other = await populate(home, { session: false });
    const me = { kind: 'customer' as const, customerId: p.customerId, sessionId: 'session#test' };
    await expect(home.app.erasure.request(me, other.customerId)).rejects.toMatchObject({ code: 'not_found' });
    const mine = await home.app.erasure.request(me, p.customerId);
    expect((await receipt(mine.receiptId)).body.status).toBe('pending');
    await expect(home.app.erasure.cancel(me, other.customerId)).rejects.toMatchObject({ code: 'not_found' });
    expect(await home.app.erasure.cancel(me, p.customerId)).toEqual({ receiptId: mine.receiptId, status: 'cancelled' });
  });

  it('makes the customer unable to sign in to the portal', async () => {
    const p = await populate(home);
    await requestErasure(p.customerId);
    await advance(home, 30 * DAY + 60);
    const before = messagesTo(home, p.email).length;
    const login = await home.request('POST', '/v1/portal/login', { body: { email: p.email } });
    expect(login.status).toBe(202);
    expect(messagesTo(home, p.email)).toHaveLength(before);
  });

  it('writes requests and cancellations to the access log, and nothing personal to the receipts table', async () => {
    const p = await populate(home, { session: false });
    await requestErasure(p.customerId);
    await cancelErasure(p.customerId);
    const log = await home.request('GET', `/v1/customers/${p.customerId}/access-log`, { token: TOKENS.officer });
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['request_erasure', 'cancel_erasure']));
    const receipts = (await scanAll(home.dynamo)).receipts;
    const texts = receipts.flatMap((r) => Object.values(r).flatMap(textsOf)).join('\n');
    for (const secret of p.secrets) expect(texts).not.toContain(secret);
  });

  it('keeps the access log readable to a privacy officer after the erasure, with the purposes gone', async () => {
    const p = await populate(home, { session: false });
    await home.request('POST', `/v1/customers/${p.customerId}/reveal`, { token: TOKENS.officer, body: { purpose: 'before the erasure' } });
    await requestErasure(p.customerId);
    await advance(home, 30 * DAY + 60);
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.officer })).status).toBe(404);
    const log = await home.request('GET', `/v1/customers/${p.customerId}/access-log`, { token: TOKENS.officer });
    expect(log.status).toBe(200);
    const reveal = log.body.items.find((e: { action: string }) => e.action === 'reveal');
    expect(reveal).toMatchObject({ actor: 'staff:staff-officer-1', purpose: null });
    expect(log.text).not.toContain('before the erasure');
    expect(
      (await home.request('GET', '/v1/customers/6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f/access-log', { token: TOKENS.officer })).status,
    ).toBe(404);
  });
});
