/** Retention on the in-memory store: activity extends it, expiry cascades (or a hold puts the row back). */
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

describe('retention', () => {
  it('activity moves the TTL of the row, its index entry and its key (7 days longer) to a full period from the end of today', async () => {
    const home = memoryHome();
    const p = await populate(home);
    home.clock.advance(100 * DAY);
    await home.app.retention.touch(p.customerId);
    const today = home.clock.now().toISOString().slice(0, 10);
    const next = home.app.policy.ttlFor('contact', new Date(`${today}T00:00:00.000Z`)) + DAY;
    expect(await ttls(home, p)).toEqual({ customer: next, index: next, key: next + 7 * DAY });
    // Whole days only: nothing in the row dates the activity (or the interaction written with it) finer.
    expect(next % DAY).toBe(0);
    expect((await rowOf(home, p.customerId))?.lastActivityAt).toBe(today);
    expect((await home.store.get('customers', { customerId: p.customerId }))?.lastActivityAt).toBe(today);
  });

  it('writes only when the TTL would move by a day or more', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const before = await ttls(home, p);
    // The test clock starts at 09:00: later the same day the TTL stays, the next day it moves by one day.
    home.clock.advance(DAY - 9 * 3600 - 60);
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
});
