/**
 * Paged lists (`?limit=` and an opaque `cursor`, answered with `{items, nextCursor?}`).
 *
 * A cursor names only the sort key of the last row returned (a time and a row id the page already showed)
 * and the list it belongs to: never a partition key, so an interaction cursor does not give away the
 * customer's pseudonym, and the partition always comes from the customer the caller may read. The check
 * value binds the cursor to that list of that customer: a cursor from another customer, another list or
 * edited by hand is refused (400, field `cursor`). It is a checksum, not a secret MAC: forging one needs
 * the customerId, and even then it only moves within a partition the caller may already read.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from './errors';
import type { Item, Store } from './ports';
import { TABLES, type TableId } from '../policy/tables';
import { isExpired } from '../policy/time';

export const PAGE_LIMIT = { min: 1, max: 100, default: 50 } as const;
/** Longest cursor accepted: a sort key of a few dozen characters, its check value, base64url. */
export const CURSOR_MAX_CHARS = 400;

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** The newest rows of a list, for a view that shows only those (the customer's dashboard). */
export interface Newest<T> {
  items: T[];
  /** Older rows exist beyond these. */
  more: boolean;
}

export interface ListPage<T> {
  items: T[];
  /** Present when more rows follow: pass it back as `cursor` for the next page. */
  nextCursor?: string;
}

const badCursor = () =>
  new ValidationError('The cursor is not valid.', [{ field: 'cursor', message: 'must be the nextCursor of a previous page of this list' }]);

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return PAGE_LIMIT.default;
  if (!Number.isInteger(limit) || limit < PAGE_LIMIT.min || limit > PAGE_LIMIT.max) {
    throw new ValidationError('The limit is not valid.', [
      { field: 'limit', message: `must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}` },
    ]);
  }
  return limit;
}

function check(scope: string, after: string): string {
  return createHash('sha256').update(`privacy-crm page cursor v1\u0000${scope}\u0000${after}`).digest('base64url').slice(0, 22);
}

export function encodePageCursor(scope: string, after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, a: after, c: check(scope, after) }), 'utf8').toString('base64url');
}

/** The sort key a cursor resumes after; ValidationError (field `cursor`) unless it came from this list. */
export function decodePageCursor(scope: string, cursor: string): string {
  if (cursor.length === 0 || cursor.length > CURSOR_MAX_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { v, a, c } = (parsed ?? {}) as Record<string, unknown>;
  if (v !== 1 || typeof a !== 'string' || typeof c !== 'string' || c !== check(scope, a)) throw badCursor();
  return a;
}

/**
 * One page of the live rows of a partition, newest first. Expired rows (DynamoDB deletes them days late)
 * are skipped without shortening the page; one row past the page is read so that `nextCursor` is only
 * given when something follows. `scope` names the list and the customer the cursor is bound to.
 */
export async function livePage(
  store: Store,
  table: TableId,
  partition: string,
  now: Date,
  scope: string,
  request: PageRequest,
): Promise<ListPage<Item>> {
  const limit = pageLimit(request.limit);
  const sortKey = TABLES[table].sortKey!.name;
  let after: string | undefined = request.cursor === undefined ? undefined : decodePageCursor(scope, request.cursor);
  const rows: Item[] = [];
  for (;;) {
    // A full page each time: rows past their TTL (which DynamoDB deletes days late) may fill the next ones.
    const page = await store.query(table, partition, { descending: true, after, limit: limit + 1, consistent: true });
    for (const row of page.items) if (!isExpired(row, now)) rows.push(row);
    if (rows.length > limit || !page.cursor || page.items.length === 0) break;
    after = String(page.items.at(-1)![sortKey]);
  }
  const items = rows.slice(0, limit);
  return rows.length > limit ? { items, nextCursor: encodePageCursor(scope, String(items.at(-1)![sortKey])) } : { items };
}

/**
 * Every live row of a partition, one store page at a time, newest first unless `ascending`: for the
 * export and the dashboard, which return everything and should never hold a second copy of it.
 */
export async function* livePages(
  store: Store,
  table: TableId,
  partition: string,
  now: Date,
  opts: { ascending?: boolean } = {},
): AsyncIterable<Item[]> {
  let cursor: string | undefined;
  do {
    const page = await store.query(table, partition, { descending: !opts.ascending, cursor, consistent: true });
    yield page.items.filter((r) => !isExpired(r, now));
    cursor = page.cursor;
  } while (cursor);
}
