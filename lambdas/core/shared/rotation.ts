/**
 * The shape every key rotation here shares (branch keys: ./key-jobs.ts; the beacon: customer/reindex.ts):
 *
 * 1. start: a new version goes into `key-store`. Instances pick it up within their refresh period
 *    (`refreshMs`), so from `settledAt` (twice that after the version was made) nothing writes under
 *    an older version any more.
 * 2. passes: every row is brought to the newest version, one scan segment at a time, in parallel or
 *    by separate invocations. A pass that started after `settledAt` is recorded in `key-store`
 *    (`rotation#<family>`, one row per segment).
 * 3. finish: once every segment has such a pass, nothing can still be under an older version, and the
 *    older versions are retired (deleted). Until then, older versions keep working.
 */
import { CorruptRecordError } from './errors';
import type { Store } from './ports';
import { epoch, isExpired } from '../policy/time';

export type RotationFamily = 'beacon' | 'branches';

export interface SegmentCounts {
  scanned: number;
  changed: number;
  skipped: number;
  failed: number;
}

export const noCounts = (): SegmentCounts => ({ scanned: 0, changed: 0, skipped: 0, failed: 0 });

export function addCounts(a: SegmentCounts, b: SegmentCounts): SegmentCounts {
  return { scanned: a.scanned + b.scanned, changed: a.changed + b.changed, skipped: a.skipped + b.skipped, failed: a.failed + b.failed };
}

/** Progress rows expire after a week: a rotation left half-done is started over, not trusted. */
const PROGRESS_TTL_SECONDS = 7 * 86_400;
export const MAX_SEGMENTS = 1_000;

export function assertSegments(segment: number, totalSegments: number): void {
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_SEGMENTS) {
    throw new RangeError(`totalSegments must be a whole number from 1 to ${MAX_SEGMENTS}.`);
  }
  if (!Number.isInteger(segment) || segment < 0 || segment >= totalSegments)
    throw new RangeError(`segment must be from 0 to ${totalSegments - 1}.`);
}

/** When instances can no longer be writing under an older version than one made at `createdAt`. */
export function settledAt(createdAt: string, refreshMs: number): Date {
  return new Date(new Date(createdAt).getTime() + 2 * refreshMs);
}

export class RotationProgress {
  constructor(private readonly deps: { store: Store; now: () => Date }) {}

  private keyId(family: RotationFamily): string {
    return `rotation#${family}`;
  }

  /** Records a finished pass over one segment towards version `target`. */
  async record(family: RotationFamily, target: number, segment: number, totalSegments: number, startedAt: Date): Promise<void> {
    const now = this.deps.now();
    await this.deps.store.put('key-store', {
      keyId: this.keyId(family),
      version: segment,
      target,
      totalSegments,
      startedAt: startedAt.toISOString(),
      createdAt: now.toISOString(),
      expiresAt: epoch(now) + PROGRESS_TTL_SECONDS,
    });
  }

  /** The segments still without a pass towards `target` that started at or after `settled`. */
  async missing(family: RotationFamily, target: number, totalSegments: number, settled: Date): Promise<number[]> {
    const done = new Set<number>();
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.query('key-store', this.keyId(family), { consistent: true, cursor });
      for (const item of page.items) {
        if (isExpired(item, this.deps.now())) continue;
        if (typeof item.version !== 'number' || typeof item.startedAt !== 'string')
          throw new CorruptRecordError('key-store', 'version, startedAt');
        const valid = item.target === target && item.totalSegments === totalSegments && new Date(item.startedAt) >= settled;
        if (valid) done.add(item.version);
      }
      cursor = page.cursor;
    } while (cursor);
    return Array.from({ length: totalSegments }, (_, i) => i).filter((i) => !done.has(i));
  }

  async clear(family: RotationFamily): Promise<void> {
    const page = await this.deps.store.query('key-store', this.keyId(family), { consistent: true });
    for (const item of page.items)
      await this.deps.store.delete('key-store', { keyId: this.keyId(family), version: item.version as number });
    if (page.cursor) await this.clear(family);
  }
}

/** Runs `pass` over every segment, `parallel` at a time, and adds up the counts. */
export async function everySegment(
  totalSegments: number,
  parallel: number,
  pass: (segment: number) => Promise<SegmentCounts>,
): Promise<SegmentCounts> {
  let total = noCounts();
  let next = 0;
  const worker = async () => {
    while (next < totalSegments) {
      const counts = await pass(next++);
      total = addCounts(total, counts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, totalSegments)) }, worker));
  return total;
}
