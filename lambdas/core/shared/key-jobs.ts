/**
 * Branch-key rotation and the re-wrap job (`npm run rewrap-keys`, the key-maintenance function).
 * Rotating adds a new version to every branch key; the job then re-wraps every customer key under
 * its branch's newest version (and every key from before branch keys, wrapped by KMS directly), and
 * finally retires the older versions. The steps and their safety are in ./rotation.ts.
 */
import { branchKeyId } from './branch-keys';
import { isBranchWrapped, isStale, rewrapCustomerKey, unwrapCustomerKey, wrappedKeyOf } from './customer-keys';
import { IntegrityError } from './errors';
import type { StoredKey } from './key-material';
import type { Clock, KeyService, Store } from './ports';
import { assertSegments, everySegment, noCounts, RotationProgress, settledAt, type SegmentCounts } from './rotation';
import type { Vault } from './vault';

export interface RotationRun {
  /** The version every key is brought to (branch keys: the newest version number across branches). */
  target: number;
  settledAt: string;
  counts: SegmentCounts;
  /** Segments still without a pass that counts (finish retires nothing until there are none). */
  missing: number[];
  /** What was retired, as `keyId@version`. */
  retired: string[];
}

export interface RunOptions {
  totalSegments?: number;
  /** Segments scanned at once (default: all). */
  parallel?: number;
  /** Waits out the settle time (the Lambda sleeps; a test passes a clock-advancing stand-in). */
  wait?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const BRANCH_PREFIX = 'branch-';

export class BranchRotation {
  private readonly progress: RotationProgress;

  constructor(private readonly deps: { store: Store; vault: Vault; keys: KeyService; clock: Clock }) {
    this.progress = new RotationProgress({ store: deps.store, now: () => deps.clock.now() });
  }

  /** Adds version max+1 to every branch key (the configured branches and any others in use). */
  async rotate(): Promise<{ target: number; settledAt: string }> {
    const { material, branchKeys } = this.deps.vault;
    const heads = await this.heads();
    const target = 1 + Math.max(0, ...[...heads.values()].map((h) => h?.version ?? 0));
    for (const branch of heads.keys()) await material.create('branch-key', branchKeyId(branch), target);
    branchKeys.refresh();
    await this.progress.clear('branches');
    const state = await this.state();
    return { target: state.target, settledAt: state.settled.toISOString() };
  }

  /** One pass over one segment of `customer-keys`: every stale key is re-wrapped under its branch's newest version. */
  async rewrapSegment(segment: number, totalSegments: number): Promise<SegmentCounts> {
    assertSegments(segment, totalSegments);
    const { store, vault, keys, clock } = this.deps;
    const { target, settled, heads } = await this.state();
    const started = clock.now();
    const counts = noCounts();
    for await (const item of store.scan('customer-keys', { segment, totalSegments })) {
      counts.scanned++;
      const customerId = String(item.customerId);
      const w = wrappedKeyOf(item);
      if (!w) {
        counts.failed++;
        continue;
      }
      const branch = isBranchWrapped(w) ? w.branch : vault.branchKeys.branchOf(customerId);
      if (!isStale(w, heads.get(branch)?.version)) {
        counts.skipped++;
        continue;
      }
      try {
        const plaintext = await unwrapCustomerKey({ keys, branchKeys: vault.branchKeys }, customerId, w);
        if (await rewrapCustomerKey({ store, branchKeys: vault.branchKeys }, item, plaintext)) {
          counts.changed++;
          continue;
        }
        // Changed meanwhile: fine if shredded or re-wrapped by a read; still stale (a TTL update won) counts against the pass.
        const now = wrappedKeyOf(await store.get('customer-keys', { customerId }, { consistent: true }));
        if (now && isStale(now, heads.get(branch)?.version)) counts.failed++;
        else counts.skipped++;
      } catch (e) {
        if (!(e instanceof IntegrityError)) throw e;
        counts.failed++;
      }
    }
    if (started >= settled && counts.failed === 0) await this.progress.record('branches', target, segment, totalSegments, started);
    return counts;
  }

  /** Retires every branch version older than the newest, once every segment has a pass that counts. */
  async finish(totalSegments: number): Promise<Pick<RotationRun, 'missing' | 'retired'>> {
    assertSegments(0, totalSegments);
    const { target, settled } = await this.state();
    const missing = await this.progress.missing('branches', target, totalSegments, settled);
    if (missing.length > 0) return { missing, retired: [] };
    const retired: string[] = [];
    for (const branch of (await this.heads()).keys()) {
      const keyId = branchKeyId(branch);
      for (const old of (await this.deps.vault.material.versions(keyId)).slice(1)) {
        await this.deps.vault.material.retire(keyId, old.version);
        retired.push(`${keyId}@${old.version}`);
      }
    }
    await this.progress.clear('branches');
    return { missing: [], retired };
  }

  /** The whole job in one process: optionally rotate, wait out the settle time, pass over every segment, finish. */
  async run(options: RunOptions & { rotate?: boolean } = {}): Promise<RotationRun> {
    const totalSegments = options.totalSegments ?? 4;
    if (options.rotate) await this.rotate();
    const { target, settled } = await this.state();
    const wait = settled.getTime() - this.deps.clock.now().getTime();
    if (wait > 0) await (options.wait ?? sleep)(wait);
    const counts = await everySegment(totalSegments, options.parallel ?? totalSegments, (s) => this.rewrapSegment(s, totalSegments));
    return { target, settledAt: settled.toISOString(), counts, ...(await this.finish(totalSegments)) };
  }

  /** The newest version of every branch in use or configured (a configured branch never used has none yet). */
  private async heads(): Promise<Map<number, StoredKey | undefined>> {
    const branches = new Set(Array.from({ length: this.deps.vault.branchKeys.branches }, (_, i) => i));
    // The key store holds a few dozen rows: scanning it is cheap, and finds branches beyond today's count.
    for await (const item of this.deps.store.scan('key-store')) {
      const id = String(item.keyId);
      if (id.startsWith(BRANCH_PREFIX)) branches.add(Number(id.slice(BRANCH_PREFIX.length)));
    }
    const heads = new Map<number, StoredKey | undefined>();
    for (const b of [...branches].sort((x, y) => x - y)) heads.set(b, await this.deps.vault.material.newest(branchKeyId(b)));
    return heads;
  }

  private async state(): Promise<{ target: number; settled: Date; heads: Map<number, StoredKey | undefined> }> {
    const heads = await this.heads();
    const live = [...heads.values()].filter((h): h is StoredKey => h !== undefined);
    const target = Math.max(0, ...live.map((h) => h.version));
    // Only a rotation (target above 1) leaves older versions to retire; a branch's first version, made
    // whenever a branch is first used, replaces nothing and is not waited for.
    const rotatedAt =
      target > 1
        ? live
            .filter((h) => h.version === target)
            .map((h) => h.createdAt)
            .sort()
            .at(-1)
        : undefined;
    const newestAt = rotatedAt ?? new Date(0).toISOString();
    return { target, settled: settledAt(newestAt, this.deps.vault.branchKeys.refreshMs), heads };
  }
}
