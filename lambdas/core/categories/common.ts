/** Small pieces shared by the data categories (interactions, purchases, behaviour, export). */
import { ValidationError } from '../shared/errors';
import type { Category } from '../policy/inventory';
import type { Item, Store } from '../shared/ports';
import type { TableId } from '../policy/tables';
import { isExpired } from '../policy/time';

/** Activity (an interaction, a purchase, a consent change) extends the customer's retention. */
export type ActivityHook = (customerId: string) => Promise<void>;

/** Clocks drift: an event may be stamped a little ahead of ours. */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * When something happened: an ISO 8601 date-time (normalised to UTC), defaulting to now. Not in the
 * future, and not older than the category keeps data (it would be held longer than the inventory says).
 */
export function occurredAt(raw: string | undefined, now: Date, category: Category): string {
  if (raw === undefined) return now.toISOString();
  const m = typeof raw === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.exec(raw) : null;
  // Date.parse rolls 2024-02-31 over into March; a calendar date must exist as written.
  const calendar = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  const exists =
    calendar !== undefined && m !== null && calendar.getUTCMonth() === Number(m[2]) - 1 && calendar.getUTCDate() === Number(m[3]);
  const t = exists ? Date.parse(raw) : NaN;
  if (Number.isNaN(t)) {
    throw new ValidationError('occurredAt is not a date-time.', [
      { field: 'occurredAt', message: 'must be an ISO 8601 date-time with a time zone, e.g. 2024-05-01T14:30:00Z' },
    ]);
  }
  if (t > now.getTime() + FUTURE_SKEW_MS) {
    throw new ValidationError('occurredAt is in the future.', [{ field: 'occurredAt', message: 'must not be in the future' }]);
  }
  const { retention } = category;
  if (t <= now.getTime() - retention.seconds * 1000) {
    throw new ValidationError('occurredAt is older than this data is kept.', [
      { field: 'occurredAt', message: `must be within the retention period (${retention.label})` },
    ]);
  }
  return new Date(t).toISOString();
}

/** Every live row of one partition (the retention bounds how many there are), following the store's pages. */
export async function queryAll(
  store: Store,
  table: TableId,
  partition: string,
  now: Date,
  opts: { descending?: boolean; includeExpired?: boolean } = {},
): Promise<Item[]> {
  const out: Item[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query(table, partition, { descending: opts.descending, cursor, consistent: true });
    // DynamoDB deletes expired rows days late: a row past its TTL is already gone for us.
    out.push(...page.items.filter((r) => opts.includeExpired || !isExpired(r, now)));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The TTL attribute (epoch seconds) as `{expiresAt}` for views and the export; nothing while a legal hold removed it. */
export function expiryOf(row: Item): { expiresAt?: string } {
  return typeof row.expiresAt === 'number' ? { expiresAt: new Date(row.expiresAt * 1000).toISOString() } : {};
}
