/**
 * Raw access to customer rows for the forgetting paths (erasure, TTL cascade, legal hold, retention).
 * Unlike `Customers.require`, these may see a row past its TTL that DynamoDB has not deleted yet: such
 * a row is absent for every reader, but it still has to be erased.
 */
import { ConditionFailedError, DependencyUnavailableError } from '../shared/errors';
import { customerFromItem, customerToItem, type CustomerRow } from './record';
import type { Key, Store } from '../shared/ports';
import { isExpired } from '../policy/time';
import type { TableId } from '../policy/tables';

/** The row as stored, also past its TTL (see above). */
export async function loadRaw(store: Store, customerId: string): Promise<CustomerRow | undefined> {
  const item = await store.get('customers', { customerId }, { consistent: true });
  return item ? customerFromItem(item) : undefined;
}

/** Thrown by a mutator to leave the row as it is. */
export class Unchanged extends Error {
  constructor() {
    super('unchanged');
  }
}

/**
 * Conditional read-modify-write of one customer row (`v` guards against lost updates), retried when
 * another writer wins. The mutator sees the current row and returns the next one, throws `Unchanged` to
 * write nothing, or throws a domain error. Returns the row as written, or as it is when unchanged;
 * undefined when there is no row (or, unless `includeExpired`, only an expired one).
 */
export async function updateRow(
  store: Store,
  customerId: string,
  now: () => Date,
  mutate: (row: CustomerRow) => CustomerRow | Promise<CustomerRow>,
  opts: { includeExpired?: boolean } = {},
): Promise<CustomerRow | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await loadRaw(store, customerId);
    if (!row || (!opts.includeExpired && isExpired(row, now()))) return undefined;
    let next: CustomerRow;
    try {
      next = { ...(await mutate(row)), v: row.v + 1 };
    } catch (e) {
      if (e instanceof Unchanged) return row;
      throw e;
    }
    try {
      await store.put('customers', customerToItem(next), { kind: 'equals', values: { v: row.v } });
      return next;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  throw new DependencyUnavailableError('customers table (contention)');
}

/** The same item without its TTL attribute (undefined attributes are not written). */
export function withoutTtl<T extends { expiresAt?: unknown }>(item: T): T {
  return { ...item, expiresAt: undefined };
}

/**
 * Sets the TTL of a customer's companion rows, the wrapped key and the blind-index entry, to follow
 * the customer row (undefined: no TTL, under a legal hold). The key outlives the row by `keyMarginSeconds`
 * so that a TTL expiry's cascade can still open the record to find its pseudonyms; the cascade then
 * destroys the key itself. Each write is conditional on the row still being there as read, so a
 * shredded key or a taken-over index entry is never written back.
 */
export async function setCompanionTtl(
  store: Store,
  customerId: string,
  lookup: string,
  expiresAt: number | undefined,
  opts: { keyMarginSeconds: number; onlyExtend?: boolean },
): Promise<void> {
  const companions: [TableId, Key, number | undefined][] = [
    ['customer-keys', { customerId }, expiresAt === undefined ? undefined : expiresAt + opts.keyMarginSeconds],
    ['contact-index', { lookup }, expiresAt],
  ];
  for (const [table, key, ttl] of companions) {
    const item = await store.get(table, key, { consistent: true });
    if (!item || item.customerId !== customerId) continue;
    const current = typeof item.expiresAt === 'number' ? item.expiresAt : undefined;
    if (current === ttl) continue;
    if (opts.onlyExtend && (current === undefined || ttl === undefined || ttl < current)) continue;
    // A key re-wrapped meanwhile (rewrap-keys) must not be put back under its old branch version.
    const wrap = { branch: item.branch as number | undefined, branchVersion: item.branchVersion as number | undefined };
    const values = { customerId, expiresAt: current, ...wrap };
    await store.put(table, { ...item, expiresAt: ttl }, { kind: 'equals', values }).catch((e) => {
      if (!(e instanceof ConditionFailedError)) throw e;
    });
  }
}
