/** Binary search over one partition of the in-memory store, whose rows are kept in sort-key order. */
import { compareKeyValues, type KeyValue } from './values';

interface Sorted {
  sortKey?: KeyValue;
}

/** Where `sortKey` is, or would go, in a partition sorted by sort key. */
export function position(rows: readonly Sorted[], sortKey: KeyValue | undefined): { index: number; found: boolean } {
  if (sortKey === undefined) return { index: 0, found: rows.length > 0 };
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeyValues(rows[mid]!.sortKey!, sortKey) < 0) lo = mid + 1;
    else hi = mid;
  }
  return { index: lo, found: lo < rows.length && compareKeyValues(rows[lo]!.sortKey!, sortKey) === 0 };
}

/** Where the rows whose (string) sort key begins with `prefix` are: one contiguous run in sort order. */
export function prefixRun(rows: readonly Sorted[], prefix: string): [number, number] {
  const from = position(rows, prefix).index;
  let lo = from;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (String(rows[mid]!.sortKey).startsWith(prefix)) lo = mid + 1;
    else hi = mid;
  }
  return [from, lo];
}
