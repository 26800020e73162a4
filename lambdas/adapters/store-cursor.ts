/**
 * Paging cursors of the Store port, shared by the DynamoDB and in-memory adapters so both hand out and
 * accept the same opaque token: DynamoDB's LastEvaluatedKey as base64url JSON.
 */
import { ValidationError } from '../core/shared/errors';
import { TABLES, type IndexSpec, type TableId, type TableSpec } from '../core/policy/tables';

export type CursorKey = Record<string, string | number>;

export function encodeCursor(lastKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url');
}

export function indexSpec(table: TableId, index: string): IndexSpec {
  const spec: TableSpec = TABLES[table];
  const found = spec.indexes?.find((i) => i.name === index);
  if (!found) throw new Error(`Table ${table} has no index ${index}.`);
  return found;
}

/** The attributes of a LastEvaluatedKey: the table's keys, plus the index key on an index query. */
export function cursorKeyNames(table: TableId, index?: IndexSpec): string[] {
  const spec: TableSpec = TABLES[table];
  return [...new Set([spec.partitionKey.name, ...(spec.sortKey ? [spec.sortKey.name] : []), ...(index ? [index.partitionKey.name] : [])])];
}

/**
 * A cursor comes back from a client: accept only the table's own key attributes (and the index key on
 * an index query), and only for the partition being queried, so a forged cursor cannot steer a read anywhere else.
 */
export function decodeCursor(table: TableId, partition: string | number, cursor: string, index?: IndexSpec): CursorKey {
  const keyNames = cursorKeyNames(table, index);
  const partitionKey = (index ?? TABLES[table]).partitionKey.name;
  const invalid = () =>
    new ValidationError('The cursor is not valid.', [{ field: 'cursor', message: 'Not a cursor from a previous page.' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length !== keyNames.length) throw invalid();
  for (const [name, value] of entries) {
    if (!keyNames.includes(name) || (typeof value !== 'string' && typeof value !== 'number')) throw invalid();
  }
  if ((parsed as Record<string, unknown>)[partitionKey] !== partition) throw invalid();
  return parsed as CursorKey;
}
