/**
 * The index rebuild (`npm run rebuild-index`, the key-maintenance function): rotates the beacon key.
 * A new beacon version goes in; once every instance uses it, every customer's blind index is
 * recomputed under it (in the sealed record and its contact-index entry); then the older versions are
 * retired. Lookups keep working throughout: they try the newest version, then the older ones
 * (Customers.findByContact). The steps and their safety are in shared/rotation.ts.
 *
 * Run while only the KMS MAC key's indexes and version 1 exist (just after upgrading), it creates no
 * new version: it moves the old indexes to version 1 and retires the KMS MAC key's.
 */
import { BEACON_KEY_ID } from '../shared/beacon';
import { ConflictError, CorruptRecordError, IntegrityError, NotFoundError } from '../shared/errors';
import type { RotationRun, RunOptions } from '../shared/key-jobs';
import type { StoredKey } from '../shared/key-material';
import type { Clock, Item, Store } from '../shared/ports';
import { assertSegments, everySegment, noCounts, RotationProgress, settledAt, type SegmentCounts } from '../shared/rotation';
import { isExpired } from '../policy/time';
import type { Vault } from '../shared/vault';
import { claimIndex, releaseIndex } from './contact-index';
import type { RetentionPolicy } from '../policy/retention-policy';
import { BY_CUSTOMER } from '../policy/tables';
import { customerFromItem, type CustomerRow, type SealedCustomer } from './record';
import { Unchanged, updateRow } from './rows';

/** A pass asked for before every instance can know the new version. */
export class RebuildNotSettledError extends Error {
  constructor(readonly settledAt: Date) {
    super(`The new beacon version is not yet known to every instance: run the index passes from ${settledAt.toISOString()}.`);
    this.name = 'RebuildNotSettledError';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class IndexRebuild {
  private readonly progress: RotationProgress;

  constructor(
    private readonly deps: {
      store: Store;
      vault: Vault;
      clock: Clock;
      policy: RetentionPolicy;
      isLive: (customerId: string) => Promise<boolean>;
    },
  ) {
    this.progress = new RotationProgress({ store: deps.store, now: () => deps.clock.now() });
  }

  /** Adds a beacon version, unless a rebuild is already under way (more than one live version): then it is resumed. */
  async start(): Promise<{ target: number; settledAt: string }> {
    const { material, beacon } = this.deps.vault;
    let versions = await material.versions(BEACON_KEY_ID);
    if (!versions.some((v) => !v.legacy)) {
      beacon.refresh();
      versions = await beacon.versions();
    }
    if (versions.length === 1) {
      await material.create('beacon-key', BEACON_KEY_ID, versions[0]!.version + 1);
      await this.progress.clear('beacon');
    }
    beacon.refresh();
    const { target, settled } = await this.state();
    return { target: target.version, settledAt: settled.toISOString() };
  }

  /** One pass over one segment of `customers`: every blind index not under the newest version is recomputed. */
  async reindexSegment(segment: number, totalSegments: number): Promise<SegmentCounts> {
    assertSegments(segment, totalSegments);
    const { target, settled } = await this.state();
    const started = this.deps.clock.now();
    // An instance that has not seen the new version yet finds a customer only under the old one: moving
    // anyone before every instance knows the new version would hide them from it.
    if (started < settled) throw new RebuildNotSettledError(settled);
    const counts = noCounts();
    for await (const item of this.deps.store.scan('customers', { segment, totalSegments })) {
      counts.scanned++;
      const outcome = await this.reindexRow(item, target);
      counts[outcome]++;
    }
    if (counts.failed === 0) await this.progress.record('beacon', target.version, segment, totalSegments, started);
    return counts;
  }

  /** Retires every older beacon version (the KMS MAC key's included), once every segment has a pass that counts. */
  async finish(totalSegments: number): Promise<Pick<RotationRun, 'missing' | 'retired'>> {
    assertSegments(0, totalSegments);
    const { target, settled, older } = await this.state();
    const missing = await this.progress.missing('beacon', target.version, totalSegments, settled);
    if (missing.length > 0) return { missing, retired: [] };
    for (const old of older) await this.deps.vault.material.retire(BEACON_KEY_ID, old.version);
    await this.progress.clear('beacon');
    this.deps.vault.beacon.refresh();
    return { missing: [], retired: older.map((v) => `${BEACON_KEY_ID}@${v.version}`) };
  }

  /** The whole rebuild in one process: start, wait out the settle time, pass over every segment, finish. */
  async run(options: RunOptions = {}): Promise<RotationRun> {
    const totalSegments = options.totalSegments ?? 4;
    const { target, settledAt: settled } = await this.start();
    const wait = new Date(settled).getTime() - this.deps.clock.now().getTime();
    if (wait > 0) await (options.wait ?? sleep)(wait);
    const counts = await everySegment(totalSegments, options.parallel ?? totalSegments, (s) => this.reindexSegment(s, totalSegments));
    return { target, settledAt: settled, counts, ...(await this.finish(totalSegments)) };
  }

  /**
   * Moves one customer to the target version: claim the new entry, switch the row (conditional on its
   * version), release the old entry. A customer being erased or past its TTL is left to the cascade,
   * which deletes the entry its row names.
   */
  private async reindexRow(item: Item, target: StoredKey): Promise<'changed' | 'skipped' | 'failed'> {
    const { store, vault, clock } = this.deps;
    let row: CustomerRow;
    try {
      row = customerFromItem(item);
    } catch (e) {
      if (e instanceof CorruptRecordError) return 'failed';
      throw e;
    }
    if (isExpired(row, clock.now()) || row.erasure?.startedAt) return 'skipped';
    let sealed: SealedCustomer;
    try {
      sealed = await vault.open<SealedCustomer>(row.customerId, 'contact', row.sealed);
    } catch (e) {
      // A live row whose key is gone or refuses: counted, so the old version is not retired under it.
      if (e instanceof NotFoundError || e instanceof IntegrityError) return 'failed';
      throw e;
    }
    const lookup = hex(await vault.beacon.mac(target, new TextEncoder().encode(`${sealed.contact.type}:${sealed.contact.value}`)));
    // Where the blind index is now: the sealed record (older rows: the row; older records: the index entry naming them).
    const current = sealed.lookup ?? row.lookup ?? (await this.entryNaming(row.customerId));
    if (lookup === current) return 'skipped';
    try {
      await claimIndex({ store, clock, isLive: this.deps.isLive }, lookup, row.customerId, row.expiresAt);
    } catch (e) {
      // Another live customer holds the same contact: two records of one person, for staff to resolve.
      if (e instanceof ConflictError) return 'failed';
      throw e;
    }
    let switched = false;
    // The sealed record names the new index; `v` guards against a contact change meanwhile.
    await updateRow(
      this.deps,
      row.customerId,
      () => clock.now(),
      async (r) => {
        const now = await vault.open<SealedCustomer>(r.customerId, 'contact', r.sealed);
        if ((now.lookup ?? r.lookup) !== (sealed.lookup ?? row.lookup) || now.contact.value !== sealed.contact.value) throw new Unchanged();
        switched = true;
        return { ...r, sealed: await vault.seal(r.customerId, 'contact', { ...now, lookup }) };
      },
    );
    if (switched) {
      if (current !== undefined) await releaseIndex(store, current, row.customerId);
      return 'changed';
    }
    // The contact changed (or the customer went) meanwhile: the new entry is not this customer's any more.
    await releaseIndex(store, lookup, row.customerId);
    return 'skipped';
  }

  /** The contact-index entry naming a customer whose record predates the blind index in it (before a first rebuild). */
  private async entryNaming(customerId: string): Promise<string | undefined> {
    const page = await this.deps.store.queryIndex('contact-index', BY_CUSTOMER.name, customerId);
    return page.items.map((i) => String(i.lookup))[0];
  }

  private async state(): Promise<{ target: StoredKey; settled: Date; older: StoredKey[] }> {
    const versions = await this.deps.vault.material.versions(BEACON_KEY_ID);
    const [target, ...older] = versions;
    if (!target || target.legacy) throw new Error('No beacon key exists yet: run the rebuild once to create one.');
    return { target, older, settled: settledAt(target.createdAt, this.deps.vault.beacon.refreshMs) };
  }
}
