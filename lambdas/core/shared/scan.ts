/**
 * Reading a whole table, for operator commands only (re-applying erasures after a restore, re-indexing):
 * no request path or scheduled job scans (DESIGN.md "Scale rules"). The table is read in parallel
 * segments, each by its own sequential loop, so a 10M-row table takes minutes, not an hour.
 */
import type { TableId } from '../policy/tables';
import type { Item, Store } from './ports';

export const DEFAULT_SCAN_SEGMENTS = 8;

export async function forEachRow(
  store: Store,
  table: TableId,
  onRow: (item: Item) => Promise<void>,
  segments: number = DEFAULT_SCAN_SEGMENTS,
): Promise<void> {
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      for await (const item of store.scan(table, { segment, totalSegments: segments })) await onRow(item);
    }),
  );
}
