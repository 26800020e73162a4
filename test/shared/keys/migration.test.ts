/**
 * Migration from today's keys: customers whose key KMS wrapped directly and whose blind index KMS
 * GenerateMac computed keep working after the upgrade; a read re-wraps the key under its branch key,
 * `rewrap-keys` re-wraps the rest, and `rebuild-index` moves the blind index to the beacon key and
 * retires the KMS MAC key's indexes. Afterwards, nothing calls KMS per customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEACON_KEY_ID } from '../../../lambdas/core/shared/beacon';
import { legacyCustomer, rows, sealedLookups, STAFF, startWorld, type World } from './support';

let world: World;
const legacy: { customerId: string; lookup: string; email: string }[] = [];

beforeAll(async () => {
  world = await startWorld();
  for (let n = 0; n < 8; n++) {
    const email = `legacy${n}@example.com`;
    legacy.push({ ...(await legacyCustomer(world, `Legacy ${n}`, email)), email });
  }
});
afterAll(async () => world?.close());

describe('after the upgrade, before any job', () => {
  it('reads a customer whose key KMS wrapped directly, and re-wraps that key under its branch key', async () => {
    const app = world.instance();
    const [c] = legacy;
    world.resetCalls();
    const revealed = await app.customers.reveal(STAFF, c!.customerId, 'migration check');
    expect(revealed).toEqual({ name: 'Legacy 0', email: c!.email });
    expect(world.calls().Decrypt).toBe(1); // the old format: KMS unwraps the key itself
    const row = await world.store.get('customer-keys', { customerId: c!.customerId });
    expect(row).toMatchObject({ branch: app.vault.branchKeys.branchOf(c!.customerId), branchVersion: 1 });

    // The next cold instance unwraps it under the branch key (one KMS call for the branch, then none).
    const cold = world.instance();
    world.resetCalls();
    await cold.customers.get(STAFF, c!.customerId);
    expect(world.calls()).toMatchObject({ Decrypt: 1, total: 1 });
    const decrypts = world.kms.mock.commandCalls((await import('@aws-sdk/client-kms')).DecryptCommand);
    expect(decrypts[0]!.args[0].input.EncryptionContext).toMatchObject({ purpose: 'branch-key' });
  });

  it('finds a customer by the blind index KMS computed, with the beacon key tried first', async () => {
    const app = world.instance();
    const [, c] = legacy;
    world.resetCalls();
    expect(await app.customers.search(STAFF, { email: c!.email })).toEqual({ customerId: c!.customerId });
    // The beacon key (Decrypt), missing; then the KMS MAC key's index (GenerateMac), found.
    expect(world.calls()).toMatchObject({ GenerateMac: 1 });
  });

  it('refuses a new customer with the contact of one indexed the old way', async () => {
    const app = world.instance();
    await expect(app.customers.create(STAFF, { name: 'Duplicate', email: legacy[2]!.email })).rejects.toThrow(/already exists/);
  });
});

describe('the jobs', () => {
  it('rewrap-keys re-wraps every remaining key; afterwards reads need KMS only for branch keys', async () => {
    const app = world.instance();
    const run = await app.keyJobs.branchRotation.run({ totalSegments: 3, wait: async (ms) => world.clock.advance(ms) });
    // Two were re-wrapped by the reads above: the reveal, and the search (it opens the record to check the contact).
    expect(run.counts).toEqual({ scanned: 8, changed: 6, skipped: 2, failed: 0 });
    expect(run.missing).toEqual([]);
    expect(run.retired).toEqual([]); // nothing older than version 1 existed
    const keyRows = await rows(world.store, 'customer-keys');
    expect(keyRows.every((r) => typeof r.branch === 'number' && r.branchVersion === 1)).toBe(true);

    const cold = world.instance();
    world.resetCalls();
    for (const c of legacy) await cold.customers.get(STAFF, c.customerId);
    const branches = new Set(legacy.map((c) => cold.vault.branchKeys.branchOf(c.customerId)));
    expect(world.calls()).toMatchObject({ Decrypt: branches.size, GenerateDataKey: 0, GenerateMac: 0 });
    const contexts = world.kms.mock
      .commandCalls((await import('@aws-sdk/client-kms')).DecryptCommand)
      .map((c) => c.args[0].input.EncryptionContext);
    expect(contexts.every((ctx) => ctx?.purpose === 'branch-key')).toBe(true);
  });

  it('rebuild-index moves every blind index to the beacon key and retires the KMS MAC key for search', async () => {
    const app = world.instance();
    const before = new Set((await rows(world.store, 'contact-index')).map((r) => r.lookup));
    expect(before).toEqual(new Set(legacy.map((c) => c.lookup)));
    expect((await rows(world.store, 'key-store')).some((r) => r.keyId === BEACON_KEY_ID && r.legacy)).toBe(true);

    const run = await app.keyJobs.rebuildIndex.run({ totalSegments: 2, wait: async (ms) => world.clock.advance(ms) });
    // Version 1 was already the newest: the rebuild moves everything to it rather than adding another.
    expect(run).toMatchObject({
      target: 1,
      counts: { scanned: 8, changed: 8, skipped: 0, failed: 0 },
      missing: [],
      retired: [`${BEACON_KEY_ID}@0`],
    });
    const after = await rows(world.store, 'contact-index');
    expect(after).toHaveLength(8);
    for (const entry of after) expect(before.has(entry.lookup)).toBe(false);
    const customerRows = await rows(world.store, 'customers');
    expect(await sealedLookups(app, customerRows)).toEqual(new Set(after.map((r) => r.lookup)));

    const cold = world.instance();
    world.resetCalls();
    for (const c of legacy) expect(await cold.customers.search(STAFF, { email: c.email })).toEqual({ customerId: c.customerId });
    await expect(cold.customers.search(STAFF, { email: 'stranger@example.com' })).rejects.toThrow(/No customer/);
    // The beacon key once, and each branch key once: search opens the sealed record to check the contact.
    const branches = new Set(legacy.map((c) => cold.vault.branchKeys.branchOf(c.customerId)));
    expect(world.calls()).toMatchObject({ Decrypt: 1 + branches.size, GenerateMac: 0 });
  });
});
