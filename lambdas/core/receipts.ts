/**
 * Erasure receipts: the proof an erasure was requested, cancelled, held or done, and the ledger that
 * re-applies every completed erasure after a restore from backup. A receipt holds ids, dates and the
 * inventory's categories; never a name, a contact or anything sealed. Its customerId is a random id
 * that, once the erasure is complete, points at no customer, key or pseudonym anywhere.
 */
import { ValidationError, NotFoundError } from './errors';
import { effectiveCategories, type CategoryId } from './inventory';
import type { Clock, Item, Store, WriteCondition } from './ports';
import { isExpired } from './customer-rows';
import { isUuid } from './ids';
import { OPEN_REQUESTS } from './tables';

export type ReceiptStatus = 'pending' | 'cancelled' | 'completed' | 'on-hold';

export interface DeletedCategory {
  category: CategoryId;
  title: string;
  reason: string;
}

export interface RetainedCategory extends DeletedCategory {
  legalBasis: string;
  retention: string;
}

export interface ReceiptCategories {
  deleted: DeletedCategory[];
  retained: RetainedCategory[];
}

export interface ReceiptRow {
  receiptId: string;
  customerId: string;
  status: ReceiptStatus;
  requestedAt: string;
  /** `staff` or `customer`: who asked, never which person. */
  requestedBy: string;
  scheduledFor: string;
  cancelledAt?: string;
  startedAt?: string;
  completedAt?: string;
  onHoldSince?: string;
  categories?: ReceiptCategories;
  /** Steps of the erasure handler already done, so a rerun resumes after the last one. */
  steps?: string[];
  /** Present (`open`) exactly while the request is pending or on hold: the key of the open-requests index. */
  openRequest?: 'open';
  expiresAt: number;
}

const isOpen = (status: ReceiptStatus) => status === 'pending' || status === 'on-hold';

/** What anyone holding the receipt id may see. */
export interface PublicReceipt {
  receiptId: string;
  status: ReceiptStatus;
  requestedAt: string;
  scheduledFor: string;
  cancelledAt?: string;
  onHoldSince?: string;
  completedAt?: string;
  categories: ReceiptCategories;
}

/** What an erasure deletes and what it keeps, and why: read from the data inventory. */
export function erasureCategories(): ReceiptCategories {
  const deleted: DeletedCategory[] = [];
  const retained: RetainedCategory[] = [];
  for (const c of effectiveCategories()) {
    if (c.onErasure === 'deleted' || c.onErasure === 'deleted-key-shredded') {
      deleted.push({ category: c.id, title: c.title, reason: c.onErasureReason });
    } else if (c.onErasure === 'retained-unlinkable' || c.onErasure === 'retained-without-personal-data') {
      retained.push({ category: c.id, title: c.title, reason: c.onErasureReason, legalBasis: c.legalBasis, retention: c.retention.label });
    }
  }
  return { deleted, retained };
}

export class Receipts {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** The stored receipt (consistent read), or undefined when absent or past its retention. */
  async get(receiptId: string): Promise<ReceiptRow | undefined> {
    const item = await this.deps.store.get('receipts', { receiptId }, { consistent: true });
    if (!item || isExpired(item, this.deps.clock.now())) return undefined;
    return item as unknown as ReceiptRow;
  }

  async put(row: ReceiptRow, condition?: WriteCondition): Promise<void> {
    const indexed: ReceiptRow = { ...row, openRequest: isOpen(row.status) ? 'open' : undefined };
    await this.deps.store.put('receipts', indexed as unknown as Item, condition);
  }

  /** The open requests (pending or on hold), from the sparse index, each read again to confirm it is still open. */
  async *open(): AsyncIterable<ReceiptRow> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.queryIndex('receipts', OPEN_REQUESTS.name, 'open', { cursor });
      for (const key of page.items) {
        const row = await this.get(String(key.receiptId));
        if (row && isOpen(row.status)) yield row;
      }
      cursor = page.cursor;
    } while (cursor);
  }

  /** The public view: no customerId, no actor, no step log. */
  async view(receiptId: string): Promise<PublicReceipt> {
    if (!isUuid(receiptId)) throw new ValidationError('The receipt id is not valid.', [{ field: 'receiptId', message: 'must be a UUID' }]);
    const row = await this.get(receiptId);
    if (!row) throw new NotFoundError('No such erasure receipt.');
    return {
      receiptId: row.receiptId,
      status: row.status,
      requestedAt: row.requestedAt,
      scheduledFor: row.scheduledFor,
      ...(row.cancelledAt ? { cancelledAt: row.cancelledAt } : {}),
      ...(row.onHoldSince && row.status === 'on-hold' ? { onHoldSince: row.onHoldSince } : {}),
      ...(row.completedAt ? { completedAt: row.completedAt } : {}),
      // Completed: what was done. Pending or on hold: what will be done. Cancelled: nothing was.
      categories: row.status === 'cancelled' ? { deleted: [], retained: [] } : (row.categories ?? erasureCategories()),
    };
  }

  /** Every receipt in the ledger (maintenance: re-applying erasures after a restore). */
  async *all(): AsyncIterable<ReceiptRow> {
    for await (const item of this.deps.store.scan('receipts')) yield item as unknown as ReceiptRow;
  }
}
