/**
 * Re-applying the erasure ledger after a restore from backup (`npm run reapply-erasures`, an operator
 * command: it reads every receipt, in parallel segments). Whatever a backup brought back of an erased
 * customer is erased again, erasures that were under way are finished, and open requests get their
 * mark back on a restored customer row.
 */
import { loadRaw, Unchanged, updateRow } from '../customer/rows';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { Clock, Store } from '../shared/ports';
import type { Cascade } from './cascade';
import type { ErasureRun } from './erasure-run';
import type { ReceiptRow, Receipts } from './receipts';

export interface ReapplyResult {
  completed: number;
  reErased: number;
  resumed: number;
  remarked: number;
}

export class ErasureReapply {
  constructor(
    private readonly deps: { store: Store; clock: Clock; policy: RetentionPolicy; receipts: Receipts; cascade: Cascade; run: ErasureRun },
  ) {}

  async reapply(): Promise<ReapplyResult> {
    const erased = new Set<string>();
    const result: ReapplyResult = { completed: 0, reErased: 0, resumed: 0, remarked: 0 };
    const { cascade } = this.deps;
    // Receipts in parallel segments, each handled on its own: their order does not matter.
    await this.deps.receipts.forEach(async (receipt) => {
      if (receipt.status === 'completed') {
        erased.add(receipt.customerId);
        const row = await loadRaw(this.deps.store, receipt.customerId);
        if (row || (await this.keyExists(receipt.customerId))) result.reErased++;
        // Sessions, idempotency records and index entries are swept once for all, below.
        if (row) await cascade.run(receipt.customerId, row, { done: ['sessions', 'idempotency'] });
        else
          await cascade.run(receipt.customerId, undefined, {
            done: ['interactions', 'behaviour', 'sessions', 'idempotency', 'index', 'customer'],
          });
      } else if (receipt.steps?.includes('started')) {
        result.resumed++;
        await this.deps.run.execute({ customerId: receipt.customerId, receiptId: receipt.receiptId });
      } else if (receipt.status === 'pending' || receipt.status === 'on-hold') {
        if (await this.remark(receipt)) result.remarked++;
      }
    });
    if (erased.size > 0) {
      const linked = (r: { customerId?: unknown }) => typeof r.customerId === 'string' && erased.has(r.customerId);
      await cascade.deleteWhere('sessions', linked);
      await cascade.deleteWhere('idempotency', linked);
      await cascade.deleteWhere('contact-index', linked);
    }
    result.completed = erased.size;
    return result;
  }

  /** A restored row from before the request lacks its mark: put it back, so the firing finds it. */
  private async remark(receipt: ReceiptRow): Promise<boolean> {
    let changed = false;
    await updateRow(
      this.deps,
      receipt.customerId,
      () => this.deps.clock.now(),
      (r) => {
        if (r.erasure?.receiptId === receipt.receiptId) throw new Unchanged();
        changed = true;
        return {
          ...r,
          erasure: {
            status: r.legalHold ? 'on-hold' : 'pending',
            receiptId: receipt.receiptId,
            requestedAt: receipt.requestedAt,
            scheduledFor: receipt.scheduledFor,
          },
        };
      },
      { includeExpired: true },
    );
    return changed;
  }

  private async keyExists(customerId: string): Promise<boolean> {
    return (await this.deps.store.get('customer-keys', { customerId }, { consistent: true })) !== undefined;
  }
}
