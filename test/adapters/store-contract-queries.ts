/** The Store contract, continued: partition queries, index queries, paging and scans (see store-contract.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../lambdas/core/shared/ports';
import { allPages, collect, expectBadCursor, expectRefused, unique } from './store-contract-support';

export function describeQueryContract(store: () => Store): void {
  describe('queries', () => {
    const pseudonym = unique('p');
    const other = unique('p');
    const sks = ['2024-01-03#c', '2024-01-01#a', '2024-02-01#d', '2024-01-02#b', '2023-12-31#z'];

    beforeAll(async () => {
      for (const sk of sks) await store().put('interactions', { pseudonym, sk, channel: 'email' });
      await store().put('interactions', { pseudonym: other, sk: '2024-01-01#other', channel: 'phone' });
    });

    it('returns one partition in ascending sort-key order, and descending on request', async () => {
      const asc = await store().query('interactions', pseudonym);
      expect(asc.items.map((i) => i.sk)).toEqual([...sks].sort());
      expect(asc.cursor).toBeUndefined();
      const desc = await store().query('interactions', pseudonym, { descending: true, consistent: true });
      expect(desc.items.map((i) => i.sk)).toEqual([...sks].sort().reverse());
    });

    it('orders string sort keys by their UTF-8 bytes, as DynamoDB does, not by JavaScript string order', async () => {
      const p = unique('p');
      for (const sk of ['a\u{1F600}', 'a\uFFFD', 'aZ', 'a', 'a\u00E9']) await store().put('interactions', { pseudonym: p, sk });
      const page = await store().query('interactions', p);
      expect(page.items.map((i) => i.sk)).toEqual(['a', 'aZ', 'a\u00E9', 'a\uFFFD', 'a\u{1F600}']);
    });

    it('returns only the sort keys that begin with the prefix', async () => {
      const page = await store().query('interactions', pseudonym, { prefix: '2024-01' });
      expect(page.items.map((i) => i.sk)).toEqual(['2024-01-01#a', '2024-01-02#b', '2024-01-03#c']);
      const newestFirst = (cursor: string | undefined) => ({ prefix: '2024-01', limit: 2, cursor, descending: true });
      const paged = await allPages((cursor) => store().query('interactions', pseudonym, newestFirst(cursor)));
      expect(paged.items.map((i) => i.sk)).toEqual(['2024-01-03#c', '2024-01-02#b', '2024-01-01#a']);
    });

    it('pages with limit and cursor until every row was seen exactly once', async () => {
      const { items, pages } = await allPages((cursor) => store().query('interactions', pseudonym, { limit: 2, cursor, descending: true }));
      expect(items.map((i) => i.sk)).toEqual([...sks].sort().reverse());
      expect(pages).toBe(3);
    });

    it('starts past a sort key value (`after`) in the direction of the query, present in the partition or not', async () => {
      const sorted = [...sks].sort();
      const up = await store().query('interactions', pseudonym, { after: '2024-01-01#a', limit: 2 });
      expect(up.items.map((i) => i.sk)).toEqual(['2024-01-02#b', '2024-01-03#c']);
      const down = await store().query('interactions', pseudonym, { after: '2024-01-02#b', descending: true });
      expect(down.items.map((i) => i.sk)).toEqual(['2024-01-01#a', '2023-12-31#z']);
      const between = await store().query('interactions', pseudonym, { after: '2024-01-015', descending: true, consistent: true });
      expect(between.items.map((i) => i.sk)).toEqual(sorted.filter((sk) => sk < '2024-01-015').reverse());
      expect((await store().query('interactions', other, { after: '2024-01-01#p' })).items).toEqual([]);
      await expect(store().query('interactions', pseudonym, { after: 'x', cursor: 'y' })).rejects.toThrow(/not both/);
    });

    it('a page that reaches its limit carries a cursor even when nothing follows; the next page is empty', async () => {
      const full = await store().query('interactions', pseudonym, { limit: sks.length });
      expect(full.items).toHaveLength(sks.length);
      expect(full.cursor).toBeDefined();
      expect(await store().query('interactions', pseudonym, { limit: sks.length, cursor: full.cursor })).toEqual({ items: [] });
      await expectRefused(store().query('interactions', pseudonym, { limit: 0 }), /greater than or equal to 1/);
    });

    it('a page ends once about 1 MB was read, with a cursor, whatever the limit', async () => {
      const customerId = unique('c');
      for (let i = 0; i < 5; i++) await store().put('transactions', { customerId, sk: `s${i}`, items: 'x'.repeat(300 * 1024) });
      const first = await store().query('transactions', customerId, { limit: 100 });
      expect(first.items.length).toBeLessThan(5);
      expect(first.cursor).toBeDefined();
      const { items } = await allPages((cursor) => store().query('transactions', customerId, { cursor }));
      expect(items.map((i) => i.sk)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    });

    it('refuses a cursor that is malformed or points into another partition', async () => {
      const first = await store().query('interactions', pseudonym, { limit: 1 });
      expect(first.cursor).toBeDefined();
      await expectBadCursor(store().query('interactions', other, { cursor: first.cursor }));
      await expectBadCursor(store().query('interactions', pseudonym, { cursor: 'not-a-cursor' }));
      const forged = Buffer.from(JSON.stringify({ pseudonym, sk: 'x', extra: 'y' })).toString('base64url');
      await expectBadCursor(store().query('interactions', pseudonym, { cursor: forged }));
    });

    it('refuses a prefix query on a table without a sort key, and a partition value of the wrong type', async () => {
      await expect(store().query('customers', 'x', { prefix: 'a' })).rejects.toThrow(/no sort key/);
      await expectRefused(store().query('interactions', 5), /Condition parameter type does not match schema type/);
    });

    it('a table without a sort key holds one row per partition', async () => {
      const customerId = unique('c');
      await store().put('customers', { customerId, v: 1 });
      await store().put('customers', { customerId, v: 2 });
      const page = await store().query('customers', customerId, { limit: 1 });
      expect(page.items).toEqual([{ customerId, v: 2 }]);
      expect(await store().query('customers', customerId, { cursor: page.cursor })).toEqual({ items: [] });
    });
  });

  describe('index queries', () => {
    const customerId = unique('c');
    const other = unique('c');
    const ids = ['s-1', 's-2', 's-3', 's-4', 's-5'].map((id) => `${id}-${customerId}`);

    beforeAll(async () => {
      for (const id of ids) await store().put('sessions', { id, kind: 'session', customerId, lastSeenAt: 1, createdAt: '2024-01-01' });
      await store().put('sessions', { id: unique('s'), kind: 'session', customerId: other });
      // A rate-limit row carries no customerId, so the index does not hold it.
      await store().put('sessions', { id: unique('rl'), kind: 'rate', count: 1 });
      await store().put('idempotency', { key: unique('k'), fingerprint: 'f', customerId });
    });

    it('finds every row of one customer by customerId, and only the keys the index projects', async () => {
      const page = await store().queryIndex('sessions', 'byCustomer', customerId);
      expect(page.items.map((i) => i.id).sort()).toEqual([...ids].sort());
      for (const item of page.items) expect(Object.keys(item).sort()).toEqual(['customerId', 'id']);
      expect(page.cursor).toBeUndefined();
      const idem = await store().queryIndex('idempotency', 'byCustomer', customerId);
      expect(idem.items).toHaveLength(1);
      expect(Object.keys(idem.items[0]!).sort()).toEqual(['customerId', 'key']);
    });

    it('finds nothing for a customer without rows', async () => {
      expect((await store().queryIndex('sessions', 'byCustomer', unique('nobody'))).items).toEqual([]);
    });

    it('follows a row whose index key changes or that is deleted', async () => {
      const [from, to] = [unique('c'), unique('c')];
      const id = unique('s');
      await store().put('sessions', { id, kind: 'session', customerId: from });
      await store().put('sessions', { id, kind: 'session', customerId: to });
      expect((await store().queryIndex('sessions', 'byCustomer', from)).items).toEqual([]);
      expect((await store().queryIndex('sessions', 'byCustomer', to)).items).toEqual([{ id, customerId: to }]);
      await store().put('sessions', { id, kind: 'rate' });
      expect((await store().queryIndex('sessions', 'byCustomer', to)).items).toEqual([]);
      await store().put('sessions', { id, kind: 'session', customerId: to });
      await store().delete('sessions', { id });
      expect((await store().queryIndex('sessions', 'byCustomer', to)).items).toEqual([]);
    });

    it('pages with limit and cursor until every row was seen exactly once', async () => {
      const { items, pages } = await allPages((cursor) => store().queryIndex('sessions', 'byCustomer', customerId, { limit: 2, cursor }));
      expect(items.map((i) => String(i.id)).sort()).toEqual([...ids].sort());
      expect(pages).toBe(3);
    });

    it('refuses a cursor that belongs to another customer or is malformed', async () => {
      const first = await store().queryIndex('sessions', 'byCustomer', customerId, { limit: 1 });
      expect(first.cursor).toBeDefined();
      await expectBadCursor(store().queryIndex('sessions', 'byCustomer', other, { cursor: first.cursor }));
      await expectBadCursor(store().queryIndex('sessions', 'byCustomer', customerId, { cursor: 'not-a-cursor' }));
      expect((await store().queryIndex('sessions', 'byCustomer', customerId, { cursor: first.cursor })).items.length).toBeGreaterThan(0);
    });

    it('an index with a sort key: its partition in sort-key order, up to atMost, paged; a row lacking a key is not in it', async () => {
      const shard = 1_000 + Number(unique('n').split('-').at(-1));
      const days = ['2025-01-03', '2025-01-01', '2025-01-02', '2025-02-01'];
      const ids = days.map(() => unique('c'));
      for (const [i, day] of days.entries())
        await store().put('customers', { customerId: ids[i]!, v: 1, remindShard: shard, remindOn: day });
      await store().put('customers', { customerId: unique('c'), v: 1, remindShard: shard }); // no sort key: not indexed
      const all = await store().queryIndex('customers', 'byRemindOn', shard);
      expect(all.items.map((i) => i.remindOn)).toEqual([...days].sort());
      const due = await allPages((cursor) =>
        store().queryIndex('customers', 'byRemindOn', shard, { atMost: '2025-01-02', limit: 1, cursor }),
      );
      expect(due.items.map((i) => i.remindOn)).toEqual(['2025-01-01', '2025-01-02']);
      expect(due.items[0]).toMatchObject({ customerId: ids[1], v: 1 }); // whole rows: the index projects ALL
      await store().put('customers', { customerId: ids[1]!, v: 2, remindShard: shard, remindOn: '2025-03-01' });
      const moved = await store().queryIndex('customers', 'byRemindOn', shard, { atMost: '2025-01-31' });
      expect(moved.items.map((i) => i.remindOn)).toEqual(['2025-01-02', '2025-01-03']);
    });

    it('refuses an index the table spec does not declare', async () => {
      await expect(store().queryIndex('customers', 'byCustomer', customerId)).rejects.toThrow(/no index/);
    });
  });

  describe('scans', () => {
    it('yields every row of a table once', async () => {
      const written = new Set<string>();
      const tag = unique('b');
      for (let i = 0; i < 23; i++) {
        const sk = `${tag}#${String(i).padStart(2, '0')}`;
        await store().put('behaviour', { pseudonym: `${tag}-${i % 5}`, sk, type: 'view' });
        written.add(`${tag}-${i % 5}|${sk}`);
      }
      const mine = (await collect(store().scan('behaviour'))).filter((i) => String(i.sk).startsWith(tag));
      expect(mine).toHaveLength(23);
      expect(new Set(mine.map((i) => `${i.pseudonym}|${i.sk}`))).toEqual(written);
    });

    it('splits a scan into segments that together yield every row exactly once, a partition in one segment', async () => {
      const tag = unique('seg');
      const written: string[] = [];
      for (let i = 0; i < 40; i++) {
        const sk = `${tag}#${String(i).padStart(2, '0')}`;
        await store().put('behaviour', { pseudonym: `${tag}-${i % 13}`, sk, type: 'view' });
        written.push(`${tag}-${i % 13}|${sk}`);
      }
      const segments = await Promise.all(
        [0, 1, 2].map(async (segment) => {
          const rows = await collect(store().scan('behaviour', { segment, totalSegments: 3 }));
          return rows.filter((i) => String(i.sk).startsWith(tag)).map((i) => `${i.pseudonym}|${i.sk}`);
        }),
      );
      expect(segments.flat().sort()).toEqual(written.sort());
      expect(segments.filter((rows) => rows.length > 0).length, 'the rows are spread over more than one segment').toBeGreaterThan(1);
      const partitionsOf = (rows: string[]) => new Set(rows.map((r) => r.split('|')[0]));
      const [a, b, c] = segments.map(partitionsOf);
      for (const p of a!) expect(b!.has(p) || c!.has(p)).toBe(false);
      for (const p of b!) expect(c!.has(p)).toBe(false);
    });

    it('scans an empty table to nothing', async () => {
      // No contract test writes receipts.
      expect(await collect(store().scan('receipts'))).toEqual([]);
    });
  });
}
