/**
 * The in-memory store: the shared Store contract (store-contract.ts), plus what DynamoDB does and
 * dynalite does not check, and what only this adapter offers.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lambdas/adapters/memory/store';
import { describeStoreContract } from './store-contract';
import { expectRefused } from './store-contract-support';

describeStoreContract('MemoryStore', async () => ({ store: new MemoryStore(), close: async () => undefined }));

describe('MemoryStore beyond the contract', () => {
  it('refuses an empty index key, as DynamoDB does (dynalite accepts it)', async () => {
    const store = new MemoryStore();
    await expectRefused(store.put('sessions', { id: 's', customerId: '' }), /secondary index key is not supported/);
    expect(await store.get('sessions', { id: 's' })).toBeUndefined();
  });

  it('a refused write leaves the row and its index entry as they were', async () => {
    const store = new MemoryStore();
    await store.put('sessions', { id: 's', customerId: 'c1', kind: 'session' });
    await expectRefused(store.put('sessions', { id: 's', customerId: 7 }), /Type mismatch for Index Key/);
    expect(await store.get('sessions', { id: 's' })).toEqual({ id: 's', customerId: 'c1', kind: 'session' });
    expect((await store.queryIndex('sessions', 'byCustomer', 'c1')).items).toEqual([{ id: 's', customerId: 'c1' }]);
  });

  it('peek shows the stored row without copying it, for the capacity counter', async () => {
    const store = new MemoryStore();
    await store.put('customers', { customerId: 'c', v: 1 });
    expect(store.peek('customers', { customerId: 'c' })).toEqual({ customerId: 'c', v: 1 });
    expect(store.peek('customers', { customerId: 'other' })).toBeUndefined();
  });

  it('the same calls give the same answers, cursors included', async () => {
    const run = async () => {
      const store = new MemoryStore();
      for (let i = 0; i < 7; i++) await store.put('sessions', { id: `s${(i * 5) % 7}`, customerId: 'c' });
      const first = await store.queryIndex('sessions', 'byCustomer', 'c', { limit: 3 });
      const rows: unknown[] = [];
      for await (const row of store.scan('sessions')) rows.push(row);
      return { first, rows };
    };
    expect(await run()).toEqual(await run());
  });
});
