/** The erase-everything cascade, on the in-memory store: what it deletes, what it keeps, and that it resumes. */
import { describe, expect, it } from 'vitest';
import { CASCADE_STEPS } from '../../../lambdas/core/forgetting/cascade';
import { allRows, expectErased, expectIntact, memoryHome, populate, rowOf } from './support';

describe('the cascade', () => {
  it('erases everything linked to the customer, and keeps purchases and the access log unreadable', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const other = await populate(home);
    await home.app.cascade.run(p.customerId, await rowOf(home, p.customerId));
    await expectErased(home, p);
    await expectIntact(home, other);
  });

  it.each(CASCADE_STEPS.slice(0, -1))('stopped after the %s step, a rerun from the recorded steps ends erased', async (stop) => {
    const home = memoryHome();
    const p = await populate(home);
    const row = await rowOf(home, p.customerId);
    const done: string[] = [];
    const crash = home.app.cascade.run(p.customerId, row, {
      onStep: async (step) => {
        done.push(step);
        if (step === stop) throw new Error('crash');
      },
    });
    await expect(crash).rejects.toThrow('crash');
    // The erasure handler hands the old row back on a rerun (the receipt names the steps done).
    await home.app.cascade.run(p.customerId, row, { done });
    await expectErased(home, p);
  });

  it('running twice changes nothing more', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const row = await rowOf(home, p.customerId);
    await home.app.cascade.run(p.customerId, row);
    const after = await allRows(home.store);
    await home.app.cascade.run(p.customerId, row);
    expect(await allRows(home.store)).toEqual(after);
  });

  it('leaves a blind-index entry another customer has taken over since', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const row = await rowOf(home, p.customerId);
    // After a TTL expiry, the contact was registered again for someone else before the cascade ran.
    await home.store.put('contact-index', { lookup: p.lookup, customerId: 'someone-else', createdAt: '2025-03-02T00:00:00.000Z' });
    await home.app.cascade.run(p.customerId, row);
    expect(await home.store.get('contact-index', { lookup: p.lookup })).toMatchObject({ customerId: 'someone-else' });
    expect(await home.store.get('customers', { customerId: p.customerId })).toBeUndefined();
  });

  it('sweeps the pseudonymous partitions again just before the customer row, for a write that landed meanwhile', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const row = await rowOf(home, p.customerId);
    await home.app.cascade.run(p.customerId, row, {
      onStep: async (step) => {
        // A request that passed `customers.require` before the erasure took over writes late.
        const late = { pseudonym: p.pseudonyms.interaction, sk: '2025-03-01#late', channel: 'chat' };
        if (step === 'key') await home.store.put('interactions', late);
      },
    });
    expect((await home.store.query('interactions', p.pseudonyms.interaction)).items).toEqual([]);
  });

  it('with the key already gone, leaves the unreadable pseudonymous rows to their TTL and erases the rest', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const row = await rowOf(home, p.customerId);
    await home.app.vault.shred(p.customerId);
    await home.app.cascade.run(p.customerId, row);
    expect(home.logged.filter((l) => l.level === 'warn').map((l) => l.message)).toContain(
      'cascade: customer key already gone; pseudonymous rows left to their TTL',
    );
    const left = (await home.store.query('interactions', p.pseudonyms.interaction)).items;
    expect(left).toHaveLength(1);
    expect(typeof left[0]!.expiresAt).toBe('number');
    expect(await home.store.get('customers', { customerId: p.customerId })).toBeUndefined();
    expect((await home.store.queryIndex('sessions', 'byCustomer', p.customerId)).items).toEqual([]);
    expect(await home.store.get('contact-index', { lookup: p.lookup })).toBeUndefined();
  });
});
