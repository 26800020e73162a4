/**
 * DynamoDB item sizes and on-demand request units, counted over the in-memory store. Every expected
 * number is worked out by hand in the comment beside it, from the rules in item-size.ts and capacity.ts.
 */
import { createRequire } from 'node:module';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { CapacityCounter } from '../../lambdas/adapters/memory/capacity';
import { itemSize, numberSize } from '../../lambdas/adapters/memory/item-size';
import { MemoryStore } from '../../lambdas/adapters/memory/store';
import { ConditionFailedError } from '../../lambdas/core/shared/errors';
import type { Item } from '../../lambdas/core/shared/ports';

describe('item size', () => {
  it('counts attribute names and values by DynamoDB rules', () => {
    // "customerId" 10 + "c1" 2, "v" 1 + the number 1 (one digit: 1 pair + 1) 2.
    expect(itemSize({ customerId: 'c1', v: 1 })).toBe(15);
    // "é" and "😀" are 2 and 4 UTF-8 bytes; a name counts in UTF-8 too: "é" 2 + "😀" 4.
    expect(itemSize({ é: '😀' })).toBe(6);
    // "b" 1 + 5 raw bytes; "t" 1 + true 1; "n" 1 + null 1; undefined is not stored.
    expect(itemSize({ b: new Uint8Array(5), t: true, n: null, u: undefined })).toBe(10);
    // "consent" 7 + list [3 + (1 + map {3 + (1 + "at" 2 + "x" 1)})] = 7 + 3 + 1 + 7 = 18;
    // "legalHold" 9 + 1; "erasure" 7 + 1; "customerId" 10 + "c2" 2. 18 + 10 + 8 + 12 = 48.
    expect(itemSize({ customerId: 'c2', consent: [{ at: 'x' }], legalHold: true, erasure: null })).toBe(48);
    // Empty list and map: 3 each, plus the names.
    expect(itemSize({ l: [], m: {} })).toBe(8);
  });

  it('stores a number as base-100 digit pairs aligned on the decimal point, plus 1 byte, plus 1 when negative', () => {
    expect(numberSize(0)).toBe(1);
    expect(numberSize(5)).toBe(2); // "05"
    expect(numberSize(12)).toBe(2); // "12"
    expect(numberSize(123)).toBe(3); // "01" "23"
    expect(numberSize(1.5)).toBe(3); // "01" . "50"
    expect(numberSize(0.15)).toBe(2); // . "15"
    expect(numberSize(0.05)).toBe(2); // . "05"
    expect(numberSize(-5)).toBe(3); // "05" and the sign
    expect(numberSize(1_700_000_000)).toBe(2); // "17" then zeros, which are trimmed
    expect(numberSize(1_700_000_000_123)).toBe(8); // 13 digits: "01" "70" ... "23", 7 pairs
    expect(numberSize(1.5e-7)).toBe(2); // 0.00000015: the pair "15"
  });

  it('agrees with dynalite’s size for every kind of value, over many numbers', () => {
    const dynalite = createRequire(import.meta.url)('dynalite/db/index.js') as { itemSize(item: unknown): number };
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      const n = Math.round((next() - 0.5) * 10 ** Math.floor(next() * 24 - 10) * 1e6) / 1e6;
      const item: Item = { a: n, list: [n, 'x', null, true, { k: n }], m: { b: new Uint8Array(3), s: 'hello' } };
      expect(itemSize(item), String(n)).toBe(dynalite.itemSize(marshall(item, { allowImpreciseNumbers: true })));
    }
  });
});

describe('request units', () => {
  let store: MemoryStore;
  let counter: CapacityCounter;
  const big = { customerId: 'c1', sealed: new Uint8Array(5000) }; // 10 + 2 + 6 + 5000 = 5018 bytes
  const small = { customerId: 'c1', v: 1 }; // 15 bytes

  beforeEach(() => {
    store = new MemoryStore();
    counter = new CapacityCounter(store);
  });

  const units = (table: 'customers' | 'interactions' | 'sessions' | 'transactions') => counter.byTable()[table];

  it('a read costs the item rounded up to 4 KB, half when eventually consistent; a missing item the minimum', async () => {
    await store.put('customers', big);
    await counter.get('customers', { customerId: 'c1' }, { consistent: true }); // ceil(5018 / 4096) = 2
    await counter.get('customers', { customerId: 'c1' }); // 2 / 2 = 1
    await counter.get('customers', { customerId: 'nobody' }); // ½
    await counter.get('customers', { customerId: 'nobody' }, { consistent: true }); // 1
    expect(units('customers')).toMatchObject({ reads: 4, readUnits: 4.5, writes: 0, writeUnits: 0 });
  });

  it('a write costs the larger of the old and new item rounded up to 1 KB; a delete the deleted item, 1 when absent', async () => {
    await counter.put('customers', small); // 15 bytes: 1
    await counter.put('customers', big); // max(15, 5018): ceil(5018 / 1024) = 5
    await counter.put('customers', small); // max(5018, 15): 5
    await counter.delete('customers', { customerId: 'c1' }); // the deleted 15 bytes: 1
    await counter.delete('customers', { customerId: 'c1' }); // absent: 1
    expect(units('customers')).toMatchObject({ writes: 5, writeUnits: 13, conditionFailures: 0, indexWriteUnits: 0 });
  });

  it('a failed condition still costs the existing item, at least 1 unit; nothing is written', async () => {
    await store.put('customers', big);
    await expect(counter.put('customers', small, { kind: 'notExists' })).rejects.toBeInstanceOf(ConditionFailedError); // 5018 bytes: 5
    await expect(counter.put('customers', { customerId: 'c2' }, { kind: 'exists' })).rejects.toBeInstanceOf(ConditionFailedError); // 1
    await expect(counter.delete('customers', { customerId: 'c1' }, { kind: 'equals', values: { v: 9 } })).rejects.toBeInstanceOf(
      ConditionFailedError,
    ); // 5
    expect(units('customers')).toMatchObject({ writes: 3, writeUnits: 11, conditionFailures: 3 });
    expect(await store.get('customers', { customerId: 'c1' })).toEqual(big);
  });

  it('a refused request costs nothing', async () => {
    await expect(counter.put('customers', { v: 1 })).rejects.toThrow(/Missing the key/);
    expect(counter.totals()).toMatchObject({ writes: 0, writeUnits: 0 });
  });

  it('a query costs the summed size of the items it read, rounded up to 4 KB once per request', async () => {
    // "pseudonym" 9 + "p" 1, "sk" 2 + 1, "summary" 7 + 2000: 2020 bytes each.
    for (const sk of ['a', 'b', 'c']) await store.put('interactions', { pseudonym: 'p', sk, summary: 'x'.repeat(2000) });
    await counter.query('interactions', 'p'); // 6060 bytes: ceil(6060 / 4096) = 2, eventually consistent: 1
    await counter.query('interactions', 'p', { consistent: true }); // 2
    await counter.query('interactions', 'p', { limit: 1 }); // 2020 bytes: ½
    await counter.query('interactions', 'nobody'); // nothing read: ½
    expect(units('interactions')).toMatchObject({ reads: 4, readUnits: 4 });
  });

  it('a query page of 1 MB and a scan are counted per page', async () => {
    // "customerId" 10 + "c" 1, "sk" 2 + "sN" 2, "items" 5 + 307 200: 307 220 bytes each.
    for (let i = 0; i < 5; i++) await store.put('transactions', { customerId: 'c', sk: `s${i}`, items: 'x'.repeat(300 * 1024) });
    const first = await counter.query('transactions', 'c'); // 4 items, 1 228 880 bytes: ceil(/4096) = 301, ½ each: 150.5
    expect(first.items).toHaveLength(4);
    await counter.query('transactions', 'c', { cursor: first.cursor }); // 307 220 bytes: 76 × ½ = 38
    for await (const _ of counter.scan('transactions')); // the same two pages: 150.5 + 38
    for await (const _ of counter.scan('sessions')); // an empty table, one empty page: ½
    expect(units('transactions')).toMatchObject({ reads: 4, readUnits: 377 });
    expect(units('sessions')).toMatchObject({ reads: 1, readUnits: 0.5 });
  });

  it('an index query costs the projected entries, eventually consistent', async () => {
    // Projected: "id" 2 + "s1" 2, "customerId" 10 + "c1" 2 = 16 bytes each, whatever else the row holds.
    await store.put('sessions', { id: 's1', customerId: 'c1', kind: 'session', codeHash: 'h'.repeat(3000) });
    await store.put('sessions', { id: 's2', customerId: 'c1', kind: 'session', codeHash: 'h'.repeat(3000) });
    await counter.queryIndex('sessions', 'byCustomer', 'c1'); // 32 bytes: ½
    expect(units('sessions')).toMatchObject({ reads: 1, readUnits: 0.5 });
  });

  it('a write that changes an index entry costs a write of that entry too', async () => {
    const row = { id: 's1', customerId: 'c1', kind: 'session' }; // 2 + 2 + 10 + 2 + 4 + 7 = 27 bytes: 1
    await counter.put('sessions', row); // new entry: +1
    await counter.put('sessions', { ...row, kind: 'code' }); // same keys, KEYS_ONLY: +0
    await counter.put('sessions', { ...row, customerId: 'c2' }); // key moved: delete + put, +2
    await counter.put('sessions', { id: 's1', kind: 'rate' }); // key gone: +1
    await counter.put('sessions', { id: 's2', kind: 'rate' }); // never in the index: +0
    await counter.put('sessions', { ...row, id: 's3' }); // +1
    await counter.delete('sessions', { id: 's3' }); // +1
    await expect(counter.put('sessions', { ...row, id: 's4' }, { kind: 'exists' })).rejects.toBeInstanceOf(ConditionFailedError); // +0
    expect(units('sessions')).toMatchObject({ writes: 8, writeUnits: 8, indexWriteUnits: 6, conditionFailures: 1 });
  });

  it('adds up per table, and starts again from zero', async () => {
    await counter.put('customers', small); // 1 write unit
    await counter.get('customers', { customerId: 'c1' }); // ½
    await counter.put('interactions', { pseudonym: 'p', sk: 'a' }); // 1
    await counter.put('sessions', { id: 's', customerId: 'c1' }); // 1, and 1 on the index
    expect(counter.totals()).toEqual({ readUnits: 0.5, writeUnits: 3, indexWriteUnits: 1, reads: 1, writes: 3, conditionFailures: 0 });
    counter.reset();
    expect(counter.totals()).toEqual({ readUnits: 0, writeUnits: 0, indexWriteUnits: 0, reads: 0, writes: 0, conditionFailures: 0 });
  });

  it('counts writes racing on one row exactly: each is priced against the row it replaced', async () => {
    await Promise.all([counter.put('customers', big), counter.put('customers', small), counter.put('customers', big)]);
    // 5018 over nothing: 5; 15 over 5018: 5; 5018 over 15: 5.
    expect(units('customers')).toMatchObject({ writes: 3, writeUnits: 15 });
  });
});
