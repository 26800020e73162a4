/**
 * Erasure requests, as the API and the portal see them: request, cancel, read the receipt.
 *
 * Request: receipt (invisible until the customer row points at it) → one-time schedule named after
 * the receipt → the erasure mark on the customer row, which is the commit point. A crash before the
 * mark leaves a schedule whose receipt the row does not name; the run then does nothing.
 * Schedules are per receipt, not per customer, so that a cancel (or a request that replaces a mark)
 * deletes only the schedule of the request it ends, never that of a newer request committed meanwhile.
 * The customer row serialises everything that must not overlap: once the run has taken the mark over
 * (`startedAt`), cancelling refuses.
 */
import { randomUUID } from 'node:crypto';
import type { Customers } from '../customer/customers';
import type { CustomerRow } from '../customer/record';
import { Unchanged, updateRow } from '../customer/rows';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessLog } from '../shared/access-log';
import { ConflictError, NotFoundError } from '../shared/errors';
import type { Metrics } from '../shared/metrics';
import type { Clock, Scheduler, Store } from '../shared/ports';
import type { Principal } from '../shared/principal';
import type { Cascade } from './cascade';
import { assertOwn, erasureDeadline, inProgress, scheduleName, type ErasureScheduled } from './erasure-common';
import { notices, type NoticeSender } from './notices';
import type { ReceiptRow, Receipts } from './receipts';

export interface ErasureRequestDeps {
  store: Store;
  clock: Clock;
  scheduler: Scheduler;
  policy: RetentionPolicy;
  customers: Customers;
  accessLog: AccessLog;
  receipts: Receipts;
  cascade: Cascade;
  notices: NoticeSender;
  metrics?: Metrics;
}

export class ErasureRequests {
  constructor(private readonly deps: ErasureRequestDeps) {}

  private get now(): Date {
    return this.deps.clock.now();
  }

  /**
   * When an erasure asked for at `now` would run: after the grace, within a calendar month (GDPR
   * Art. 12(3)). The portal's confirmation names that day; a request schedules it.
   */
  wouldRunAt(now = this.now): string {
    return erasureDeadline(now, this.deps.policy.erasureGraceSeconds).toISOString();
  }

  /** Requests erasure (staff on the customer's behalf, or the customer in the portal). Idempotent while one is pending. */
  async request(principal: Principal, customerId: string): Promise<ErasureScheduled> {
    assertOwn(principal, customerId);
    const { customers, receipts, scheduler } = this.deps;
    const row = await customers.require(customerId);

    const active = await this.activeReceipt(row);
    if (active) {
      if (!row.erasure?.startedAt && active.status === 'pending' && Date.parse(active.scheduledFor) > this.now.getTime()) {
        // Re-asserting the schedule repairs one lost to a failed call; it is create-or-replace.
        await scheduler.schedule(scheduleName(active.receiptId), new Date(active.scheduledFor), {
          customerId,
          receiptId: active.receiptId,
        });
      }
      return { receiptId: active.receiptId, scheduledFor: active.scheduledFor };
    }

    const now = this.now;
    const scheduledFor = this.wouldRunAt(now);
    const receiptId = randomUUID();
    const held = row.legalHold !== undefined;
    const receipt: ReceiptRow = {
      receiptId,
      customerId,
      status: held ? 'on-hold' : 'pending',
      requestedAt: now.toISOString(),
      requestedBy: principal.kind,
      scheduledFor,
      // Held before it was asked for: the receipt shows since when (only the date, never the reason).
      ...(held ? { onHoldSince: now.toISOString(), history: [{ event: 'hold_placed' as const, at: row.legalHold!.since }] } : {}),
      steps: [],
      expiresAt: this.deps.policy.ttlFor('receipts', now),
    };
    await receipts.put(receipt, { kind: 'notExists' });
    await scheduler.schedule(scheduleName(receiptId), new Date(scheduledFor), { customerId, receiptId });

    let winner: ErasureScheduled | undefined;
    let superseded: string | undefined;
    const marked = await updateRow(
      this.deps,
      customerId,
      () => now,
      async (r) => {
        const other = await this.activeReceipt(r);
        if (other) {
          // A concurrent request won: answer with its receipt; ours never becomes visible.
          winner = { receiptId: other.receiptId, scheduledFor: other.scheduledFor };
          throw new Unchanged();
        }
        superseded = r.erasure && r.erasure.receiptId !== receiptId ? r.erasure.receiptId : undefined;
        return { ...r, erasure: { status: r.legalHold ? 'on-hold' : 'pending', receiptId, requestedAt: now.toISOString(), scheduledFor } };
      },
    );
    if (!marked) throw new NotFoundError('No such customer.');
    if (winner) {
      // Receipt first: should deleting our schedule fail, its firing finds a cancelled receipt (stale).
      await receipts.abandon(receipt);
      await scheduler.cancel(scheduleName(receiptId));
      return winner;
    }
    // The mark we replaced named a closed request; its schedule, if any is left, has nothing to do.
    if (superseded) await scheduler.cancel(scheduleName(superseded));

    this.deps.metrics?.count('ErasureRequested');
    await this.deps.accessLog.append(customerId, principal, 'request_erasure', undefined, !!row.legalHold);
    const sealed = await this.deps.cascade.unseal(marked);
    const notice = notices.erasureRequested(receiptId, scheduledFor, !!marked.legalHold);
    if (sealed) await this.deps.notices.sendBestEffort(customerId, sealed.contact, marked.consent, notice);
    return { receiptId, scheduledFor };
  }

  /** Cancels a pending (or held) erasure within the grace period. */
  async cancel(principal: Principal, customerId: string): Promise<{ receiptId: string; status: 'cancelled' }> {
    assertOwn(principal, customerId);
    const row = await this.deps.customers.require(customerId);
    const mark = row.erasure;
    if (!mark) throw new NotFoundError('No erasure request is pending for this customer.');
    const { receiptId } = mark;
    const updated = await updateRow(
      this.deps,
      customerId,
      () => this.now,
      (r) => {
        if (!r.erasure || r.erasure.receiptId !== receiptId) throw new Unchanged();
        if (r.erasure.startedAt) throw inProgress();
        return { ...r, erasure: undefined };
      },
    );
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
    if (sealed) await this.deps.notices.sendBestEffort(customerId, sealed.contact, updated.consent, notices.erasureCancelled(receiptId));
    return { receiptId, status: 'cancelled' };
  }

  /** The public receipt. */
  receipt(receiptId: string) {
    return this.deps.receipts.view(receiptId);
  }

  /** The receipt the row's erasure mark names, when it is still open. */
  private async activeReceipt(row: CustomerRow): Promise<ReceiptRow | undefined> {
    if (!row.erasure) return undefined;
    const receipt = await this.deps.receipts.get(row.erasure.receiptId);
    return receipt && receipt.status !== 'cancelled' && receipt.status !== 'completed' ? receipt : undefined;
  }
}
