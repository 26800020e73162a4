/** Retention on the in-memory store: activity extends it, expiry cascades (or a hold puts the row back), reminders go once. */
import { describe, expect, it } from 'vitest';
import type { Item } from '../../../lambdas/core/shared/ports';
import { DAY, expectErased, expectIntact, memoryHome, officer, populate, rowOf, type MemoryHome, type Populated } from './support';

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

async function ttls(home: MemoryHome, p: Populated) {
  const ttl = (item: Item | undefined) => item?.expiresAt as number | undefined;
  return {
    customer: ttl(await home.store.get('customers', { customerId: p.customerId })),
    key: ttl(await home.store.get('customer-keys', { customerId: p.customerId })),
    index: ttl(await home.store.get('contact-index', { lookup: p.lookup })),
  };
}

const subjects = (home: MemoryHome, p: Populated) => home.outbox.filter((m) => m.to === p.email).map((m) => m.subject);

describe('retention', () => {
  it('activity moves the TTL of the row, its index entry and its key (7 days longer) to a full period from now', async () => {
    const home = memoryHome();
    const p = await populate(home);
    home.clock.advance(100 * DAY);
    await home.app.retention.touch(p.customerId);
    const next = home.app.policy.ttlFor('contact', home.clock.now());
    expect(await ttls(home, p)).toEqual({ customer: next, index: next, key: next + 7 * DAY });
    expect((await rowOf(home, p.customerId))?.lastActivityAt).toBe(home.clock.now().toISOString());
  });

  it('writes only when the TTL would move by a day or more', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const before = await ttls(home, p);
    home.clock.advance(DAY - 60);
    await home.app.retention.touch(p.customerId);
    expect(await ttls(home, p)).toEqual(before);
    home.clock.advance(60);
    await home.app.retention.touch(p.customerId);
    expect((await ttls(home, p)).customer).toBe(before.customer! + DAY);
  });

  it('a customer past its TTL stays gone: activity does not bring it back, though the row is not deleted yet', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const before = await ttls(home, p);
    home.clock.advance(731 * DAY);
    await home.app.retention.touch(p.customerId);
    expect(await ttls(home, p)).toEqual(before);
    expect(await home.app.customers.load(p.customerId)).toBeUndefined();
  });

  it('the TTL deletion of a customer row cascades to everything linked to it', async () => {
    const home = memoryHome();
    const p = await populate(home);
    home.clock.advance(731 * DAY);
    const old = await rowOf(home, p.customerId);
    await home.store.delete('customers', { customerId: p.customerId }); // what DynamoDB's TTL deleter does
    expect(await home.app.retention.onExpired(old!)).toBe('cascaded');
    await expectErased(home, p);
  });

  it('a TTL deletion racing a legal hold puts the row back without a TTL, and erases nothing', async () => {
    const home = memoryHome();
    const p = await populate(home);
    await home.app.legalHolds.place(officer, p.customerId, 'Court order 12/2025');
    const old = await rowOf(home, p.customerId);
    await home.store.delete('customers', { customerId: p.customerId });
    expect(await home.app.retention.onExpired({ ...old!, expiresAt: epoch(home.clock.now()) })).toBe('restored');
    const back = await rowOf(home, p.customerId);
    expect(back?.legalHold).toBeDefined();
    expect(back?.expiresAt).toBeUndefined();
    await expectIntact(home, p);
  });

  it('reminds once before consent lapses and once before retention ends, and again after activity moved the end', async () => {
    const home = memoryHome();
    const p = await populate(home);
    home.clock.advance(340 * DAY); // communications consent (365 days) lapses within the 30-day lead
    expect(await home.app.retention.daily()).toEqual({ retention: 0, communications: 1, rejected: 0, failed: 0 });
    expect(await home.app.retention.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    home.clock.advance(365 * DAY); // day 705: retention ends on day 730
    expect(await home.app.retention.daily()).toEqual({ retention: 1, communications: 0, rejected: 0, failed: 0 });
    expect(await home.app.retention.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    await home.app.retention.touch(p.customerId);
    home.clock.advance(701 * DAY); // 29 days before the moved end
    expect(await home.app.retention.daily()).toEqual({ retention: 1, communications: 0, rejected: 0, failed: 0 });
    expect(subjects(home, p).filter((s) => s !== 'We will delete your data soon')).toEqual(['Your permission to hear from us ends soon']);
    expect(subjects(home, p).filter((s) => s === 'We will delete your data soon')).toHaveLength(2);
  });

  it('sends no reminder to a customer whose erasure was requested', async () => {
    const home = memoryHome();
    const p = await populate(home);
    await home.app.erasure.request(officer, p.customerId);
    const sent = home.outbox.length;
    home.clock.advance(705 * DAY);
    expect(await home.app.retention.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    expect(home.outbox).toHaveLength(sent);
  });
});
