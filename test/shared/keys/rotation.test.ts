/**
 * Rotation: branch keys (rotate, re-wrap, retire) and the beacon key (the index rebuild). Lookups and
 * reads keep working on every instance throughout, also on instances that have not noticed the new
 * version yet; nothing older is retired until every segment had a pass after the settle time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEACON_KEY_ID } from '../../../lambdas/core/shared/beacon';
import { rows, sealedLookups, STAFF, startWorld, type World } from './support';

let world: World;
const customers: { customerId: string; email: string }[] = [];
const REFRESH_MS = 60_000;
const settings = { vault: { keyRefreshMs: REFRESH_MS } };

beforeAll(async () => {
  world = await startWorld();
  const writer = world.instance(settings, { withoutMac: true });
  for (let n = 0; n < 10; n++) {
    const email = `rotate${n}@example.com`;
    const { customer } = await writer.customers.create(STAFF, { name: `Rotate ${n}`, email });
    customers.push({ customerId: customer.customerId, email });
  }
});
afterAll(async () => world?.close());

const versionsOf = async (keyId: string) =>
  (await rows(world.store, 'key-store'))
    .filter((r) => r.keyId === keyId)
    .map((r) => r.version as number)
    .sort();

describe('branch key rotation', () => {
  it('adds a version to every branch; new keys go under it; re-wrap moves the rest; then the old versions go', async () => {
    const operator = world.instance(settings, { withoutMac: true });
    // An instance that read the branch heads before the rotation wraps under version 1 until it refreshes.
    const stale = world.instance(settings, { withoutMac: true });
    for (let b = 0; b < 16; b++) await stale.vault.branchKeys.newest(b);
    const { target, settledAt } = await operator.keyJobs.branchRotation.rotate();
    expect(target).toBe(2);
    expect(await versionsOf('branch-00')).toEqual([1, 2]);

    // A pass before the settle time re-wraps, but does not count: an instance may still wrap under version 1.
    const early = await operator.keyJobs.branchRotation.rewrapSegment(0, 1);
    expect(early.changed).toBe(customers.length);
    expect(await operator.keyJobs.branchRotation.finish(1)).toEqual({ missing: [0], retired: [] });

    const late = await stale.customers.create(STAFF, { name: 'Late Writer', email: 'late@example.com' });
    expect(await world.store.get('customer-keys', { customerId: late.customer.customerId })).toMatchObject({ branchVersion: 1 });
    customers.push({ customerId: late.customer.customerId, email: 'late@example.com' });

    world.clock.advance(new Date(settledAt).getTime() - world.clock.now().getTime());
    const run = await operator.keyJobs.branchRotation.run({ totalSegments: 3 });
    expect(run.counts).toMatchObject({ changed: 1, failed: 0 }); // the late writer's key
    expect(run.missing).toEqual([]);
    expect(run.retired).toContain('branch-00@1');
    expect(await versionsOf('branch-00')).toEqual([2]);
    expect((await rows(world.store, 'customer-keys')).every((r) => r.branchVersion === 2)).toBe(true);

    const fresh = world.instance(settings, { withoutMac: true });
    for (const c of customers) expect((await fresh.customers.reveal(STAFF, c.customerId, 'rotation check')).email).toBe(c.email);
    const created = await fresh.customers.create(STAFF, { name: 'After Rotation', email: 'after-rotation@example.com' });
    expect(await world.store.get('customer-keys', { customerId: created.customer.customerId })).toMatchObject({ branchVersion: 2 });
    customers.push({ customerId: created.customer.customerId, email: 'after-rotation@example.com' });
  });
});

describe('the index rebuild (beacon rotation)', () => {
  it('keeps search working on every instance throughout, changes every index entry, then retires the old version', async () => {
    const operator = world.instance(settings, { withoutMac: true });
    // Warm before the rebuild: this instance keeps its version list (only version 1) for REFRESH_MS.
    const warmBefore = world.instance(settings, { withoutMac: true });
    await warmBefore.customers.search(STAFF, { email: customers[0]!.email });
    const before = new Set((await rows(world.store, 'contact-index')).map((r) => r.lookup));
    expect(before.size).toBe(customers.length);

    const searchAll = async (app: ReturnType<World['instance']>) => {
      for (const c of customers)
        expect(await app.customers.search(STAFF, { email: c.email }).catch(() => c.email)).toEqual({ customerId: c.customerId });
    };
    const { target, settledAt } = await operator.keyJobs.rebuildIndex.start();
    expect(target).toBe(2);
    expect(await versionsOf(BEACON_KEY_ID)).toEqual([1, 2]);
    // Version 2 is searched at once but written only once every instance can have loaded it: until
    // then an instance that knows it and one that does not both write, and find, version 1.
    const knowing = world.instance(settings, { withoutMac: true });
    await searchAll(knowing);
    for (const [app, email] of [
      [knowing, 'knows-v2@example.com'],
      [warmBefore, 'stale@example.com'],
    ] as const) {
      const { customer } = await app.customers.create(STAFF, { name: 'Mid Rebuild', email });
      customers.push({ customerId: customer.customerId, email });
    }
    await searchAll(knowing);
    await searchAll(warmBefore);
    await expect(warmBefore.customers.create(STAFF, { name: 'Duplicate', email: 'knows-v2@example.com' })).rejects.toThrow(
      /already exists/,
    );
    // No entry is moved before every instance knows version 2: the one that does not would lose it.
    await expect(operator.keyJobs.rebuildIndex.reindexSegment(0, 2)).rejects.toThrow(/not yet known to every instance/);
    expect(await operator.keyJobs.rebuildIndex.finish(2)).toEqual({ missing: [0, 1], retired: [] });

    // Settled: half rebuilt (segment 0 of 2), every instance finds both kinds of entries.
    world.clock.advance(new Date(settledAt).getTime() - world.clock.now().getTime());
    await operator.keyJobs.rebuildIndex.reindexSegment(0, 2);
    expect(await operator.keyJobs.rebuildIndex.finish(2)).toEqual({ missing: [1], retired: [] });
    await searchAll(world.instance(settings, { withoutMac: true }));
    await searchAll(warmBefore);
    await searchAll(knowing);

    // The whole run resumes the rebuild (no third version), finishes it and retires version 1.
    const run = await operator.keyJobs.rebuildIndex.run({ totalSegments: 2, wait: async (ms) => world.clock.advance(ms) });
    expect(run).toMatchObject({ target: 2, missing: [], retired: [`${BEACON_KEY_ID}@1`] });
    expect(run.counts.failed).toBe(0);
    expect(await versionsOf(BEACON_KEY_ID)).toEqual([2]);

    const after = await rows(world.store, 'contact-index');
    expect(after).toHaveLength(customers.length);
    for (const entry of after) expect(before.has(entry.lookup as string), 'an entry still under version 1').toBe(false);
    const customerRows = await rows(world.store, 'customers');
    expect(await sealedLookups(operator, customerRows)).toEqual(new Set(after.map((r) => r.lookup)));

    world.resetCalls();
    const fresh = world.instance(settings, { withoutMac: true });
    await searchAll(fresh);
    expect(world.calls().GenerateMac).toBe(0);
    // Sign-in checks the contact against the index under the new version too.
    expect(
      await fresh.vault.isBlindIndexOf(
        after.find((e) => e.customerId === customers[0]!.customerId)!.lookup as string,
        'email',
        customers[0]!.email,
      ),
    ).toBe(true);
  });

  it('a second run rotates again (version 3)', async () => {
    const operator = world.instance({ vault: { keyRefreshMs: 0 } }, { withoutMac: true });
    const run = await operator.keyJobs.rebuildIndex.run({ totalSegments: 1 });
    expect(run).toMatchObject({ target: 3, counts: { changed: customers.length, failed: 0 }, retired: [`${BEACON_KEY_ID}@2`] });
    for (const c of customers) expect(await operator.customers.search(STAFF, { email: c.email })).toEqual({ customerId: c.customerId });
  });
});
