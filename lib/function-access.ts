/**
 * Which tables each function may touch, and with which Store operations (each is one DynamoDB action,
 * see TABLE_ACTIONS). The lists follow the code paths each function runs:
 *
 * - the cascade (run by the erasure and TTL-stream functions) is derived from the data inventory: it
 *   may delete only from a table holding a category that is deleted on erasure, finding the rows the
 *   way lambdas/core/forgetting/cascade.ts does (the customerId index, the pseudonym's partition, or the key
 *   itself). Categories kept on erasure (purchases, the access log) are out of its reach altogether;
 * - the schedule reconcile reads open receipts by index and writes nothing;
 * - the API (lambdas/handlers/api.ts) writes single items and reads by key and partition; no request
 *   path or scheduled job scans, and the API deletes only sign-in rows, sessions (one by one, or a
 *   customer's through the customerId index after a contact change), a replaced contact-index entry
 *   and behaviour after analytics consent is withdrawn;
 * - only the key-maintenance function, run by an operator, scans customers and customer keys;
 * - BatchWriteItem (deletes in batches; the action would allow puts too) goes to the cascade for the event
 *   tables (interactions, behaviour) and to the API for behaviour, where both may write anyway or hold nothing
 *   that grants access; nothing sends UpdateItem, BatchGetItem or ConditionCheckItem, so none can be granted.
 */
import { CATEGORIES } from '../lambdas/core/policy/inventory';
import { BY_CUSTOMER, TABLES, type TableSpec } from '../lambdas/core/policy/tables';
import type { TableAccess, TableOperation } from './constructs/crm-function';
import type { AwsTableId } from './stateful-stack';

export type TableGrants = Partial<Record<AwsTableId, TableAccess>>;

const ERASED = new Set(['deleted', 'deleted-key-shredded']);

/** How the cascade finds one customer's rows of a table and deletes them. */
function cascadeOperations(table: AwsTableId): TableOperation[] {
  const spec: TableSpec = TABLES[table];
  const ops: TableOperation[] = [];
  // Found through the customerId index (a few rows: one by one), or (keyed by a pseudonym, one row per event) the
  // whole partition, in batches. BatchWriteItem can put as well as delete: never on sessions or the contact index.
  if (spec.indexes?.some((i) => i.name === BY_CUSTOMER.name)) ops.push('queryIndex', 'delete');
  else if (spec.sortKey) ops.push('query', 'batchDelete');
  // Keyed by what the row or the sealed record names (the customer id, the contact's blind index): one delete.
  if (!spec.sortKey && ['customerId', 'lookup'].includes(spec.partitionKey.name)) ops.push('delete');
  return ops;
}

/** Union of operation lists per table. */
function merge(...grants: TableGrants[]): TableGrants {
  const out: TableGrants = {};
  for (const g of grants) {
    for (const [table, ops] of Object.entries(g) as [AwsTableId, TableAccess][]) {
      out[table] = [...new Set([...(out[table] ?? []), ...ops])];
    }
  }
  return out;
}

function cascade(): TableGrants {
  const grants: TableGrants = {};
  for (const c of CATEGORIES) {
    if (ERASED.has(c.onErasure)) grants[c.table as AwsTableId] = cascadeOperations(c.table as AwsTableId);
  }
  // The sealed record names the pseudonyms: opening it reads the wrapped customer key (and its branch key), before shredding it.
  return merge(grants, UNWRAP_KEYS);
}

/** Reading a customer key: its row, and the version of its branch key it names. */
const UNWRAP_KEYS: TableGrants = { 'customer-keys': ['get'], 'key-store': ['get'] };

export const FUNCTION_TABLES = {
  /** Every request path of the staff API and the portal. */
  api: {
    customers: ['get', 'put'],
    // A create that fails after storing its new key deletes it again (never a key under a live row).
    'customer-keys': ['get', 'put', 'delete'],
    // A failed create or a changed contact removes its own blind-index entry.
    'contact-index': ['get', 'put', 'delete'],
    // Legal holds query a customer's partitions and re-put each row without (or with) its TTL.
    interactions: ['put', 'query'],
    transactions: ['get', 'put', 'query'],
    // Withdrawn analytics consent deletes what was collected under it, in batches.
    behaviour: ['put', 'query', 'batchDelete'],
    'access-log': ['put', 'query'],
    // Sign-in codes, guards and portal sessions are consumed and ended by deletion; a contact change
    // finds the customer's sessions and codes through the customerId index.
    sessions: ['get', 'put', 'delete', 'queryIndex'],
    receipts: ['get', 'put'],
    idempotency: ['get', 'put'],
    // Branch and beacon keys: read the versions, and make the first version of one nobody used yet.
    'key-store': ['get', 'query', 'put'],
  },
  /** Claims the customer row, runs the cascade and records each step on the receipt. */
  erasure: merge(cascade(), { customers: ['get', 'put'], receipts: ['get', 'put'] }),
  /** TTL expiry of a customer row runs the same cascade as an erasure (no receipt: nobody asked); a held row is put back. */
  stream: merge(cascade(), { customers: ['put'] }),
  /**
   * Queries the customers due through the byRemindOn index (never a scan), unwraps their key to read the
   * contact, records the reminder (a conditional put; on a lost race, a fresh read first); resumes from
   * its checkpoint (a row of the sessions table).
   */
  reminders: merge({ customers: ['queryIndex', 'get', 'put'], sessions: ['get', 'put'] }, UNWRAP_KEYS),
  /**
   * Finds open erasure requests through the receipts' sparse index (no scan), reads each receipt again,
   * and for one waiting past its date under a legal hold, the customer row (is the hold still there?).
   */
  reconcile: { receipts: ['queryIndex', 'get'], customers: ['get'] },
  /**
   * Operator jobs (lambdas/handlers/key-maintenance.ts): the index rebuild scans customers, moves each
   * blind index (sealed record and contact-index entry; a record too old to name it: the entry found
   * through the customerId index); the re-wrap scans customer keys and re-puts them; both
   * add and retire key versions and record their progress in the key store.
   */
  keys: {
    customers: ['scan', 'get', 'put'],
    'contact-index': ['get', 'put', 'delete', 'queryIndex'],
    'customer-keys': ['scan', 'get', 'put'],
    'key-store': ['scan', 'query', 'get', 'put', 'delete'],
  },
} as const satisfies Record<string, TableGrants>;
