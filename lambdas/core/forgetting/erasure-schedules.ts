/**
 * No erasure schedule is ever lost: the daily reconcile (and `reapply-erasures` after a restore)
 * re-creates the missing schedule of every open request. The schedule group can be destroyed with its
 * stack, a schedule deleted by hand, a create lost after the receipt was written; the receipts (the
 * ledger, in the retained stateful stack) say what must still happen.
 *
 * For each open request (pending or on hold, from the receipts' sparse open-requests index, no scan):
 * - not due yet: its schedule must exist at the date the customer was given;
 * - due (the schedule fired, or should have): the erasure has not completed, so it is fired again a
 *   minute from now (the handler is idempotent and resumable, and decides: a request never committed is
 *   abandoned, a row under legal hold waits). Except a request waiting for a legal hold still in place:
 *   lifting the hold reschedules it.
 */
import { loadRaw } from '../customer/rows';
import type { Clock, Log, Scheduler, Store } from '../shared/ports';
import { RESUME_DELAY_SECONDS, scheduleName } from './erasure-common';
import type { Receipts, ReceiptRow } from './receipts';

export interface ScheduleReconcileRun {
  /** Open requests seen. */
  open: number;
  /** Schedules that were missing and were created again. */
  recreated: number;
}

export interface ErasureSchedulesDeps {
  store: Store;
  clock: Clock;
  scheduler: Scheduler;
  receipts: Receipts;
  log: Log;
}

export class ErasureSchedules {
  constructor(private readonly deps: ErasureSchedulesDeps) {}

  async reconcile(): Promise<ScheduleReconcileRun> {
    const run: ScheduleReconcileRun = { open: 0, recreated: 0 };
    for await (const receipt of this.deps.receipts.open()) {
      run.open++;
      const at = await this.fireAt(receipt);
      if (!at) continue;
      const name = scheduleName(receipt.receiptId);
      if (await this.deps.scheduler.exists(name)) continue;
      await this.deps.scheduler.schedule(name, at, { customerId: receipt.customerId, receiptId: receipt.receiptId });
      run.recreated++;
      // Something lost it (a destroyed group, a failed call, a hand): worth a look, hence an alarm on this line.
      this.deps.log.warn('erasure schedule re-created', { receiptId: receipt.receiptId, scheduledFor: at.toISOString() });
    }
    this.deps.log.info('erasure schedules reconciled', { ...run });
    return run;
  }

  /** When the request's schedule should fire; undefined when none is needed now. */
  private async fireAt(receipt: ReceiptRow): Promise<Date | undefined> {
    const now = this.deps.clock.now().getTime();
    const scheduled = Date.parse(receipt.scheduledFor);
    const soonest = Math.ceil((now + RESUME_DELAY_SECONDS * 1000) / 1000) * 1000;
    if (scheduled >= soonest) return new Date(scheduled);
    if (receipt.status === 'on-hold') {
      const row = await loadRaw(this.deps.store, receipt.customerId);
      if (row?.legalHold) return undefined;
    }
    return new Date(soonest);
  }
}
