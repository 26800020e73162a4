/**
 * The key hierarchy (issue 12 items 1 and 2): KMS → branch keys → customer keys, and the beacon key
 * behind the blind index. KMS calls are counted on the fake KMS, which does real cryptography.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEACON_KEY_ID } from '../../../lambdas/core/shared/beacon';
import { branchKeyId, WRAPPED_BYTES } from '../../../lambdas/core/shared/branch-keys';
import { IntegrityError } from '../../../lambdas/core/shared/errors';
import { rows, STAFF, startWorld, type World } from './support';

let world: World;
const customers: { customerId: string; email: string }[] = [];

beforeAll(async () => {
  world = await startWorld();
  // A fresh deployment without the legacy MAC key: no index from before beacon keys can exist.
  const writer = world.instance({}, { withoutMac: true });
  for (let n = 0; n < 6; n++) {
    const email = `hierarchy${n}@example.com`;
    const { customer } = await writer.customers.create(STAFF, { name: `Hierarchy ${n}`, email });
    customers.push({ customerId: customer.customerId, email });
  }
});
afterAll(async () => world?.close());

describe('KMS off the hot path', () => {
  it('a warm read and a warm search make 0 KMS calls; a cold instance makes one per branch key and one for the beacon', async () => {
    const cold = world.instance({}, { withoutMac: true });
    const [first] = customers;
    world.resetCalls();
    await cold.customers.get(STAFF, first!.customerId);
    expect(world.calls()).toMatchObject({ Decrypt: 1, total: 1 }); // its branch key

    world.resetCalls();
    await cold.customers.get(STAFF, first!.customerId);
    await cold.customers.reveal(STAFF, first!.customerId, 'warm read check');
    expect(world.calls().total, 'warm read').toBe(0);

    world.resetCalls();
    expect(await cold.customers.search(STAFF, { email: first!.email })).toEqual({ customerId: first!.customerId });
    expect(world.calls()).toMatchObject({ Decrypt: 1, total: 1 }); // the beacon key

    // The rest of the customers: at most one unwrap per branch key not yet in memory.
    world.resetCalls();
    for (const c of customers) await cold.customers.get(STAFF, c.customerId);
    const branches = new Set(customers.map((c) => cold.vault.branchKeys.branchOf(c.customerId)));
    expect(world.calls().Decrypt).toBeLessThanOrEqual(branches.size - 1);
    expect(world.calls().GenerateMac).toBe(0);

    // Warm (beacon and branch keys in memory): search opens the sealed record to check the contact, without KMS.
    world.resetCalls();
    for (const c of customers) expect(await cold.customers.search(STAFF, { email: c.email })).toEqual({ customerId: c.customerId });
    await expect(cold.customers.search(STAFF, { email: 'nobody@example.com' })).rejects.toThrow(/No customer/);
    expect(world.calls().total, 'warm search, hits and a miss').toBe(0);
  });

  it('a warm instance creates a customer and checks its Idempotency-Key without KMS when its branch key is in memory', async () => {
    const warm = world.instance({}, { withoutMac: true });
    for (const c of customers) await warm.customers.get(STAFF, c.customerId);
    await warm.customers.search(STAFF, { email: customers[0]!.email });
    const branches = new Set(customers.map((c) => warm.vault.branchKeys.branchOf(c.customerId)));
    let created = 0;
    for (let n = 0; created < 3 && n < 200; n++) {
      world.resetCalls();
      const { customer } = await warm.customers.create(STAFF, { name: 'Warm Create', email: `warm-create${n}@example.com` }, `idem-${n}`);
      if (branches.has(warm.vault.branchKeys.branchOf(customer.customerId))) {
        expect(world.calls().total).toBe(0);
        created++;
      }
    }
    expect(created).toBe(3);
  });
});

describe('a cold instance', () => {
  it('makes one KMS call per branch key and one for the beacon key, however many customers it serves', async () => {
    const writer = world.instance({}, { withoutMac: true });
    const { branchKeys } = writer.vault;
    const byBranch = new Map<number, { customerId: string; email: string }>();
    for (let n = 0; byBranch.size < branchKeys.branches && n < 400; n++) {
      const email = `spread${n}@example.com`;
      const { customer } = await writer.customers.create(STAFF, { name: 'Spread', email });
      byBranch.set(branchKeys.branchOf(customer.customerId), { customerId: customer.customerId, email });
    }
    expect(byBranch.size).toBe(16);
    const cold = world.instance({}, { withoutMac: true });
    world.resetCalls();
    for (let round = 0; round < 3; round++) {
      for (const c of byBranch.values()) {
        await cold.customers.get(STAFF, c.customerId);
        await cold.customers.search(STAFF, { email: c.email });
      }
    }
    expect(world.calls()).toEqual({ Decrypt: 17, GenerateDataKey: 0, GenerateMac: 0, total: 17 });
  });
});

describe('what is stored', () => {
  it('customer keys are wrapped under a branch key, never by KMS; branch and beacon keys only KMS-wrapped', async () => {
    const keyRows = await rows(world.store, 'customer-keys');
    for (const c of customers) {
      const row = keyRows.find((r) => r.customerId === c.customerId)!;
      expect(row).toMatchObject({ branch: expect.any(Number), branchVersion: 1 });
      expect((row.wrappedKey as Uint8Array).length).toBe(WRAPPED_BYTES);
    }
    const stored = await rows(world.store, 'key-store');
    expect(stored.map((r) => r.keyId)).toContain(BEACON_KEY_ID);
    expect(stored.every((r) => r.wrapped instanceof Uint8Array && (r.wrapped as Uint8Array).length > 32)).toBe(true);
    // No legacy marker: this deployment has no MAC key.
    expect(stored.some((r) => r.legacy)).toBe(false);
  });

  it('binds the customerId: a wrapped key moved to another customer does not unwrap', async () => {
    const [a, b] = customers;
    const keyOfA = await world.store.get('customer-keys', { customerId: a!.customerId });
    await world.store.put('customer-keys', { ...keyOfA, customerId: b!.customerId });
    const cold = world.instance({}, { withoutMac: true });
    await expect(cold.vault.keyFor(b!.customerId)).rejects.toBeInstanceOf(IntegrityError);
    await expect(cold.customers.get(STAFF, b!.customerId)).rejects.toBeInstanceOf(IntegrityError);
    // The same row back under its own customer unwraps (the check can pass).
    await expect(cold.vault.keyFor(a!.customerId)).resolves.toHaveLength(32);
  });

  it('binds the branch and version too: a key row claiming another version, or a tampered key, is refused', async () => {
    const [, , c] = customers;
    const row = (await world.store.get('customer-keys', { customerId: c!.customerId }))!;
    const cold = world.instance({}, { withoutMac: true });
    const wrapped = row.wrappedKey as Uint8Array;
    const tampered = new Uint8Array(wrapped);
    tampered[20] ^= 1;
    await expect(
      cold.vault.unwrap(c!.customerId, { wrappedKey: tampered, branch: row.branch as number, branchVersion: 1 }),
    ).rejects.toBeInstanceOf(IntegrityError);
    const otherBranch = ((row.branch as number) + 1) % 16;
    await world.instance({}, { withoutMac: true }).vault.branchKeys.newest(otherBranch);
    await expect(cold.vault.unwrap(c!.customerId, { wrappedKey: wrapped, branch: otherBranch, branchVersion: 1 })).rejects.toBeInstanceOf(
      IntegrityError,
    );
  });

  it('KMS binds each stored key to its purpose, key id and version', async () => {
    const stored = await world.store.get('key-store', { keyId: BEACON_KEY_ID, version: 1 });
    // The beacon key's blob presented as a branch key's version: KMS refuses it.
    await world.store.put('key-store', { ...stored, keyId: branchKeyId(63) });
    const cold = world.instance({ vault: { branches: 64 } }, { withoutMac: true });
    await expect(cold.vault.branchKeys.wrap('someone', new Uint8Array(32), 63)).rejects.toBeInstanceOf(IntegrityError);
  });
});
