/**
 * Running an erasure: what the schedule's firing does, and how a legal hold pauses and resumes it.
 *
 * Idempotent and resumable, writing each step to the receipt as it goes: started (the mark is taken
 * over, so cancel and hold refuse from now on) → notified (the last use of the contact) → the
 * cascade's steps (rows per category, key, index and customer row) → completed, with what was deleted
 * and what was kept under which legal basis. Safe to run twice, concurrently, or again after stopping
 * anywhere.
 */
import type { CustomerRow } from '../customer/record';
import { loadRaw, Unchanged, updateRow } from '../customer/rows';
import type { RetentionPolicy } from '../policy/retention-policy';
import { ConflictError } from '../shared/errors';
import type { Metrics } from '../shared/metrics';
import type { Clock, Log, Scheduler, Store } from '../shared/ports';
import { ceilToSecond, isExpired } from '../policy/time';
import type { Cascade } from './cascade';
import { EARLY_TOLERANCE_MS, parsePayload, RESUME_DELAY_SECONDS, scheduleName, type ErasureOutcome } from './erasure-common';
import { notices, type NoticeSender } from './notices';
import { withEvent, type ReceiptRow, type Receipts } from './receipts';

export interface ErasureRunDeps {
  store: Store;
  clock: Clock;
  scheduler: Scheduler;
  log: Log;
  policy: RetentionPolicy;
  receipts: Receipts;
  cascade: Cascade;
  notices: NoticeSender;
  metrics?: Metrics;
}

export class ErasureRun {
  constructor(private readonly deps: ErasureRunDeps) {}

  private get now(): Date {
    return this.deps.clock.now();
  }

  /** The work of one schedule firing; `payload` is `{customerId, receiptId}`, checked here. */
  async execute(payload: unknown): Promise<{ outcome: ErasureOutcome }> {
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
      receipt = await this.record(receipt, 'started', {
        status: 'pending',
        startedAt: receipt.startedAt ?? this.now.toISOString(),
        onHoldSince: undefined,
      });
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
      categories: receipts.erasureCategories(),
      steps: [...(receipt.steps ?? []), 'completed'],
      expiresAt: this.deps.policy.ttlFor('receipts', now),
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
    await updateRow(
      this.deps,
      customerId,
      () => this.now,
      (r) => {
        if (!r.erasure || r.erasure.receiptId !== mark.receiptId || r.erasure.startedAt) throw new Unchanged();
        return { ...r, erasure: { ...r.erasure, status: 'pending', scheduledFor } };
      },
    );
    const lifted = receipt.status === 'on-hold' ? withEvent(receipt, 'hold_lifted', this.now.toISOString()) : receipt;
    await this.deps.receipts.put({ ...lifted, status: 'pending', scheduledFor, onHoldSince: undefined });
  }

  /** A placed hold makes a waiting erasure's receipt say so. */
  async markOnHold(customerId: string): Promise<void> {
    const row = await loadRaw(this.deps.store, customerId);
    const mark = row?.erasure;
    if (!mark || mark.startedAt) return;
    const receipt = await this.deps.receipts.get(mark.receiptId);
    const at = this.now.toISOString();
    if (receipt && receipt.status === 'pending') {
      await this.deps.receipts.put({ ...withEvent(receipt, 'hold_placed', at), status: 'on-hold', onHoldSince: at });
    }
  }

  /** Takes the mark over so cancel and hold refuse from now on; 'held' or 'gone' when it may not. */
  private async claim(customerId: string, receiptId: string): Promise<CustomerRow | 'held' | 'gone'> {
    let outcome: 'held' | 'gone' | undefined;
    const row = await updateRow(
      this.deps,
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
  private async stale(receipt: ReceiptRow, row: CustomerRow | undefined): Promise<{ outcome: ErasureOutcome }> {
    const mark = row?.erasure;
    if (
      row &&
      mark &&
      mark.receiptId !== receipt.receiptId &&
      !mark.startedAt &&
      Date.parse(mark.scheduledFor) <= this.now.getTime() + EARLY_TOLERANCE_MS
    ) {
      // Two requests raced and this firing carries the loser's id: the mark's own erasure is due, run it.
      await this.deps.receipts.abandon(receipt);
      return this.execute({ customerId: receipt.customerId, receiptId: mark.receiptId });
    }
    await this.deps.receipts.abandon(receipt);
    this.deps.log.warn('erasure: the schedule names a cancelled or never committed request; nothing erased', {
      receiptId: receipt.receiptId,
    });
    return { outcome: 'ignored' };
  }

  private async waitForHold(receipt: ReceiptRow): Promise<{ outcome: ErasureOutcome }> {
    await updateRow(
      this.deps,
      receipt.customerId,
      () => this.now,
      (r) => {
        if (!r.erasure || r.erasure.receiptId !== receipt.receiptId || r.erasure.status === 'on-hold') throw new Unchanged();
        return { ...r, erasure: { ...r.erasure, status: 'on-hold' } };
      },
      { includeExpired: true },
    );
    const at = this.now.toISOString();
    if (receipt.status !== 'on-hold') {
      await this.deps.receipts.put({ ...withEvent(receipt, 'hold_placed', at), status: 'on-hold', onHoldSince: at });
    }
    this.deps.log.info('erasure waits for a legal hold', { receiptId: receipt.receiptId });
    return { outcome: 'on-hold' };
  }

  private async notifyLastTime(row: CustomerRow, receiptId: string): Promise<void> {
    if (isExpired(row, this.now)) return;
    const sealed = await this.deps.cascade.unseal(row);
    if (!sealed) return;
    // An outage is retried with the whole handler; an undeliverable address must not block the erasure.
    const notice = notices.erasureHappening(receiptId);
    await this.deps.notices.sendBestEffort(row.customerId, sealed.contact, row.consent, notice, { rethrowUnavailable: true });
  }

  private async record(receipt: ReceiptRow, step: string, changes: Partial<ReceiptRow> = {}): Promise<ReceiptRow> {
    const steps = receipt.steps ?? [];
    const next: ReceiptRow = { ...receipt, ...changes, steps: steps.includes(step) ? steps : [...steps, step] };
    await this.deps.receipts.put(next);
    return next;
  }
}
