/**
 * What the DynamoDB adapter's marshaller and DynamoDB itself check about values and keys, for the
 * in-memory store: the same refusals, with the same error names and messages, and nothing personal in them.
 */
import type { Item, Value } from '../../core/shared/ports';
import type { IndexSpec, KeyType, TableSpec } from '../../core/policy/tables';
import type { CursorKey } from '../store-cursor';
import { MAX_PARTITION_KEY_BYTES, MAX_SORT_KEY_BYTES } from './item-size';

/** DynamoDB refused the request (HTTP 400 ValidationException): a caller's mistake, passed through as it is. */
export class StoreValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

/** The DynamoDB adapter's message for a value the marshaller cannot convert (it never quotes the value). */
export const UNCONVERTIBLE = 'A value could not be converted to or from a DynamoDB attribute.';

/** DynamoDB's smallest number magnitude (1E-130); JavaScript's safe integers stay far below its largest. */
const MIN_MAGNITUDE = 1e-130;

// DynamoDB's own wording, so that a test or a log reads the same whichever store answered.
const INVALID = 'One or more parameter values were invalid:';
const NOT_VALID = 'One or more parameter values are not valid.';
const EMPTY_KEY = 'The AttributeValue for a key attribute cannot contain an empty string value.';
const NO_MATCH = 'The provided key element does not match the schema';

/**
 * The value as DynamoDB would store it, as the adapter marshals it: undefined and functions dropped
 * (in lists too), binaries copied to plain bytes; anything the marshaller refuses, refused.
 */
export function toStored(value: unknown): Value | undefined {
  if (value === undefined || typeof value === 'function') return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) throw new Error(UNCONVERTIBLE);
    if (value !== 0 && Math.abs(value) < MIN_MAGNITUDE) {
      throw new StoreValidationError('Number underflow. Attempting to store a number with magnitude smaller than supported range');
    }
    return value === 0 ? 0 : value;
  }
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (Array.isArray(value)) {
    const list: Value[] = [];
    for (const element of value) {
      const stored = toStored(element);
      if (stored !== undefined) list.push(stored);
    }
    return list;
  }
  const plain = typeof value === 'object' && (value.constructor === Object || Object.getPrototypeOf(value) === null);
  if (plain) return toStoredMap(value as Record<string, unknown>);
  throw new Error(UNCONVERTIBLE);
}

export function toStoredMap(item: Record<string, unknown>): Item {
  const map: Item = {};
  for (const [name, element] of Object.entries(item)) {
    const stored = toStored(element);
    if (stored !== undefined) map[name] = stored;
  }
  return map;
}

/** A deep copy, so that no caller holds a reference into the store. */
export function copyValue(value: Value): Value {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(copyValue);
  const map: Item = {};
  for (const [name, element] of Object.entries(value)) if (element !== undefined) map[name] = copyValue(element);
  return map;
}

export const copyItem = (item: Item): Item => copyValue(item) as Item;

/** DynamoDB's type descriptor of a stored value, as its messages name it. */
export function typeName(value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return 'S';
  if (typeof value === 'number') return 'N';
  if (typeof value === 'boolean') return 'BOOL';
  if (value instanceof Uint8Array) return 'B';
  return Array.isArray(value) ? 'L' : 'M';
}

export type KeyValue = string | number;

function matchesType(value: Value, type: KeyType): value is KeyValue {
  return (type === 'S' && typeof value === 'string') || (type === 'N' && typeof value === 'number');
}

function checkKeySize(value: KeyValue, isPartition: boolean): void {
  if (typeof value !== 'string') return;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (isPartition && bytes > MAX_PARTITION_KEY_BYTES) {
    throw new StoreValidationError(`${INVALID} Size of hashkey has exceeded the maximum size limit of 2048 bytes`);
  }
  if (!isPartition && bytes > MAX_SORT_KEY_BYTES) {
    throw new StoreValidationError(`${INVALID} Aggregated size of all range keys has exceeded the size limit of 1024 bytes`);
  }
}

function keyAttributes(spec: TableSpec): { name: string; type: KeyType; isPartition: boolean }[] {
  if (spec.partitionKey.type === 'B' || spec.sortKey?.type === 'B') throw new Error(`Table ${spec.name}: binary keys are not supported.`);
  return [{ ...spec.partitionKey, isPartition: true }, ...(spec.sortKey ? [{ ...spec.sortKey, isPartition: false }] : [])];
}

/** The key attributes of an item to be put, checked as PutItem checks them (index keys included). */
export function itemKey(spec: TableSpec, item: Item): KeyValue[] {
  const key = keyAttributes(spec).map(({ name, type, isPartition }) => {
    const value = item[name];
    if (value === undefined) throw new StoreValidationError(`${INVALID} Missing the key ${name} in the item`);
    if (!matchesType(value, type)) {
      throw new StoreValidationError(`${INVALID} Type mismatch for key ${name} expected: ${type} actual: ${typeName(value)}`);
    }
    if (value === '') throw new StoreValidationError(`${NOT_VALID} ${EMPTY_KEY} Key: ${name}`);
    checkKeySize(value, isPartition);
    return value;
  });
  for (const index of spec.indexes ?? []) indexValue(index, item);
  return key;
}

/** The item's value of the index key; undefined when the item is not in the index (it lacks a key of it). */
export function indexValue(index: IndexSpec, item: Item): KeyValue | undefined {
  const partition = indexKeyValue(index, index.partitionKey, item);
  const sort = index.sortKey ? indexKeyValue(index, index.sortKey, item) : undefined;
  return index.sortKey && sort === undefined ? undefined : partition;
}

function indexKeyValue(index: IndexSpec, key: { name: string; type: KeyType }, item: Item): KeyValue | undefined {
  const { name, type } = key;
  const value = item[name];
  if (value === undefined) return undefined;
  if (!matchesType(value, type)) {
    throw new StoreValidationError(
      `${INVALID} Type mismatch for Index Key ${name} Expected: ${type} Actual: ${typeName(value)} IndexName: ${index.name}`,
    );
  }
  // DynamoDB refuses this; dynalite does not check it.
  if (value === '') {
    throw new StoreValidationError(
      `${NOT_VALID} A value specified for a secondary index key is not supported. ${EMPTY_KEY} IndexName: ${index.name}, IndexKey: ${name}`,
    );
  }
  checkKeySize(value, key === index.partitionKey);
  return value;
}

/** The key of a GetItem or DeleteItem: exactly the table's key attributes, of their types. */
export function requestKey(spec: TableSpec, key: Record<string, unknown>): KeyValue[] {
  const stored = toStoredMap(key);
  const attributes = keyAttributes(spec);
  if (Object.keys(stored).length !== attributes.length) throw new StoreValidationError(NO_MATCH);
  return attributes.map(({ name, type, isPartition }) => {
    const value = stored[name];
    if (value === undefined || !matchesType(value, type)) throw new StoreValidationError(NO_MATCH);
    if (value === '') throw new StoreValidationError(`${INVALID} ${EMPTY_KEY} Key: ${name}`);
    checkKeySize(value, isPartition);
    return value;
  });
}

/** The partition value of a Query (table or index key). */
export function queryValue(key: { name: string; type: KeyType }, value: unknown): KeyValue {
  const stored = toStored(value);
  if (stored === undefined || stored === null || !matchesType(stored, key.type)) {
    throw new StoreValidationError(`${INVALID} Condition parameter type does not match schema type`);
  }
  // An empty partition value finds nothing (dynalite answers so; no row can have an empty key).
  return stored;
}

/**
 * DynamoDB's order of key values: numbers by value, strings by their UTF-8 bytes. UTF-8 byte order is
 * code point order, which differs from JavaScript's UTF-16 order only between surrogates and U+E000–U+FFFF.
 */
export function compareKeyValues(a: KeyValue, b: KeyValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const cx = x.charCodeAt(i);
    const cy = y.charCodeAt(i);
    if (cx !== cy) return codePointRank(cx) - codePointRank(cy);
  }
  return x.length - y.length;
}

const codePointRank = (unit: number): number => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

/** A map key for one key value: numbers and strings never collide. */
export const encodeKeyValue = (value: KeyValue): string => (typeof value === 'number' ? `n${value}` : `s${value}`);

/** An index's order: by its sort key (DynamoDB's order), then the table's keys. */
export function compareIndexEntries(table: TableSpec, index: IndexSpec): (a: Item | CursorKey, b: Item | CursorKey) => number {
  const byTable = compareTableKeys(table);
  const sortKey = index.sortKey?.name;
  return (a, b) => (sortKey ? compareKeyValues(a[sortKey] as KeyValue, b[sortKey] as KeyValue) : 0) || byTable(a, b);
}

export function compareTableKeys(spec: TableSpec): (a: Item | CursorKey, b: Item | CursorKey) => number {
  const names = [spec.partitionKey.name, ...(spec.sortKey ? [spec.sortKey.name] : [])];
  return (a, b) => {
    for (const name of names) {
      const order = compareKeyValues(a[name] as KeyValue, b[name] as KeyValue);
      if (order !== 0) return order;
    }
    return 0;
  };
}
