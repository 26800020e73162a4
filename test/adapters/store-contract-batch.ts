/** The Store contract, continued: batched deletes (see store-contract.ts). */
import { describe, expect, it } from 'vitest';
import type { Key, Store } from '../../lambdas/core/shared/ports';
import { allPages, expectRefused, unique } from './store-contract-support';

export function describeBatchContract(store: () => Store): void {
  describe('batched deletes', () => {
    it('deletes every row named, more than one BatchWriteItem call (25) of them, and nothing else', async () => {
      const pseudonym = unique('p');
      const keep = unique('p');
      const sks = Array.from({ length: 60 }, (_, i) => `2024-01-01T00:00:${String(i).padStart(2, '0')}Z#${i}`);
      for (const sk of sks) await store().put('behaviour', { pseudonym, sk, type: 'view' });
      await store().put('behaviour', { pseudonym: keep, sk: sks[0]!, type: 'view' });
      const gone = sks.slice(0, 55);
      await store().batchDelete(
        'behaviour',
        gone.map((sk) => ({ pseudonym, sk })),
      );
      const { items } = await allPages((cursor) => store().query('behaviour', pseudonym, { cursor, consistent: true }));
      expect(items.map((i) => i.sk)).toEqual(sks.slice(55));
      expect((await store().query('behaviour', keep)).items).toHaveLength(1);
    });

    it('absent rows and a key named twice are fine; an empty list does nothing', async () => {
      const customerId = unique('c');
      await store().put('customers', { customerId, v: 1 });
      const keys: Key[] = [{ customerId }, { customerId }, { customerId: unique('absent') }];
      await store().batchDelete('customers', keys);
      expect(await store().get('customers', { customerId }, { consistent: true })).toBeUndefined();
      await store().batchDelete('customers', []);
    });

    it('takes the rows out of their indexes too', async () => {
      const customerId = unique('c');
      const ids = [unique('s'), unique('s'), unique('s')];
      for (const id of ids) await store().put('sessions', { id, customerId, kind: 'session' });
      await store().batchDelete(
        'sessions',
        ids.map((id) => ({ id })),
      );
      expect((await store().queryIndex('sessions', 'byCustomer', customerId)).items).toEqual([]);
    });

    it('a key missing its sort key is refused, as DynamoDB refuses the call', async () => {
      const pseudonym = unique('p');
      await store().put('behaviour', { pseudonym, sk: 'a', type: 'view' });
      await expectRefused(store().batchDelete('behaviour', [{ pseudonym, sk: 'a' }, { pseudonym }]), /key|schema/i);
    });
  });
}
