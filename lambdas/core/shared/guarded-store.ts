/**
 * The inventory guard at run time: a Store decorator that refuses any attribute the table spec does
 * not declare, so personal data cannot slip into a table unnoticed. Also lets tests observe every write.
 */
import type { IndexQueryOptions, Item, Key, QueryOptions, ScanOptions, Store, WriteCondition } from './ports';
import { TABLES, type TableId } from '../policy/tables';

export class UndeclaredAttributeError extends Error {
  constructor(table: string, attributes: string[]) {
    super(`Table ${table} does not declare attribute(s): ${attributes.join(', ')}`);
  }
}

export type WriteObserver = (table: TableId, attributes: string[]) => void;

export class GuardedStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly observe?: WriteObserver,
  ) {}

  get(table: TableId, key: Key, opts?: { consistent?: boolean }) {
    return this.inner.get(table, key, opts);
  }

  async put(table: TableId, item: Item, condition?: WriteCondition): Promise<void> {
    const names = Object.keys(item).filter((k) => item[k] !== undefined);
    const declared: readonly string[] = TABLES[table].attributes;
    const undeclared = names.filter((n) => !declared.includes(n));
    if (undeclared.length > 0) throw new UndeclaredAttributeError(table, undeclared);
    this.observe?.(table, names);
    return this.inner.put(table, item, condition);
  }

  delete(table: TableId, key: Key, condition?: WriteCondition) {
    return this.inner.delete(table, key, condition);
  }

  query(table: TableId, partition: string | number, opts?: QueryOptions) {
    return this.inner.query(table, partition, opts);
  }

  queryIndex(table: TableId, index: string, value: string | number, opts?: IndexQueryOptions) {
    return this.inner.queryIndex(table, index, value, opts);
  }

  scan(table: TableId, opts?: ScanOptions) {
    return this.inner.scan(table, opts);
  }
}
