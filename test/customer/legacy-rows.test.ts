/**
 * The customer row no longer carries the contact's blind index (`lookup`): it lives in the sealed record
 * and the contact index only. Rows written before keep working, and lose it (and their full-timestamp
 * `lastActivityAt`) on their next write.
 */
import { describe, expect, it } from 'vitest';
import { CustomerRowSchema, customerFromItem, customerToItem } from '../../lambdas/core/customer/record';
import { UndeclaredAttributeError } from '../../lambdas/core/shared/guarded-store';
import { TABLES } from '../../lambdas/core/policy/tables';
import { agent, DAY, expectErased, memoryHome, officer, populate, rowOf } from '../forgetting/memory/support';
import type { MemoryHome, Populated } from '../forgetting/memory/support';

/** Turns a customer back into what older code wrote: `lookup` on the row, not in the sealed record, a full timestamp. */
async function makeLegacy(home: MemoryHome, p: Populated): Promise<void> {
  const row = (await rowOf(home, p.customerId))!;
  const { lookup, ...older } = await home.app.customers.unseal(row);
  expect(lookup).toBe(p.lookup);
  const sealed = await home.app.vault.seal(p.customerId, 'contact', older);
  await home.store.put('customers', { ...customerToItem(row), sealed, lookup, lastActivityAt: home.clock.now().toISOString() });
}

const stored = (home: MemoryHome, p: Populated) => home.store.get('customers', { customerId: p.customerId });

describe('the customer record type', () => {
  it('has exactly the attributes of the customers table spec (current and legacy), so nothing is dropped unseen', () => {
    const spec = TABLES.customers;
    expect(Object.keys(CustomerRowSchema.shape).sort()).toEqual([...spec.attributes, ...(spec.legacyAttributes ?? [])].sort());
    expect(spec.attributes).not.toContain('lookup');
  });

  it('reads an older full-timestamp lastActivityAt as its day, and never writes a legacy attribute', () => {
    const row = customerFromItem({
      customerId: 'c',
      v: 1,
      sealed: new Uint8Array(1),
      contactType: 'email',
      lookup: 'ab',
      createdAt: '2025-01-01T10:00:00.000Z',
      lastActivityAt: '2025-02-03T04:05:06.789Z',
    });
    expect(row.lastActivityAt).toBe('2025-02-03');
    expect(customerToItem(row)).not.toHaveProperty('lookup');
  });

  it('a new customer row holds no blind index; the sealed record does, and the index entry', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const item = await stored(home, p);
    expect(item).not.toHaveProperty('lookup');
    expect(JSON.stringify(item)).not.toContain(p.lookup);
    expect((await home.app.customers.unseal((await rowOf(home, p.customerId))!)).lookup).toBe(p.lookup);
    expect(await home.store.get('contact-index', { lookup: p.lookup })).toMatchObject({ customerId: p.customerId });
  });

  it('the inventory guard refuses a customers write that carries a blind index', async () => {
    const home = memoryHome();
    const write = home.app.ports.store.put('customers', { customerId: 'c', v: 1, lookup: 'ab' });
    await expect(write).rejects.toBeInstanceOf(UndeclaredAttributeError);
  });
});

describe('a row written before the blind index moved into the sealed record', () => {
  it('is found by search and signs in; its next write drops lookup and the timestamp; it still works after', async () => {
    const home = memoryHome({ portal: { signIn: { loginBudgetMs: 20 } } });
    const p = await populate(home);
    await makeLegacy(home, p);
    expect(await stored(home, p)).toMatchObject({ lookup: p.lookup });
    expect(await home.app.customers.search(agent, { email: p.email })).toEqual({ customerId: p.customerId });

    home.clock.advance(2 * DAY);
    await home.app.retention.touch(p.customerId);
    const item = await stored(home, p);
    expect(item).not.toHaveProperty('lookup');
    expect(item?.lastActivityAt).toBe(home.clock.now().toISOString().slice(0, 10));
    // The index entry followed the new TTL: its key came from the row, the sealed record not having it.
    expect((await home.store.get('contact-index', { lookup: p.lookup }))?.expiresAt).toBe(item?.expiresAt);

    // Neither the row nor the record names the blind index now: it is computed again from the contact.
    expect(await home.app.customers.search(agent, { email: p.email })).toEqual({ customerId: p.customerId });
    await home.app.signIn.login({ email: p.email }, 'client-1');
    const code = /\b(\d{6,12})\b/.exec(home.outbox.at(-1)!.body)![1]!;
    expect((await home.app.signIn.verify({ email: p.email, code }, 'client-1')).token).toBeTruthy();
    await home.app.legalHolds.place(officer, p.customerId, 'a court case');
    expect((await home.store.get('contact-index', { lookup: p.lookup }))?.expiresAt).toBeUndefined();
    await home.app.legalHolds.lift(officer, p.customerId, 'the case is closed');
    expect((await home.store.get('contact-index', { lookup: p.lookup }))?.expiresAt).toBe((await stored(home, p))?.expiresAt);

    await home.app.cascade.run(p.customerId, await rowOf(home, p.customerId));
    await expectErased(home, p);
  });

  it('a contact-free change (the name) moves its blind index into the sealed record', async () => {
    const home = memoryHome();
    const p = await populate(home);
    await makeLegacy(home, p);
    await home.app.customers.patch(officer, p.customerId, { name: 'Renamed Person' });
    expect(await stored(home, p)).not.toHaveProperty('lookup');
    expect((await home.app.customers.unseal((await rowOf(home, p.customerId))!)).lookup).toBe(p.lookup);
  });

  it("is erased with its index entry, by the row's lookup", async () => {
    const home = memoryHome();
    const p = await populate(home);
    await makeLegacy(home, p);
    await home.app.cascade.run(p.customerId, await rowOf(home, p.customerId));
    await expectErased(home, p);
  });

  it('once the key is gone and nothing names the blind index, the index entry is found through its customerId index', async () => {
    const home = memoryHome();
    const p = await populate(home);
    await makeLegacy(home, p);
    home.clock.advance(2 * DAY);
    await home.app.retention.touch(p.customerId); // drops `lookup` from the row
    const row = await rowOf(home, p.customerId);
    expect(row?.lookup).toBeUndefined();
    await home.app.vault.shred(p.customerId); // a TTL race: the key went first
    await home.app.cascade.run(p.customerId, row);
    expect(await home.store.get('contact-index', { lookup: p.lookup })).toBeUndefined();
    expect((await home.store.queryIndex('contact-index', 'byCustomer', p.customerId)).items).toEqual([]);
  });
});
