/**
 * The Store port in memory, with the DynamoDB adapter's semantics (the shared contract tests hold both
 * to them), for fast domain tests and the scale simulator. Deterministic: no clock, no randomness, no I/O.
 *
 * - Conditional writes throw the domain's ConditionFailedError; what DynamoDB refuses (a missing or
 *   mistyped key, an item over 400 KB, an index key of the wrong type) throws a ValidationException, and
 *   what the adapter's marshaller refuses throws its message, which never quotes the value.
 * - TTL: like DynamoDB, the store returns a row past its `expiresAt` until something deletes it (DynamoDB's
 *   TTL deleter is days late); treating such a row as absent is the domain's job (`isExpired`).
 * - Queries: a partition in sort-key order (DynamoDB's: numbers by value, strings by UTF-8 bytes), a page
 *   ends at `limit` items or once 1 MB was read, with a cursor whenever it ended so, as DynamoDB's does.
 * - Global secondary indexes of the table specs hold the rows that carry their key, with the projection of
 *   the spec. They are always up to date here: one of the behaviours "eventually consistent" allows.
 * - Every item is copied in and out, so no caller holds a reference into the store.
 */
import { ConditionFailedError } from '../../core/shared/errors';
import type { IndexQueryOptions, Item, Key, Page, QueryOptions, ScanOptions, Store, WriteCondition } from '../../core/shared/ports';
import { TABLES, type IndexSpec, type TableId, type TableSpec } from '../../core/policy/tables';
import { cursorKeyNames, decodeCursor, encodeCursor, indexSpec, type CursorKey } from '../store-cursor';
import { itemSize, MAX_ITEM_BYTES, PAGE_BYTES } from './item-size';
import { position, prefixRun } from './sorted';
import {
  compareIndexEntries,
  compareKeyValues,
  copyItem,
  encodeKeyValue,
  indexValue,
  itemKey,
  queryValue,
  requestKey,
  StoreValidationError,
  toStored,
  toStoredMap,
  type KeyValue,
} from './values';

interface Row {
  item: Item;
  sortKey?: KeyValue;
}

interface TableData {
  spec: TableSpec;
  /** Rows by partition, each partition sorted by sort key (one row when the table has none). */
  partitions: Map<string, Row[]>;
  /** Per index: rows by index key value, then by primary key. */
  indexes: Map<string, Map<string, Map<string, Row>>>;
}

export class MemoryStore implements Store {
  private readonly tables = new Map<TableId, TableData>();

  async get(table: TableId, key: Key, _opts?: { consistent?: boolean }): Promise<Item | undefined> {
    const row = this.find(table, key);
    return row ? copyItem(row.item) : undefined;
  }

  async put(table: TableId, item: Item, condition?: WriteCondition): Promise<void> {
    const data = this.table(table);
    const stored = toStoredMap(item);
    checkCondition(condition);
    if (itemSize(stored) > MAX_ITEM_BYTES) throw new StoreValidationError('Item size has exceeded the maximum allowed size');
    const [partition, sortKey] = itemKey(data.spec, stored);
    const rows = data.partitions.get(encodeKeyValue(partition!)) ?? [];
    const at = position(rows, sortKey);
    const existing = at.found ? rows[at.index] : undefined;
    if (!holds(condition, existing?.item)) throw new ConditionFailedError();
    const row: Row = { item: stored, sortKey };
    if (existing) {
      this.unindex(data, existing);
      rows[at.index] = row;
    } else {
      rows.splice(at.index, 0, row);
      data.partitions.set(encodeKeyValue(partition!), rows);
    }
    this.index(data, row);
  }

  async delete(table: TableId, key: Key, condition?: WriteCondition): Promise<void> {
    const data = this.table(table);
    checkCondition(condition);
    const [partition, sortKey] = requestKey(data.spec, key);
    const rows = data.partitions.get(encodeKeyValue(partition!)) ?? [];
    const at = position(rows, sortKey);
    const existing = at.found ? rows[at.index] : undefined;
    if (!holds(condition, existing?.item)) throw new ConditionFailedError();
    if (!existing) return;
    this.unindex(data, existing);
    rows.splice(at.index, 1);
    if (rows.length === 0) data.partitions.delete(encodeKeyValue(partition!));
  }

  /** As one BatchWriteItem call per 25: every key is checked before anything is deleted. */
  async batchDelete(table: TableId, keys: readonly Key[]): Promise<void> {
    const { spec } = this.table(table);
    for (const key of keys) requestKey(spec, key);
    for (const key of keys) await this.delete(table, key);
  }

  async query(table: TableId, partition: string | number, opts: QueryOptions = {}): Promise<Page> {
    const { spec, partitions } = this.table(table);
    const value = queryValue(spec.partitionKey, partition);
    checkLimit(opts.limit);
    if (opts.prefix !== undefined && !spec.sortKey) throw new Error(`Table ${table} has no sort key; a prefix query is not possible.`);
    if (opts.prefix !== undefined && spec.sortKey?.type !== 'S') {
      throw new StoreValidationError('Invalid KeyConditionExpression: begins_with needs a string sort key');
    }
    const start = startOf(table, spec, value, opts);
    const rows = partitions.get(encodeKeyValue(value)) ?? [];
    // The run of rows to read, [from, to), found by binary search: paging a large partition stays cheap.
    let [from, to] = opts.prefix === undefined ? [0, rows.length] : prefixRun(rows, opts.prefix);
    if (start) {
      // Past the cursor's row in the direction of the query; without a sort key, past the only row.
      const at = spec.sortKey ? position(rows, start[spec.sortKey.name]) : { index: rows.length, found: false };
      if (opts.descending) to = Math.min(to, at.index);
      else from = Math.max(from, at.found ? at.index + 1 : at.index);
    }
    function* inOrder(): Iterable<Item> {
      if (opts.descending) for (let i = to - 1; i >= from; i--) yield rows[i]!.item;
      else for (let i = from; i < to; i++) yield rows[i]!.item;
    }
    return page(inOrder(), opts.limit, cursorKeyNames(table));
  }

  async queryIndex(table: TableId, index: string, value: string | number, opts: IndexQueryOptions = {}): Promise<Page> {
    const data = this.table(table);
    const spec = indexSpec(table, index);
    const indexKey = queryValue(spec.partitionKey, value);
    checkLimit(opts.limit);
    const start = opts.cursor === undefined ? undefined : decodeCursor(table, indexKey, opts.cursor, spec);
    const compare = compareIndexEntries(data.spec, spec);
    let items = [...(data.indexes.get(spec.name)?.get(encodeKeyValue(indexKey))?.values() ?? [])].map((r) => r.item).sort(compare);
    if (opts.atMost !== undefined) {
      if (!spec.sortKey) throw new Error(`Index ${index} of ${table} has no sort key; an atMost query is not possible.`);
      const [name, bound] = [spec.sortKey.name, queryValue(spec.sortKey, opts.atMost)];
      items = items.filter((item) => compareKeyValues(item[name] as KeyValue, bound) <= 0);
    }
    if (start) items = items.filter((item) => compare(item, start) > 0);
    const projected = items.map((item) => project(data.spec, spec, item));
    return page(projected, opts.limit, cursorKeyNames(table, spec));
  }

  /** The rows present when the scan started, each as it is when reached (a scan is not a snapshot in DynamoDB either). */
  async *scan(table: TableId, opts?: ScanOptions): AsyncIterable<Item> {
    const data = this.table(table);
    const segments = opts && opts.totalSegments > 1 ? opts : undefined;
    for (const partition of [...data.partitions.keys()]) {
      // Like DynamoDB, a segment is a fixed share of the partition-key hash space.
      if (segments && fnv1a(partition) % segments.totalSegments !== segments.segment) continue;
      for (const row of [...(data.partitions.get(partition) ?? [])]) yield copyItem(row.item);
    }
  }

  /** The stored row itself, not a copy, for the capacity counter: read-only. */
  peek(table: TableId, key: Key): Readonly<Item> | undefined {
    return this.find(table, key)?.item;
  }

  private find(table: TableId, key: Key): Row | undefined {
    const data = this.table(table);
    const [partition, sortKey] = requestKey(data.spec, key);
    const rows = data.partitions.get(encodeKeyValue(partition!)) ?? [];
    const at = position(rows, sortKey);
    return at.found ? rows[at.index] : undefined;
  }

  private table(table: TableId): TableData {
    let data = this.tables.get(table);
    if (!data) {
      const spec: TableSpec | undefined = TABLES[table];
      if (!spec) throw new Error(`No table ${String(table)} in the table specs.`);
      data = { spec, partitions: new Map(), indexes: new Map((spec.indexes ?? []).map((i) => [i.name, new Map()])) };
      this.tables.set(table, data);
    }
    return data;
  }

  private index(data: TableData, row: Row): void {
    for (const spec of data.spec.indexes ?? []) {
      const value = indexValue(spec, row.item);
      if (value === undefined) continue;
      const entries = data.indexes.get(spec.name)!;
      const key = encodeKeyValue(value);
      const rows = entries.get(key) ?? new Map<string, Row>();
      rows.set(primaryId(data.spec, row.item), row);
      entries.set(key, rows);
    }
  }

  private unindex(data: TableData, row: Row): void {
    for (const spec of data.spec.indexes ?? []) {
      const value = indexValue(spec, row.item);
      if (value === undefined) continue;
      const entries = data.indexes.get(spec.name)!;
      const key = encodeKeyValue(value);
      const rows = entries.get(key);
      rows?.delete(primaryId(data.spec, row.item));
      if (rows?.size === 0) entries.delete(key);
    }
  }
}

/** One page: at most `limit` items, ending early once 1 MB was read; a cursor whenever the page was cut. */
function page(items: Iterable<Item>, limit: number | undefined, keyNames: string[]): Page {
  const out: Item[] = [];
  let bytes = 0;
  for (const item of items) {
    if ((limit !== undefined && out.length >= limit) || bytes >= PAGE_BYTES) break;
    out.push(copyItem(item));
    bytes += itemSize(item);
  }
  const cut = (limit !== undefined && out.length >= limit) || bytes >= PAGE_BYTES;
  const last = out.at(-1);
  if (!cut || !last) return { items: out };
  return { items: out, cursor: encodeCursor(Object.fromEntries(keyNames.map((name) => [name, last[name]]))) };
}

/** Where a query resumes: the store's own cursor, or a sort key value to start past (`after`). */
function startOf(table: TableId, spec: TableSpec, partition: KeyValue, opts: QueryOptions): CursorKey | undefined {
  if (opts.after !== undefined) {
    if (opts.cursor !== undefined) throw new Error('A query takes a cursor or `after`, not both.');
    if (!spec.sortKey) throw new Error(`Table ${table} has no sort key; \`after\` is not possible.`);
    const after = queryValue(spec.sortKey, opts.after);
    return { [spec.partitionKey.name]: partition, [spec.sortKey.name]: after };
  }
  return opts.cursor === undefined ? undefined : decodeCursor(table, partition as string | number, opts.cursor);
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    const constraint = 'failed to satisfy constraint: Member must have value greater than or equal to 1';
    throw new StoreValidationError(`1 validation error detected: Value '${limit}' at 'limit' ${constraint}`);
  }
}

/** The condition's values go through the marshaller too. */
function checkCondition(condition: WriteCondition | undefined): void {
  if (condition?.kind === 'equals') for (const value of Object.values(condition.values)) toStored(value);
}

function holds(condition: WriteCondition | undefined, existing: Item | undefined): boolean {
  if (!condition) return true;
  switch (condition.kind) {
    case 'notExists':
      return existing === undefined;
    case 'exists':
      return existing !== undefined;
    case 'equals':
      // Typed equality, as DynamoDB compares: the number 2 is not the string "2".
      return Object.entries(condition.values).every(([name, value]) => existing?.[name] === value);
  }
}

function primaryId(spec: TableSpec, item: Item): string {
  const sortKey = spec.sortKey ? item[spec.sortKey.name] : undefined;
  const partition = encodeKeyValue(item[spec.partitionKey.name] as KeyValue);
  return sortKey === undefined ? partition : `${partition}\u0000${encodeKeyValue(sortKey as KeyValue)}`;
}

/** What an index query returns of a row: everything (ALL), or the table's keys and the index key. */
function project(table: TableSpec, index: IndexSpec, item: Item): Item {
  if (index.projection === 'ALL') return item;
  const names = [table.partitionKey.name, ...(table.sortKey ? [table.sortKey.name] : []), index.partitionKey.name];
  if (index.sortKey) names.push(index.sortKey.name);
  return Object.fromEntries(names.map((name) => [name, item[name]]));
}

/** FNV-1a over the encoded partition key: deterministic, and spread well enough to split a table. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
