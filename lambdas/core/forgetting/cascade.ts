/**
 * The erase-everything cascade, shared by an erasure request (the erasure handler) and a TTL expiry (the
 * stream handler, or the local reaper). It works from the table specs and the sealed customer record
 * alone, so it erases rows whichever service wrote them:
 *
 * - interactions and behaviour rows: found by the pseudonyms sealed in the customer record, deleted;
 * - portal sessions and sign-in codes, idempotency records: found through the tables' `customerId` index
 *   (cost follows the customer's rows, not the table), deleted. The index is eventually consistent: a row
 *   written a moment before may be missed; it is harmless (a session of a customer who no longer exists
 *   resolves to nothing) and goes by its own TTL within a day;
 * - the customer key: deleted (crypto-shredding); the access log's purposes and any copy of a sealed
 *   value in a backup become unreadable;
 * - the blind-index entry (named in the sealed record; any other found through the index's customerId
 *   index), then the customer row with its consent history: deleted; then whoever keeps copies of the
 *   customer's messages drops them (`onErased`: the local outbox). Right before the
 *   customer row goes, the interactions and behaviour partitions are swept once more: a write that
 *   passed `customers.require` just before the erasure took over may land after their first deletion.
 *   The pseudonyms for that sweep are unsealed at the start (the key is shredded by then); a run resumed
 *   after the key step has none and skips it (such a late row could no longer be opened anyway).
 * Purchases and the access log are kept, as the inventory says; their customerId then points at nothing.
 *
 * Each step is idempotent and the order keeps the customer row, whose sealed record holds the pseudonyms
 * and the blind index, until everything it links to is gone: stopped after any step, a rerun ends in the
 * same state.
 */
import { KeyShreddedError, type Vault } from '../shared/vault';
import { ConditionFailedError } from '../shared/errors';
import type { Customers } from '../customer/customers';
import type { CustomerRow, SealedCustomer } from '../customer/record';
import type { CategoryId } from '../policy/inventory';
import type { Item, Key, Log, Store } from '../shared/ports';
import { BY_CUSTOMER, TABLES, type TableId } from '../policy/tables';
import { forEachRow } from '../shared/scan';

export const CASCADE_STEPS = ['interactions', 'behaviour', 'sessions', 'idempotency', 'key', 'index', 'customer'] as const;
export type CascadeStep = (typeof CASCADE_STEPS)[number];

export type Pseudonyms = SealedCustomer['pseudonyms'];

export interface LinkedRow {
  table: TableId;
  category: CategoryId;
  item: Item;
}

/** The primary key of a row of `table`, from the table spec. */
export function keyOf(table: TableId, item: Item): Key {
  const spec = TABLES[table];
  const key: Key = { [spec.partitionKey.name]: item[spec.partitionKey.name] as string };
  const sortKey = 'sortKey' in spec ? spec.sortKey : undefined;
  if (sortKey) key[sortKey.name] = item[sortKey.name] as string;
  return key;
}

export class Cascade {
  constructor(
    private readonly deps: { store: Store; vault: Vault; customers: Customers; log: Log; onErased?: (customerId: string) => Promise<void> },
  ) {}

  /** The record sealed in the row, or undefined once the customer key is gone. */
  async unseal(row: CustomerRow): Promise<SealedCustomer | undefined> {
    try {
      return await this.deps.customers.unseal(row);
    } catch (e) {
      if (e instanceof KeyShreddedError) return undefined;
      throw e;
    }
  }

  /** The blind index of the customer's contact (see Customers.lookupOf); undefined once the key is gone. */
  async lookupOf(row: CustomerRow): Promise<string | undefined> {
    if (row.lookup) return row.lookup;
    const sealed = await this.unseal(row);
    return sealed ? this.deps.customers.lookupOf(row, sealed) : undefined;
  }

  /**
   * Runs the steps not in `done`, calling `onStep` after each. `row` is the customer row as it was
   * (the live row, or the old image of a TTL deletion); undefined when it is already gone.
   */
  async run(
    customerId: string,
    row: CustomerRow | undefined,
    opts: { done?: readonly string[]; onStep?: (step: CascadeStep) => Promise<void> } = {},
  ): Promise<void> {
    const done = new Set(opts.done ?? []);
    const held: { sealed: SealedCustomer | undefined | null } = { sealed: null };
    const record = async (): Promise<SealedCustomer | undefined> => {
      if (held.sealed === null) {
        held.sealed = row ? await this.unseal(row) : undefined;
        // Only when the key vanished first (a TTL race): the rows are unreadable and expire by their own TTL.
        if (row && !held.sealed) {
          this.deps.log.warn('cascade: customer key already gone; pseudonymous rows left to their TTL', { customerId });
        }
      }
      return held.sealed;
    };
    // In hand before the key goes: the last sweep, just before the customer row, and the index step need it.
    if (row && !done.has('key') && !done.has('customer')) await record();
    for (const step of CASCADE_STEPS) {
      if (done.has(step)) continue;
      await this.step(step, customerId, row, record, held.sealed ?? undefined);
      await opts.onStep?.(step);
    }
  }

  private async step(
    step: CascadeStep,
    customerId: string,
    row: CustomerRow | undefined,
    record: () => Promise<SealedCustomer | undefined>,
    inHand: SealedCustomer | undefined,
  ): Promise<void> {
    const { store } = this.deps;
    switch (step) {
      case 'interactions': {
        const p = (await record())?.pseudonyms;
        if (p) await this.deletePartition('interactions', p.interaction);
        return;
      }
      case 'behaviour': {
        const p = (await record())?.pseudonyms;
        if (p) await this.deletePartition('behaviour', p.behaviour);
        return;
      }
      case 'sessions':
      case 'idempotency':
        return this.deleteByCustomer(step, customerId);
      case 'key':
        return this.deps.vault.shred(customerId);
      case 'index':
        return this.deleteIndexEntries(customerId, inHand?.lookup ?? row?.lookup);
      case 'customer':
        // A write that passed `require` before the erasure took over may have landed since the first sweep.
        if (inHand) {
          await this.deletePartition('interactions', inHand.pseudonyms.interaction);
          await this.deletePartition('behaviour', inHand.pseudonyms.behaviour);
        }
        await store.delete('customers', { customerId });
        // In the same step: stopped before it, the rerun deletes nothing more and calls it again.
        await this.deps.onErased?.(customerId);
        return;
    }
  }

  /**
   * The customer's blind-index entries: the one the sealed record names, by key (consistent), and any
   * other still naming the customer through the customerId index (one left by a contact change cut
   * short, or every one when the record could not be opened). Each only while it still names this
   * customer: after a TTL expiry another customer may have taken the contact over.
   */
  private async deleteIndexEntries(customerId: string, lookup: string | undefined): Promise<void> {
    const lookups = new Set(lookup ? [lookup] : []);
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.queryIndex('contact-index', BY_CUSTOMER.name, customerId, { cursor });
      for (const item of page.items) lookups.add(String(item.lookup));
      cursor = page.cursor;
    } while (cursor);
    for (const l of lookups) {
      await this.deps.store.delete('contact-index', { lookup: l }, { kind: 'equals', values: { customerId } }).catch((e) => {
        if (!(e instanceof ConditionFailedError)) throw e;
      });
    }
  }

  /** Every row a customer owns outside the customer, key and index tables (for legal holds). */
  async *linkedRows(customerId: string, pseudonyms: Pseudonyms | undefined): AsyncIterable<LinkedRow> {
    const partitions: [TableId, CategoryId, string | undefined][] = [
      ['interactions', 'interactions', pseudonyms?.interaction],
      ['behaviour', 'behaviour', pseudonyms?.behaviour],
      ['transactions', 'purchases', customerId],
      ['access-log', 'accessLog', customerId],
    ];
    for (const [table, category, partition] of partitions) {
      if (partition === undefined) continue;
      for await (const item of this.partition(table, partition)) yield { table, category, item };
    }
  }

  private async *partition(table: TableId, partition: string): AsyncIterable<Item> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.query(table, partition, { cursor, consistent: true });
      yield* page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  /** Page by page, each page's rows in batches (BatchWriteItem): a 10k-row partition is ~400 calls, not 10k. */
  private async deletePartition(table: TableId, partition: string): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.query(table, partition, { cursor, consistent: true });
      await this.deps.store.batchDelete(
        table,
        page.items.map((item) => keyOf(table, item)),
      );
      cursor = page.cursor;
    } while (cursor);
  }

  /**
   * One by one (DeleteItem): a customer has a few sessions, codes and day-old idempotency claims, and
   * BatchWriteItem would also let these roles put rows, a forged portal session among them.
   */
  private async deleteByCustomer(table: 'sessions' | 'idempotency', customerId: string): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.queryIndex(table, BY_CUSTOMER.name, customerId, { cursor });
      for (const item of page.items) await this.deps.store.delete(table, keyOf(table, item));
      cursor = page.cursor;
    } while (cursor);
  }

  /** Deletes every row of `table` that `match` selects: a full scan in parallel segments, for operator commands only. */
  async deleteWhere(table: TableId, match: (row: Item) => boolean): Promise<void> {
    const keys: Key[] = [];
    await forEachRow(this.deps.store, table, async (item) => void (match(item) && keys.push(keyOf(table, item))));
    await this.deps.store.batchDelete(table, keys);
  }
}
