/**
 * Which tables each function may touch, and how. The cascade (run by the erasure and TTL-stream
 * functions) is derived from the data inventory: it may write to a table only if a category stored
 * there is deleted on erasure. The erasure function also completes the receipts ledger. Categories
 * kept on erasure (purchases, the access log) are out of both functions' reach altogether.
 */
import { CATEGORIES } from '../lambdas/core/inventory';
import { AWS_TABLES } from '../lambdas/core/tables';
import type { TableAccess } from './constructs/crm-function';
import type { AwsTableId } from './stateful-stack';

export type TableGrants = Partial<Record<AwsTableId, TableAccess>>;

const ERASED = new Set(['deleted', 'deleted-key-shredded']);

function cascade(): TableGrants {
  const grants: TableGrants = {};
  for (const c of CATEGORIES) {
    if (ERASED.has(c.onErasure)) grants[c.table as AwsTableId] = 'readWrite';
  }
  return grants;
}

export const FUNCTION_TABLES = {
  /** Every request path of the staff API and the portal. */
  api: Object.fromEntries(AWS_TABLES.map((t) => [t.name, 'readWrite'])) as TableGrants,
  erasure: { ...cascade(), receipts: 'readWrite' } as TableGrants,
  /** TTL expiry of a customer row runs the same cascade as an erasure (no receipt: nobody asked). */
  stream: cascade(),
  /** Finds customers near expiry, unwraps their key to read the contact, records the reminder. */
  reminders: { customers: 'readWrite', 'customer-keys': 'read' } as TableGrants,
} as const satisfies Record<string, TableGrants>;
