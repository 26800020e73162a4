/**
 * Table specs: defined once, used by the CDK stack, the local home (tables created at start) and the
 * store's inventory guard (an attribute not listed here is refused before it reaches a table).
 */
import { CATEGORIES, type Category, type TableName } from './inventory';

export type KeyType = 'S' | 'N' | 'B';

/** A global secondary index (eventually consistent; holds only the rows that carry its key). */
export interface IndexSpec {
  name: string;
  partitionKey: { name: string; type: KeyType };
  /** Orders an index partition; a row is in the index only when it carries both keys. */
  sortKey?: { name: string; type: KeyType };
  /** KEYS_ONLY: a query returns the table's keys and the index key, nothing else. */
  projection: 'KEYS_ONLY' | 'ALL';
}

export interface TableSpec {
  name: TableName | LocalTableName;
  partitionKey: { name: string; type: KeyType };
  sortKey?: { name: string; type: KeyType };
  /** Every attribute a row may carry, keys included. */
  attributes: readonly string[];
  /** Attributes rows written by older code may still carry: read, never written again (the guard refuses them). */
  legacyAttributes?: readonly string[];
  /** TTL attribute (epoch seconds). Reads treat an expired row as absent. */
  ttlAttribute?: string;
  /**
   * Point-in-time recovery window in days. 1 for every table whose rows tie a contact (its value, its
   * blind index, anything derived from it) or a pseudonym to a customerId, and for the keys: a day after
   * an erasure no backup can link or decrypt anything of the customer (the unlinkability test checks it).
   */
  pitrDays: number;
  /** Stream of deletions so TTL expiry can cascade. */
  stream?: 'OLD_IMAGE';
  indexes?: readonly IndexSpec[];
  /** Exists only in the local home (stands in for an AWS service). */
  localOnly?: boolean;
}

export type LocalTableName = 'schedules';

export const TTL_ATTRIBUTE = 'expiresAt';

const spec = (s: Omit<TableSpec, 'ttlAttribute' | 'pitrDays'> & Partial<Pick<TableSpec, 'pitrDays'>>): TableSpec => ({
  ttlAttribute: TTL_ATTRIBUTE,
  pitrDays: 35,
  ...s,
});

/** Customers by the day their next reminder is due, write-sharded (`remindShard`, 0-15): sparse, whole rows. */
export const REMIND_ON_INDEX_SPEC: IndexSpec = {
  name: 'byRemindOn',
  partitionKey: { name: 'remindShard', type: 'N' },
  sortKey: { name: 'remindOn', type: 'S' },
  projection: 'ALL',
};

/** Finds a customer's rows in tables keyed otherwise; the erasure cascade needs only their keys. */
export const BY_CUSTOMER: IndexSpec = { name: 'byCustomer', partitionKey: { name: 'customerId', type: 'S' }, projection: 'KEYS_ONLY' };

/**
 * Open erasure requests (pending or on hold), for the daily schedule reconcile without a scan: a sparse
 * index, since only an open receipt carries `openRequest` (Receipts.put keeps it in step with the status).
 * One partition value: open requests are few (each closes within the grace period or its legal hold).
 */
export const OPEN_REQUESTS: IndexSpec = { name: 'openRequests', partitionKey: { name: 'openRequest', type: 'S' }, projection: 'KEYS_ONLY' };

export const TABLES = {
  customers: spec({
    name: 'customers',
    partitionKey: { name: 'customerId', type: 'S' },
    // No blind index here (35 days of backups): it lives in the sealed record and the contact index only.
    attributes: [
      'customerId',
      'v',
      'sealed',
      'contactType',
      'createdAt',
      'lastActivityAt',
      TTL_ATTRIBUTE,
      'consent',
      'erasure',
      'legalHold',
      'reminders',
      'remindShard',
      'remindOn',
      'undeliverable',
    ],
    legacyAttributes: ['lookup'],
    stream: 'OLD_IMAGE',
    // The daily reminders read the customers due by today, nothing else (customer/reminder-day.ts): one query per
    // shard, `remindOn <= today`. Whole rows projected: one index item and the customer's key per reminder.
    indexes: [REMIND_ON_INDEX_SPEC],
  }),
  'customer-keys': spec({
    name: 'customer-keys',
    partitionKey: { name: 'customerId', type: 'S' },
    // branch, branchVersion: the branch key that wraps the key (absent: wrapped by KMS directly, before branch keys).
    attributes: ['customerId', 'wrappedKey', 'branch', 'branchVersion', 'createdAt', TTL_ATTRIBUTE],
    pitrDays: 1,
  }),
  'key-store': spec({
    name: 'key-store',
    // `branch-07`, `beacon`: one partition per key, one row per version (KMS-wrapped); `rotation#…`: progress of a rotation.
    partitionKey: { name: 'keyId', type: 'S' },
    sortKey: { name: 'version', type: 'N' },
    attributes: ['keyId', 'version', 'wrapped', 'legacy', 'createdAt', 'target', 'totalSegments', 'startedAt', TTL_ATTRIBUTE],
    // A retired version must not outlive its retirement in a backup for long.
    pitrDays: 1,
  }),
  'contact-index': spec({
    name: 'contact-index',
    partitionKey: { name: 'lookup', type: 'S' },
    // Like the keys: a restored index would link an erased contact to the retained purchases again.
    pitrDays: 1,
    attributes: ['lookup', 'customerId', 'createdAt', TTL_ATTRIBUTE],
    // The cascade finds every entry naming the customer, also when the sealed record can no longer say which.
    indexes: [BY_CUSTOMER],
  }),
  interactions: spec({
    name: 'interactions',
    partitionKey: { name: 'pseudonym', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    attributes: ['pseudonym', 'sk', 'interactionId', 'channel', 'summary', 'occurredAt', 'actor', TTL_ATTRIBUTE],
  }),
  transactions: spec({
    name: 'transactions',
    partitionKey: { name: 'customerId', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    attributes: ['customerId', 'sk', 'purchaseId', 'currency', 'items', 'totalMinor', 'occurredAt', 'actor', 'createdAt', TTL_ATTRIBUTE],
  }),
  behaviour: spec({
    name: 'behaviour',
    partitionKey: { name: 'pseudonym', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    attributes: ['pseudonym', 'sk', 'eventId', 'type', 'path', 'occurredAt', TTL_ATTRIBUTE],
  }),
  'access-log': spec({
    name: 'access-log',
    partitionKey: { name: 'customerId', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    attributes: ['customerId', 'sk', 'at', 'actor', 'role', 'action', 'purpose', TTL_ATTRIBUTE],
  }),
  sessions: spec({
    name: 'sessions',
    partitionKey: { name: 'id', type: 'S' },
    attributes: [
      'id',
      'kind',
      'customerId',
      'codeHash',
      'attempts',
      'createdAt',
      'lastSeenAt',
      'absoluteExpiresAt',
      'lockedUntil',
      'count',
      'windowStart',
      'failures',
      'locks',
      'position',
      'updatedAt',
      TTL_ATTRIBUTE,
    ],
    // Besides: the daily reminders' checkpoint (`job#reminders`, kind `job`, `position`), nothing about anyone.
    indexes: [BY_CUSTOMER],
    // Sign-in codes and guards are keyed by a hash of the contact's blind index, codes name the customer.
    pitrDays: 1,
  }),
  receipts: spec({
    name: 'receipts',
    partitionKey: { name: 'receiptId', type: 'S' },
    attributes: [
      'receiptId',
      'customerId',
      'status',
      'requestedAt',
      'requestedBy',
      'scheduledFor',
      'cancelledAt',
      'startedAt',
      'completedAt',
      'categories',
      'steps',
      'onHoldSince',
      'history',
      'openRequest',
      TTL_ATTRIBUTE,
    ],
    indexes: [OPEN_REQUESTS],
  }),
  idempotency: spec({
    name: 'idempotency',
    partitionKey: { name: 'key', type: 'S' },
    attributes: ['key', 'fingerprint', 'customerId', 'resultId', 'createdAt', TTL_ATTRIBUTE],
    indexes: [BY_CUSTOMER],
    // A create's fingerprint is a keyed hash of the request body, contact included, beside the new customerId.
    pitrDays: 1,
  }),
  schedules: spec({
    name: 'schedules',
    partitionKey: { name: 'name', type: 'S' },
    attributes: ['name', 'at', 'target', 'payload', 'createdAt', 'attempts', TTL_ATTRIBUTE],
    localOnly: true,
  }),
} as const satisfies Record<string, TableSpec>;

export type TableId = keyof typeof TABLES;

export const ALL_TABLES: readonly TableSpec[] = Object.values(TABLES);
export const AWS_TABLES: readonly TableSpec[] = ALL_TABLES.filter((t) => !t.localOnly);

export function categoriesOf(table: TableId): Category[] {
  return CATEGORIES.filter((c) => c.table === table);
}

/** Physical table name for a deployment prefix, e.g. `crm-dev-customers`. */
export function physicalName(prefix: string, table: TableId): string {
  return `${prefix}${table}`;
}

/** The environment variable that carries a table's physical name into a Lambda function. */
export function tableEnvVar(table: TableId): string {
  return `CRM_TABLE_${table.toUpperCase().replace(/-/g, '_')}`;
}

export type TableNames = Record<TableId, string>;

export function tableNamesFromPrefix(prefix: string): TableNames {
  return Object.fromEntries(ALL_TABLES.map((t) => [t.name, physicalName(prefix, t.name as TableId)])) as TableNames;
}
