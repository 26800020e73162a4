/**
 * A Store decorator that counts what each call would cost on a DynamoDB on-demand table, for the scale
 * simulator. Read and write request units by DynamoDB's rules ("DynamoDB read and write operations",
 * "Condition expressions", "Global secondary indexes: provisioned throughput considerations"):
 *
 * - GetItem: the item's size rounded up to 4 KB, one unit per 4 KB strongly consistent, half eventually
 *   consistent; an absent item still costs the minimum (1 or ½).
 * - Query (and an index query, always eventually consistent): the summed size of the items read,
 *   rounded up to 4 KB once per request; an empty result still costs the minimum. Scan: the same per 1 MB page.
 * - PutItem: the larger of the old and the new item, rounded up to 1 KB; DeleteItem: the deleted item
 *   (1 unit when absent). BatchWriteItem: each of its deletes as a DeleteItem (a key named twice:
 *   once). A failed condition still costs the existing item's size (at least 1 unit).
 * - Each global secondary index the write changes costs one more write of the index entry's size: putting
 *   an entry, deleting one, or both when its key changes; none when the entry stays the same.
 *
 * Sizes come from `itemSize`. Over the in-memory store, the old item is looked at in the same tick as the
 * write (`peek`), so concurrent calls are counted exactly; over another store, by an uncounted read first.
 */
import { ConditionFailedError } from '../../core/shared/errors';
import type { IndexQueryOptions, Item, Key, Page, QueryOptions, ScanOptions, Store, WriteCondition } from '../../core/shared/ports';
import { TABLES, type IndexSpec, type TableId, type TableSpec } from '../../core/policy/tables';
import { itemSize, PAGE_BYTES } from './item-size';
import { MemoryStore } from './store';

export interface Capacity {
  /** Read request units. */
  readUnits: number;
  /** Write request units on the table itself. */
  writeUnits: number;
  /** Write request units spent keeping global secondary indexes up to date. */
  indexWriteUnits: number;
  reads: number;
  writes: number;
  conditionFailures: number;
}

const READ_UNIT_BYTES = 4096;
const WRITE_UNIT_BYTES = 1024;

export const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * (consistent ? 1 : 0.5);
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));

const zero = (): Capacity => ({ readUnits: 0, writeUnits: 0, indexWriteUnits: 0, reads: 0, writes: 0, conditionFailures: 0 });

export class CapacityCounter implements Store {
  private readonly counts = new Map<TableId, Capacity>();
  private readonly peek?: (table: TableId, key: Key) => Readonly<Item> | undefined;

  constructor(private readonly inner: Store) {
    if (inner instanceof MemoryStore) this.peek = (table, key) => inner.peek(table, key);
  }

  /** Units per table since the start or the last `reset`. */
  byTable(): Partial<Record<TableId, Capacity>> {
    return Object.fromEntries([...this.counts].map(([table, c]) => [table, { ...c }]));
  }

  totals(): Capacity {
    const sum = zero();
    for (const c of this.counts.values()) for (const k of Object.keys(sum) as (keyof Capacity)[]) sum[k] += c[k];
    return sum;
  }

  reset(): void {
    this.counts.clear();
  }

  async get(table: TableId, key: Key, opts?: { consistent?: boolean }): Promise<Item | undefined> {
    const item = await this.inner.get(table, key, opts);
    this.read(table, item ? itemSize(item) : 0, opts?.consistent ?? false);
    return item;
  }

  async query(table: TableId, partition: string | number, opts?: QueryOptions): Promise<Page> {
    const page = await this.inner.query(table, partition, opts);
    this.read(table, sizeOf(page.items), opts?.consistent ?? false);
    return page;
  }

  async queryIndex(table: TableId, index: string, value: string | number, opts?: IndexQueryOptions): Promise<Page> {
    const page = await this.inner.queryIndex(table, index, value, opts);
    this.read(table, sizeOf(page.items), false);
    return page;
  }

  async *scan(table: TableId, opts?: ScanOptions): AsyncIterable<Item> {
    let bytes = 0;
    for await (const item of this.inner.scan(table, opts)) {
      bytes += itemSize(item);
      if (bytes >= PAGE_BYTES) {
        this.read(table, bytes, false);
        bytes = 0;
      }
      yield item;
    }
    // The last page, or the one empty page of an empty table.
    this.read(table, bytes, false);
  }

  async put(table: TableId, item: Item, condition?: WriteCondition): Promise<void> {
    const key = keyOf(TABLES[table], item);
    // No await between the peek and the write: nothing else runs in between.
    const old = this.peek ? this.peekQuietly(table, key) : await this.readQuietly(table, key);
    await this.write(table, this.inner.put(table, item, condition), old, item);
  }

  async delete(table: TableId, key: Key, condition?: WriteCondition): Promise<void> {
    const old = this.peek ? this.peekQuietly(table, key) : await this.readQuietly(table, key);
    await this.write(table, this.inner.delete(table, key, condition), old, undefined);
  }

  async batchDelete(table: TableId, keys: readonly Key[]): Promise<void> {
    const spec = TABLES[table];
    const distinct = [...new Map(keys.map((k) => [JSON.stringify(keyOf(spec, k)), k])).values()];
    const olds = this.peek
      ? distinct.map((k) => this.peekQuietly(table, k))
      : await Promise.all(distinct.map((k) => this.readQuietly(table, k)));
    await this.inner.batchDelete(table, keys);
    for (const old of olds) await this.write(table, Promise.resolve(), old, undefined);
  }

  /** The row a write replaces or deletes, uncounted. An invalid key gives none: the write fails, and costs nothing. */
  private peekQuietly(table: TableId, key: Key): Readonly<Item> | undefined {
    try {
      return this.peek!(table, key);
    } catch {
      return undefined;
    }
  }

  private async readQuietly(table: TableId, key: Key): Promise<Readonly<Item> | undefined> {
    return this.inner.get(table, key, { consistent: true }).catch(() => undefined);
  }

  private async write(table: TableId, done: Promise<void>, old: Readonly<Item> | undefined, next: Item | undefined): Promise<void> {
    const c = this.of(table);
    const oldSize = old ? itemSize(old) : 0;
    try {
      await done;
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        c.writes++;
        c.conditionFailures++;
        c.writeUnits += writeUnits(oldSize);
      }
      throw e;
    }
    c.writes++;
    c.writeUnits += writeUnits(Math.max(oldSize, next ? itemSize(next) : 0));
    for (const index of TABLES[table].indexes ?? []) c.indexWriteUnits += indexWrites(TABLES[table], index, old, next);
  }

  private read(table: TableId, bytes: number, consistent: boolean): void {
    const c = this.of(table);
    c.reads++;
    c.readUnits += readUnits(bytes, consistent);
  }

  private of(table: TableId): Capacity {
    let c = this.counts.get(table);
    if (!c) this.counts.set(table, (c = zero()));
    return c;
  }
}

const sizeOf = (items: Item[]): number => items.reduce((sum, item) => sum + itemSize(item), 0);

function keyOf(spec: TableSpec, item: Item): Key {
  const key: Key = { [spec.partitionKey.name]: item[spec.partitionKey.name] as string };
  if (spec.sortKey) key[spec.sortKey.name] = item[spec.sortKey.name] as string;
  return key;
}

/** The index entry of a row: undefined when the row does not carry the index key. */
function entryOf(table: TableSpec, index: IndexSpec, item: Readonly<Item> | undefined): Item | undefined {
  if (!item || item[index.partitionKey.name] === undefined) return undefined;
  const sortKey = index.sortKey?.name;
  if (sortKey && item[sortKey] === undefined) return undefined;
  if (index.projection === 'ALL') return { ...item };
  return {
    ...keyOf(table, item),
    [index.partitionKey.name]: item[index.partitionKey.name],
    ...(sortKey ? { [sortKey]: item[sortKey] } : {}),
  };
}

/** Write units one table write spends on one index. */
export function indexWrites(table: TableSpec, index: IndexSpec, old: Readonly<Item> | undefined, next: Item | undefined): number {
  const before = entryOf(table, index, old);
  const after = entryOf(table, index, next);
  if (!before && !after) return 0;
  if (!before) return writeUnits(itemSize(after!));
  if (!after) return writeUnits(itemSize(before));
  const moved = (name: string | undefined) => name !== undefined && before[name] !== after[name];
  if (moved(index.partitionKey.name) || moved(index.sortKey?.name)) return writeUnits(itemSize(before)) + writeUnits(itemSize(after));
  return sameValue(before, after) ? 0 : writeUnits(itemSize(after));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined);
  const [x, y] = [defined(a), defined(b)];
  return x.length === y.length && x.every(([k, v]) => sameValue(v, (b as Record<string, unknown>)[k]));
}
