/**
 * Erasure receipts: the proof an erasure was requested, cancelled, held or done, and the ledger that
 * re-applies every completed erasure after a restore from backup. A receipt holds ids, dates and the
 * inventory's categories; never a name, a contact or anything sealed. Its customerId is a random id
 * that, once the erasure is complete, points at no customer, key or pseudonym anywhere.
 */
import * as z from 'zod';
import { CATEGORIES, type CategoryId } from '../policy/inventory';
import type { RetentionPolicy } from '../policy/retention-policy';
import { OPEN_REQUESTS } from '../policy/tables';
import { ConditionFailedError, CorruptRecordError, NotFoundError, ValidationError } from '../shared/errors';
import { isUuid } from '../shared/ids';
import type { Clock, Item, Store, WriteCondition } from '../shared/ports';
import { forEachRow } from '../shared/scan';
import { isExpired } from '../policy/time';

export const RECEIPT_STATUSES = ['pending', 'cancelled', 'completed', 'on-hold'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

const DeletedCategorySchema = z.strictObject({
  category: z.custom<CategoryId>((v) => CATEGORIES.some((c) => c.id === v), 'must be a category id'),
  title: z.string(),
  reason: z.string(),
});
const RetainedCategorySchema = DeletedCategorySchema.extend({ legalBasis: z.string(), retention: z.string() });
export type DeletedCategory = z.infer<typeof DeletedCategorySchema>;
export type RetainedCategory = z.infer<typeof RetainedCategorySchema>;
const ReceiptCategoriesSchema = z.strictObject({ deleted: z.array(DeletedCategorySchema), retained: z.array(RetainedCategorySchema) });
export type ReceiptCategories = z.infer<typeof ReceiptCategoriesSchema>;

/**
 * What happened to a waiting erasure, for anyone holding the receipt: that a legal hold was placed or
 * lifted, and when. Never why: a hold's reason may be personal (a case about this person), so it
 * stays sealed in the access log and never reaches a receipt.
 */
const HistoryEventSchema = z.strictObject({ event: z.enum(['hold_placed', 'hold_lifted']), at: z.string() });
export type ReceiptEvent = z.infer<typeof HistoryEventSchema>;

/** The receipt row, checked on every read like the customer row (one record type, one mapper). */
export const ReceiptRowSchema = z.strictObject({
  receiptId: z.string(),
  customerId: z.string(),
  status: z.enum(RECEIPT_STATUSES),
  requestedAt: z.string(),
  /** `staff` or `customer`: who asked, never which person. */
  requestedBy: z.string(),
  scheduledFor: z.string(),
  cancelledAt: z.string().optional(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  onHoldSince: z.string().optional(),
  history: z.array(HistoryEventSchema).optional(),
  categories: ReceiptCategoriesSchema.optional(),
  /** Steps of the erasure run already done, so a rerun resumes after the last one. */
  steps: z.array(z.string()).optional(),
  /** Present (`open`) exactly while the request is pending or on hold: the key of the open-requests index. */
  openRequest: z.literal('open').optional(),
  expiresAt: z.number(),
});
export type ReceiptRow = z.infer<typeof ReceiptRowSchema>;

const isOpen = (status: ReceiptStatus) => status === 'pending' || status === 'on-hold';

function receiptFromItem(item: Item): ReceiptRow {
  const parsed = ReceiptRowSchema.safeParse(item);
  if (!parsed.success) throw new CorruptRecordError('receipts', parsed.error.issues.map((i) => i.path.join('.') || i.code).join(', '));
  return parsed.data;
}

/** What anyone holding the receipt id may see. */
export interface PublicReceipt {
  receiptId: string;
  status: ReceiptStatus;
  requestedAt: string;
  scheduledFor: string;
  cancelledAt?: string;
  onHoldSince?: string;
  completedAt?: string;
  history?: ReceiptEvent[];
  categories: ReceiptCategories;
}

/** The receipt with one more history event (the same event at the same time is recorded once). */
export function withEvent(row: ReceiptRow, event: ReceiptEvent['event'], at: string): ReceiptRow {
  const history = row.history ?? [];
  if (history.some((h) => h.event === event && h.at === at)) return row;
  return { ...row, history: [...history, { event, at }] };
}

/** What an erasure deletes and what it keeps, and why: read from the data inventory. */
export function erasureCategories(policy: RetentionPolicy): ReceiptCategories {
  const deleted: DeletedCategory[] = [];
  const retained: RetainedCategory[] = [];
  for (const c of policy.categories) {
    if (c.onErasure === 'deleted' || c.onErasure === 'deleted-key-shredded') {
      deleted.push({ category: c.id, title: c.title, reason: c.onErasureReason });
    } else if (c.onErasure === 'retained-unlinkable' || c.onErasure === 'retained-without-personal-data') {
      retained.push({ category: c.id, title: c.title, reason: c.onErasureReason, legalBasis: c.legalBasis, retention: c.retention.label });
    }
  }
  return { deleted, retained };
}

export class Receipts {
  constructor(private readonly deps: { store: Store; clock: Clock; policy: RetentionPolicy }) {}

  /** What an erasure under this deployment's policy deletes and keeps. */
  erasureCategories(): ReceiptCategories {
    return erasureCategories(this.deps.policy);
  }

  /** Closes a request that never started (lost race, stale schedule); a concurrent change wins. */
  async abandon(receipt: ReceiptRow): Promise<void> {
    if (receipt.status === 'cancelled' || receipt.steps?.includes('started')) return;
    const cancelled: ReceiptRow = {
      ...receipt,
      status: 'cancelled',
      cancelledAt: this.deps.clock.now().toISOString(),
      onHoldSince: undefined,
    };
    await this.put(cancelled, { kind: 'equals', values: { status: receipt.status } }).catch((e) => {
      if (!(e instanceof ConditionFailedError)) throw e;
    });
  }

  /** The stored receipt (consistent read), or undefined when absent or past its retention. */
  async get(receiptId: string): Promise<ReceiptRow | undefined> {
    const item = await this.deps.store.get('receipts', { receiptId }, { consistent: true });
    if (!item || isExpired(item, this.deps.clock.now())) return undefined;
    return receiptFromItem(item);
  }

  async put(row: ReceiptRow, condition?: WriteCondition): Promise<void> {
    await this.deps.store.put('receipts', { ...row, openRequest: isOpen(row.status) ? 'open' : undefined }, condition);
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
      ...(row.history?.length ? { history: row.history } : {}),
      // Completed: what was done. Pending or on hold: what will be done. Cancelled: nothing was.
      categories: row.status === 'cancelled' ? { deleted: [], retained: [] } : (row.categories ?? this.erasureCategories()),
    };
  }

  /** Every receipt in the ledger, in parallel segments (an operator command: re-applying erasures after a restore). */
  async forEach(onReceipt: (receipt: ReceiptRow) => Promise<void>): Promise<void> {
    await forEachRow(this.deps.store, 'receipts', (item) => onReceipt(receiptFromItem(item)));
  }
}
