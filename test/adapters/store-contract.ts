/**
 * The Store port's contract: what every adapter (DynamoDB over dynalite, the in-memory store) must do
 * alike, because the domain relies on it. Each adapter's test file calls `describeStoreContract` once.
 * Reads and writes are here; queries, indexes and scans in store-contract-queries.ts; batched deletes in
 * store-contract-batch.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item, Store } from '../../lambdas/core/shared/ports';
import { describeBatchContract } from './store-contract-batch';
import { describeQueryContract } from './store-contract-queries';
import { expectLost, expectRefused, unique, type StoreUnderTest } from './store-contract-support';

export type { StoreUnderTest };

export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name}: the Store contract`, () => {
    let subject: StoreUnderTest | undefined;
    const store = () => subject!.store;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(async () => {
      await subject?.close();
    });
    describeWrites(store);
    describeValues(store);
    describeQueryContract(store);
    describeBatchContract(store);
  });
}

function describeWrites(store: () => Store): void {
  describe('reads and conditional writes', () => {
    it('reading a row that was never written returns undefined', async () => {
      expect(await store().get('customers', { customerId: unique('missing') })).toBeUndefined();
    });

    it('a create-only write refuses to overwrite an existing row', async () => {
      const customerId = unique('c');
      await store().put('customers', { customerId, v: 1 }, { kind: 'notExists' });
      await expectLost(store().put('customers', { customerId, v: 2 }, { kind: 'notExists' }));
      expect((await store().get('customers', { customerId }))?.v).toBe(1);
    });

    it('an update-only write refuses a row that does not exist', async () => {
      const customerId = unique('c');
      await expectLost(store().put('customers', { customerId, v: 1 }, { kind: 'exists' }));
      expect(await store().get('customers', { customerId })).toBeUndefined();
      await store().put('customers', { customerId, v: 1 });
      await store().put('customers', { customerId, v: 2 }, { kind: 'exists' });
      expect((await store().get('customers', { customerId }))?.v).toBe(2);
    });

    it('an equals condition writes only while every named attribute still holds the expected value', async () => {
      const customerId = unique('c');
      await store().put('customers', { customerId, v: 1, contactType: 'email' });
      const stale = { kind: 'equals', values: { v: 1, contactType: 'phone' } } as const;
      await expectLost(store().put('customers', { customerId, v: 2, contactType: 'email' }, stale));
      const current = { kind: 'equals', values: { v: 1, contactType: 'email' } } as const;
      await store().put('customers', { customerId, v: 2, contactType: 'email' }, current);
      // The optimistic-lock pattern: the second writer that read v=1 loses.
      await expectLost(store().put('customers', { customerId, v: 2 }, { kind: 'equals', values: { v: 1 } }));
      // Types matter: the number 2 is not the string "2".
      await expectLost(store().put('customers', { customerId, v: 3 }, { kind: 'equals', values: { v: '2' } }));
      expect((await store().get('customers', { customerId }))?.v).toBe(2);
    });

    it('an equals condition with an undefined value requires that attribute to be absent', async () => {
      const customerId = unique('c');
      await store().put('customers', { customerId, v: 1 });
      await store().put('customers', { customerId, v: 2, legalHold: true }, { kind: 'equals', values: { legalHold: undefined, v: 1 } });
      await expectLost(store().put('customers', { customerId, v: 3 }, { kind: 'equals', values: { legalHold: undefined } }));
      expect((await store().get('customers', { customerId }))?.legalHold).toBe(true);
      // On an absent row every attribute is absent, so the condition holds and the write creates it.
      const fresh = unique('c');
      await store().put('customers', { customerId: fresh, v: 1 }, { kind: 'equals', values: { v: undefined } });
      expect((await store().get('customers', { customerId: fresh }))?.v).toBe(1);
    });

    it('deleting an absent row succeeds, and deleting twice is harmless', async () => {
      const customerId = unique('c');
      await store().delete('customers', { customerId });
      await store().put('customers', { customerId, v: 1 });
      await store().delete('customers', { customerId });
      await store().delete('customers', { customerId });
      expect(await store().get('customers', { customerId })).toBeUndefined();
    });

    it('a conditional delete removes the row only when its condition holds', async () => {
      const customerId = unique('c');
      await expectLost(store().delete('customers', { customerId }, { kind: 'exists' }));
      await store().put('customers', { customerId, v: 5 });
      await expectLost(store().delete('customers', { customerId }, { kind: 'equals', values: { v: 4 } }));
      expect(await store().get('customers', { customerId })).toBeDefined();
      await store().delete('customers', { customerId }, { kind: 'equals', values: { v: 5 } });
      expect(await store().get('customers', { customerId })).toBeUndefined();
    });

    it('a row past its TTL is still there for every read until something deletes it: the domain treats it as absent', async () => {
      const customerId = unique('c');
      await store().put('customers', { customerId, v: 1, expiresAt: 1_000 });
      expect((await store().get('customers', { customerId }))?.expiresAt).toBe(1_000);
      await store().put('interactions', { pseudonym: customerId, sk: 'a', expiresAt: 1_000 });
      expect((await store().query('interactions', customerId)).items).toHaveLength(1);
      await store().put('customers', { customerId, v: 2, expiresAt: 1_000 }, { kind: 'exists' });
      expect((await store().get('customers', { customerId }, { consistent: true }))?.v).toBe(2);
    });
  });
}

function describeValues(store: () => Store): void {
  describe('values, keys and limits', () => {
    it('a row round-trips with binary ciphertexts, nested maps, lists, booleans, numbers and empty values', async () => {
      const customerId = unique('c');
      const item: Item = {
        customerId,
        v: 3,
        sealed: new Uint8Array([0, 1, 2, 254, 255]),
        contactType: '',
        lastActivityAt: 1_700_000_000_123,
        legalHold: false,
        erasure: null,
        reminders: { numbers: [0.1, -5, 1.5e-7, Number.MAX_SAFE_INTEGER], empty: {}, none: [], bytes: new Uint8Array(0) },
        consent: {
          marketing: { granted: true, proof: new Uint8Array([9, 8, 7]) },
          purposes: ['service', undefined, 'marketing'] as never,
          revokedAt: undefined,
        },
      };
      await store().put('customers', item);
      const back = await store().get('customers', { customerId }, { consistent: true });
      expect(back?.sealed).toBeInstanceOf(Uint8Array);
      expect(Array.from(back?.sealed as Uint8Array)).toEqual([0, 1, 2, 254, 255]);
      expect(back).toMatchObject({ v: 3, contactType: '', lastActivityAt: 1_700_000_000_123, legalHold: false, erasure: null });
      const reminders = back?.reminders as Record<string, unknown>;
      expect(reminders.numbers).toEqual([0.1, -5, 1.5e-7, Number.MAX_SAFE_INTEGER]);
      expect(reminders.empty).toEqual({});
      expect(reminders.none).toEqual([]);
      expect((reminders.bytes as Uint8Array).length).toBe(0);
      const consent = back?.consent as { marketing: { granted: boolean; proof: Uint8Array }; purposes: string[] };
      expect(Array.from(consent.marketing.proof)).toEqual([9, 8, 7]);
      // Undefined values are dropped rather than refused, in lists too.
      expect(consent.purposes).toEqual(['service', 'marketing']);
      expect(Object.keys(consent)).not.toContain('revokedAt');
    });

    it('what a caller holds is a copy: changing it changes nothing stored', async () => {
      const customerId = unique('c');
      const item = { customerId, consent: { purposes: ['a'] }, sealed: new Uint8Array([1]) };
      await store().put('customers', item);
      item.consent.purposes.push('b');
      item.sealed[0] = 9;
      const read = await store().get('customers', { customerId });
      (read!.consent as { purposes: string[] }).purposes.push('c');
      const again = await store().get('customers', { customerId });
      expect(again?.consent).toEqual({ purposes: ['a'] });
      expect(Array.from(again?.sealed as Uint8Array)).toEqual([1]);
    });

    it('a value that cannot be stored fails without quoting the value, and nothing is stored', async () => {
      const customerId = unique('c');
      const secret = new Date('1980-05-17T00:00:00Z'); // e.g. a birth date that slipped past validation
      for (const bad of [secret, Number.NaN, 19_800_517_000_000_000]) {
        const err = await store()
          .put('customers', { customerId, sealed: bad as never })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).not.toMatch(/1980|19800517|NaN/);
        expect(String((err as Error).stack)).not.toMatch(/1980|19800517/);
      }
      await expectRefused(store().put('customers', { customerId, v: 1e-200 }), /Number underflow/);
      expect(await store().get('customers', { customerId })).toBeUndefined();
    });

    it('an item may be 400 KB with its attribute names, and not one byte more', async () => {
      const customerId = unique('c');
      const overhead = 'customerId'.length + customerId.length + 'sealed'.length;
      const tooBig = { customerId, sealed: new Uint8Array(409_600 - overhead + 1) };
      await expectRefused(store().put('customers', tooBig), /Item size has exceeded/);
      expect(await store().get('customers', { customerId })).toBeUndefined();
      await store().put('customers', { customerId, sealed: new Uint8Array(409_600 - overhead) });
      expect(((await store().get('customers', { customerId }))!.sealed as Uint8Array).length).toBe(409_600 - overhead);
    });

    it('a row without its key, with a key of the wrong type or an empty key is refused', async () => {
      await expectRefused(store().put('customers', { v: 1 }), /Missing the key customerId/);
      await expectRefused(store().put('customers', { customerId: 5 }), /Type mismatch for key customerId expected: S actual: N/);
      await expectRefused(store().put('customers', { customerId: '' }), /cannot contain an empty string value/);
      await expectRefused(store().put('interactions', { pseudonym: unique('p') }), /Missing the key sk/);
      await expectRefused(store().put('customers', { customerId: 'x'.repeat(2049) }), /Size of hashkey has exceeded/);
      const numbered = { id: unique('s'), customerId: 7 };
      await expectRefused(store().put('sessions', numbered), /Type mismatch for Index Key customerId Expected: S Actual: N/);
    });

    it('a read or delete must name exactly the key attributes, of their types', async () => {
      await expectRefused(store().get('customers', { customerId: unique('c'), v: 1 }), /provided key element does not match the schema/);
      await expectRefused(store().get('customers', { customerId: 1 }), /provided key element does not match the schema/);
      await expectRefused(store().delete('interactions', { pseudonym: unique('p') }), /provided key element does not match the schema/);
    });
  });
}
