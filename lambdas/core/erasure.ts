/**
 * Erasure on request: a grace period, then everything goes.
 *
 * Request: receipt (invisible until the customer row points at it) → one-time schedule named after
 * the receipt → the erasure mark on the customer row, which is the commit point. A crash before the
 * mark leaves a schedule whose receipt the row does not name; the handler then does nothing.
 * Schedules are per receipt, not per customer, so that a cancel (or a request that replaces a mark)
 * deletes only the schedule of the request it ends, never that of a newer request committed meanwhile.
 *
 * The customer row serialises everything that must not overlap: the handler takes the mark over
 * (`startedAt`) with a conditional write, and cancelling or placing a legal hold refuses once it has.
 *
 * The handler, idempotent and resumable, writing each step to the receipt as it goes: started →
 * notified (the last use of the contact) → the cascade's steps (rows per category, key, index and
 * customer row) → completed, with what was deleted and what was kept under which legal basis.
 */
import { randomUUID } from 'node:crypto';
import type { AccessLog } from './access-log';
import { Cascade } from './cascade';
import { isExpired, loadRaw, Unchanged, updateRow, type ForgettableRow } from './customer-rows';
import type { Customers } from './customers';
import { ConditionFailedError, ConflictError, NotFoundError, ValidationError } from './errors';
import { POLICY, ttlFor } from './inventory';
import { notices, type NoticeSender } from './notices';
import type { Metrics } from './metrics';
import type { Clock, Log, Scheduler, Store } from './ports';
import type { Principal } from './principal';
import { erasureCategories, type Receipts, type ReceiptRow } from './receipts';
import { isUuid } from './ids';

export interface ErasureSettings {
  /** Seconds between a request and the erasure (default 30 days). */
  erasureGraceSeconds?: number;
}

export interface ErasureScheduled {
  receiptId: string;
  scheduledFor: string;
}

export interface ErasurePayload {
  customerId: string;
  receiptId: string;
}

export type ErasureOutcome = 'completed' | 'on-hold' | 'ignored';

export interface ErasureDeps {
  store: Store;
  clock: Clock;
  scheduler: Scheduler;
  log: Log;
  customers: Customers;
  accessLog: AccessLog;
  receipts: Receipts;
  cascade: Cascade;
  notices: NoticeSender;
  metrics?: Metrics;
}

/**
 * The schedule of one erasure request. EventBridge Scheduler names have at most 64 characters: the
 * receipt id (36) fits, a customer id beside it would not; the payload carries the customer id.
 */
export const scheduleName = (receiptId: string) => `erase-${receiptId}`;

/** A schedule may fire a little early (clock skew); anything earlier is a misfire. */
const EARLY_TOLERANCE_MS = 5 * 60_000;

/** After a legal hold is lifted late, the erasure runs this long after (a schedule needs a future time). */
export const RESUME_DELAY_SECONDS = 60;


/** EventBridge Scheduler's `at()` has whole seconds: round up so the erasure never runs early. */
function ceilToSecond(ms: number): Date {
  return new Date(Math.ceil(ms / 1000) * 1000);
}

export class ErasureService {
  private readonly graceSeconds: number;

  constructor(
    private readonly deps: ErasureDeps,
    settings: ErasureSettings = {},
  ) {
    this.graceSeconds = settings.erasureGraceSeconds ?? POLICY.erasureGraceSeconds;
  }

  private get now(): Date {
    return this.deps.clock.now();
  }

  /** Requests erasure (staff on the customer's behalf, or the customer in the portal). Idempotent while one is pending. */
  async request(principal: Principal, customerId: string): Promise<ErasureScheduled> {
    assertOwn(principal, customerId);
    const { customers, receipts, scheduler } = this.deps;
    const row = (await customers.require(customerId)) as unknown as ForgettableRow;

    const active = await this.activeReceipt(row);
    if (active) {
      if (!row.erasure?.startedAt && active.status === 'pending' && Date.parse(active.scheduledFor) > this.now.getTime()) {
        // Re-asserting the schedule repairs one lost to a failed call; it is create-or-replace.
        await scheduler.schedule(scheduleName(active.receiptId), new Date(active.scheduledFor), { customerId, receiptId: active.receiptId });
      }
      return { receiptId: active.receiptId, scheduledFor: active.scheduledFor };
    }

    const now = this.now;
    const scheduledFor = ceilToSecond(now.getTime() + this.graceSeconds * 1000).toISOString();
    const receiptId = randomUUID();
    const held = row.legalHold !== undefined;
    const receipt: ReceiptRow = {
      receiptId,
      customerId,
      status: held ? 'on-hold' : 'pending',
      requestedAt: now.toISOString(),
      requestedBy: principal.kind,
      scheduledFor,
      ...(held ? { onHoldSince: now.toISOString() } : {}),
      steps: [],
      expiresAt: ttlFor('receipts', now),
    };
    await receipts.put(receipt, { kind: 'notExists' });
    await scheduler.schedule(scheduleName(receiptId), new Date(scheduledFor), { customerId, receiptId });

    let winner: ErasureScheduled | undefined;
    let superseded: string | undefined;
    const marked = await updateRow(this.deps.store, customerId, () => now, async (r) => {
      const other = await this.activeReceipt(r);
      if (other) {
        // A concurrent request won: answer with its receipt; ours never becomes visible.
        winner = { receiptId: other.receiptId, scheduledFor: other.scheduledFor };
        throw new Unchanged();
      }
      superseded = r.erasure && r.erasure.receiptId !== receiptId ? r.erasure.receiptId : undefined;
      return { ...r, erasure: { status: r.legalHold ? 'on-hold' : 'pending', receiptId, requestedAt: now.toISOString(), scheduledFor } };
    });
    if (!marked) throw new NotFoundError('No such customer.');
    if (winner) {
      // Receipt first: should deleting our schedule fail, its firing finds a cancelled receipt (stale).
      await this.abandon(receipt);
      await scheduler.cancel(scheduleName(receiptId));
      return winner;
    }
    // The mark we replaced named a closed request; its schedule, if any is left, has nothing to do.
    if (superseded) await scheduler.cancel(scheduleName(superseded));

    this.deps.metrics?.count('ErasureRequested');
    await this.deps.accessLog.append(customerId, principal, 'request_erasure', undefined, !!row.legalHold);
    const sealed = await this.deps.cascade.unseal(marked);
    if (sealed) await this.deps.notices.sendBestEffort(sealed.contact, marked.consent ?? [], notices.erasureRequested(receiptId, scheduledFor, !!marked.legalHold));
    return { receiptId, scheduledFor };
  }

  /** Cancels a pending (or held) erasure within the grace period. */
  async cancel(principal: Principal, customerId: string): Promise<{ receiptId: string; status: 'cancelled' }> {
    assertOwn(principal, customerId);
    const row = (await this.deps.customers.require(customerId)) as unknown as ForgettableRow;
    const mark = row.erasure;
    if (!mark) throw new NotFoundError('No erasure request is pending for this customer.');
    const { receiptId } = mark;
    const updated = await updateRow(this.deps.store, customerId, () => this.now, (r) => {
      if (!r.erasure || r.erasure.receiptId !== receiptId) throw new Unchanged();
      if (r.erasure.startedAt) throw inProgress();
      return { ...r, erasure: undefined };
    });
    if (!updated) throw new NotFoundError('No such customer.');
    // Still marked: a newer request replaced this one meanwhile; its schedule must survive.
    if (updated.erasure) throw new ConflictError('The erasure request changed meanwhile; read the customer again.', 'concurrent_update');

    const receipt = await this.deps.receipts.get(receiptId);
    if (receipt && receipt.status !== 'completed' && receipt.status !== 'cancelled') {
      await this.deps.receipts.put({ ...receipt, status: 'cancelled', cancelledAt: this.now.toISOString(), onHoldSince: undefined });
    }
    // Only this request's schedule: a request committed since the mark was cleared keeps its own.
    await this.deps.scheduler.cancel(scheduleName(receiptId));
    await this.deps.accessLog.append(customerId, principal, 'cancel_erasure', undefined, !!row.legalHold);
    const sealed = await this.deps.cascade.unseal(updated);
    if (sealed) await this.deps.notices.sendBestEffort(sealed.contact, updated.consent ?? [], notices.erasureCancelled(receiptId));
    return { receiptId, status: 'cancelled' };
  }

  /** The public receipt. */
  receipt(receiptId: string) {
    return this.deps.receipts.view(receiptId);
  }

  /**
   * The erasure handler's work for one schedule firing. Safe to run twice, concurrently, or again after
   * stopping anywhere: each step is idempotent, and the receipt records the steps already done.
   */
  async execute(payload: ErasurePayload): Promise<{ outcome: ErasureOutcome }> {
    const { customerId, receiptId } = parsePayload(payload);
    const { receipts, log } = this.deps;
    let receipt = await receipts.get(receiptId);
    if (!receipt || receipt.customerId !== customerId) {
      log.warn('erasure: no such receipt', { receiptId });
      return { outcome: 'ignored' };
    }
    if (receipt.status === 'completed') return { outcome: 'ignored' };
    if (receipt.status === 'cancelled') return this.stale(receipt, await loadRaw(this.deps.store, customerId));

    let row = await loadRaw(this.deps.store, customerId);
    if (!receipt.steps?.includes('started')) {
      if (Date.parse(receipt.scheduledFor) - EARLY_TOLERANCE_MS > this.now.getTime()) {
        // Never before the date the customer was given (they may cancel until then): fail loudly instead.
        throw new ConflictError('This erasure is not due yet.', 'erasure_not_due');
      }
      if (row) {
        const mark = row.erasure;
        if (!mark || mark.receiptId !== receiptId) return this.stale(receipt, row);
        if (row.legalHold) return this.waitForHold(receipt);
        const claimed = await this.claim(customerId, receiptId);
        if (claimed === 'held') return this.waitForHold(receipt);
        if (claimed === 'gone') return this.stale(receipt, await loadRaw(this.deps.store, customerId));
        row = claimed;
      }
      receipt = await this.record(receipt, 'started', { status: 'pending', startedAt: receipt.startedAt ?? this.now.toISOString(), onHoldSince: undefined });
    }

    if (!receipt.steps?.includes('notified')) {
      if (row) await this.notifyLastTime(row, receiptId);
      receipt = await this.record(receipt, 'notified');
    }

    await this.deps.cascade.run(customerId, row, {
      done: receipt.steps,
      onStep: async (step) => {
        receipt = await this.record(receipt!, step);
      },
    });

    const now = this.now;
    await receipts.put({
      ...receipt,
      status: 'completed',
      completedAt: now.toISOString(),
      categories: erasureCategories(),
      steps: [...(receipt.steps ?? []), 'completed'],
      expiresAt: ttlFor('receipts', now),
    });
    log.info('erasure completed', { receiptId });
    this.deps.metrics?.count('ErasureCompleted');
    return { outcome: 'completed' };
  }

  /**
   * After a legal hold is lifted: the waiting erasure goes ahead at its time, or a minute from now if
   * that has passed. Also repairs a lift that stopped before rescheduling (lifting again calls this).
   */
  async resumeAfterHold(customerId: string): Promise<void> {
    const row = await loadRaw(this.deps.store, customerId);
    const mark = row?.erasure;
    if (!row || !mark || mark.startedAt || row.legalHold) return;
    const receipt = await this.deps.receipts.get(mark.receiptId);
    if (!receipt || receipt.status === 'completed' || receipt.status === 'cancelled') return;
    const earliest = ceilToSecond(this.now.getTime() + RESUME_DELAY_SECONDS * 1000);
    const at = Date.parse(mark.scheduledFor) >= earliest.getTime() ? new Date(mark.scheduledFor) : earliest;
    const scheduledFor = at.toISOString();
    // Schedule first: if the row update below fails, a firing finds the mark and does the erasure.
    await this.deps.scheduler.schedule(scheduleName(mark.receiptId), at, { customerId, receiptId: mark.receiptId });
    await updateRow(this.deps.store, customerId, () => this.now, (r) => {
      if (!r.erasure || r.erasure.receiptId !== mark.receiptId || r.erasure.startedAt) throw new Unchanged();
      return { ...r, erasure: { ...r.erasure, status: 'pending', scheduledFor } };
    });
    await this.deps.receipts.put({ ...receipt, status: 'pending', scheduledFor, onHoldSince: undefined });
  }

  /** A placed hold makes a waiting erasure's receipt say so. */
  async markOnHold(customerId: string): Promise<void> {
    const row = await loadRaw(this.deps.store, customerId);
    const mark = row?.erasure;
    if (!mark || mark.startedAt) return;
    const receipt = await this.deps.receipts.get(mark.receiptId);
    if (receipt && receipt.status === 'pending') await this.deps.receipts.put({ ...receipt, status: 'on-hold', onHoldSince: this.now.toISOString() });
  }

  /**
   * Re-applies the ledger to the tables as they are now (after a restore from backup): whatever a
   * backup brought back of an erased customer is erased again, erasures that were under way are
   * finished, and open requests get their mark back on a restored customer row.
   */
  async reapply(): Promise<{ completed: number; reErased: number; resumed: number; remarked: number }> {
    const erased = new Set<string>();
    let reErased = 0;
    let resumed = 0;
    let remarked = 0;
    for await (const receipt of this.deps.receipts.all()) {
      if (receipt.status === 'completed') {
        erased.add(receipt.customerId);
        const row = await loadRaw(this.deps.store, receipt.customerId);
        if (row || (await this.keyExists(receipt.customerId))) reErased++;
        // Sessions, idempotency records and index entries are swept once for all, below.
        if (row) await this.deps.cascade.run(receipt.customerId, row, { done: ['sessions', 'idempotency'] });
        else await this.deps.cascade.run(receipt.customerId, undefined, { done: ['interactions', 'behaviour', 'sessions', 'idempotency', 'index', 'customer'] });
      } else if (receipt.steps?.includes('started')) {
        resumed++;
        await this.execute({ customerId: receipt.customerId, receiptId: receipt.receiptId });
      } else if (receipt.status === 'pending' || receipt.status === 'on-hold') {
        if (await this.remark(receipt)) remarked++;
      }
    }
    if (erased.size > 0) {
      const linked = (r: { customerId?: unknown }) => typeof r.customerId === 'string' && erased.has(r.customerId);
      await this.deps.cascade.deleteWhere('sessions', linked);
      await this.deps.cascade.deleteWhere('idempotency', linked);
      await this.deps.cascade.deleteWhere('contact-index', linked);
    }
    return { completed: erased.size, reErased, resumed, remarked };
  }

  /** A restored row from before the request lacks its mark: put it back, so the firing finds it. */
  private async remark(receipt: ReceiptRow): Promise<boolean> {
    let changed = false;
    await updateRow(
      this.deps.store,
      receipt.customerId,
      () => this.now,
      (r) => {
        if (r.erasure?.receiptId === receipt.receiptId) throw new Unchanged();
        changed = true;
        return {
          ...r,
          erasure: { status: r.legalHold ? 'on-hold' : 'pending', receiptId: receipt.receiptId, requestedAt: receipt.requestedAt, scheduledFor: receipt.scheduledFor },
        };
      },
      { includeExpired: true },
    );
    return changed;
  }

  private async keyExists(customerId: string): Promise<boolean> {
    return (await this.deps.store.get('customer-keys', { customerId }, { consistent: true })) !== undefined;
  }

  /** The receipt the row's erasure mark names, when it is still open. */
  private async activeReceipt(row: ForgettableRow): Promise<ReceiptRow | undefined> {
    if (!row.erasure) return undefined;
    const receipt = await this.deps.receipts.get(row.erasure.receiptId);
    return receipt && receipt.status !== 'cancelled' && receipt.status !== 'completed' ? receipt : undefined;
  }

  /** Takes the mark over so cancel and hold refuse from now on; 'held' or 'gone' when it may not. */
  private async claim(customerId: string, receiptId: string): Promise<ForgettableRow | 'held' | 'gone'> {
    let outcome: 'held' | 'gone' | undefined;
    const row = await updateRow(
      this.deps.store,
      customerId,
      () => this.now,
      (r) => {
        if (!r.erasure || r.erasure.receiptId !== receiptId) {
          outcome = 'gone';
          throw new Unchanged();
        }
        if (r.legalHold) {
          outcome = 'held';
          throw new Unchanged();
        }
        if (r.erasure.startedAt) throw new Unchanged();
        return { ...r, erasure: { ...r.erasure, status: 'pending', startedAt: this.now.toISOString() } };
      },
      { includeExpired: true },
    );
    if (outcome) return outcome;
    return row ?? 'gone';
  }

  /** The schedule names a receipt the customer row does not: never committed, or replaced. */
  private async stale(receipt: ReceiptRow, row: ForgettableRow | undefined): Promise<{ outcome: ErasureOutcome }> {
    const mark = row?.erasure;
    if (row && mark && mark.receiptId !== receipt.receiptId && !mark.startedAt && Date.parse(mark.scheduledFor) <= this.now.getTime() + EARLY_TOLERANCE_MS) {
      // Two requests raced and this firing carries the loser's id: the mark's own erasure is due, run it.
      await this.abandon(receipt);
      return this.execute({ customerId: receipt.customerId, receiptId: mark.receiptId });
    }
    await this.abandon(receipt);
    this.deps.log.warn('erasure: the schedule names a cancelled or never committed request; nothing erased', { receiptId: receipt.receiptId });
    return { outcome: 'ignored' };
  }

  private async abandon(receipt: ReceiptRow): Promise<void> {
    if (receipt.status === 'cancelled' || receipt.steps?.includes('started')) return;
    await this.deps.receipts
      .put({ ...receipt, status: 'cancelled', cancelledAt: this.now.toISOString(), onHoldSince: undefined }, { kind: 'equals', values: { status: receipt.status } })
      .catch((e) => {
        if (!(e instanceof ConditionFailedError)) throw e;
      });
  }

  private async waitForHold(receipt: ReceiptRow): Promise<{ outcome: ErasureOutcome }> {
    await updateRow(
      this.deps.store,
      receipt.customerId,
      () => this.now,
      (r) => {
        if (!r.erasure || r.erasure.receiptId !== receipt.receiptId || r.erasure.status === 'on-hold') throw new Unchanged();
        return { ...r, erasure: { ...r.erasure, status: 'on-hold' } };
      },
      { includeExpired: true },
    );
    if (receipt.status !== 'on-hold') await this.deps.receipts.put({ ...receipt, status: 'on-hold', onHoldSince: this.now.toISOString() });
    this.deps.log.info('erasure waits for a legal hold', { receiptId: receipt.receiptId });
    return { outcome: 'on-hold' };
  }

  private async notifyLastTime(row: ForgettableRow, receiptId: string): Promise<void> {
    if (isExpired(row, this.now)) return;
    const sealed = await this.deps.cascade.unseal(row);
    if (!sealed) return;
    // An outage is retried with the whole handler; an undeliverable address must not block the erasure.
    await this.deps.notices.sendBestEffort(sealed.contact, row.consent ?? [], notices.erasureHappening(receiptId), { rethrowUnavailable: true });
  }

  private async record(receipt: ReceiptRow, step: string, changes: Partial<ReceiptRow> = {}): Promise<ReceiptRow> {
    const steps = receipt.steps ?? [];
    const next: ReceiptRow = { ...receipt, ...changes, steps: steps.includes(step) ? steps : [...steps, step] };
    await this.deps.receipts.put(next);
    return next;
  }
}

function inProgress(): ConflictError {
  return new ConflictError('The erasure is already under way and can no longer be cancelled or held.', 'erasure_in_progress');
}

/** A customer acts only on their own record; staff on anyone's. */
export function assertOwn(principal: Principal, customerId: string): void {
  if (principal.kind === 'customer' && principal.customerId !== customerId) throw new NotFoundError('No such customer.');
}

function parsePayload(payload: unknown): ErasurePayload {
  const p = payload as Partial<ErasurePayload> | null;
  const errors = [];
  if (!p || !isUuid(p.customerId)) errors.push({ field: 'customerId', message: 'must be a UUID' });
  if (!p || !isUuid(p.receiptId)) errors.push({ field: 'receiptId', message: 'must be a UUID' });
  if (errors.length) throw new ValidationError('The erasure payload is not valid.', errors);
  return { customerId: p!.customerId!, receiptId: p!.receiptId! };
}
