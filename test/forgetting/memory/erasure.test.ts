/** Erasure on request, on the in-memory store: grace period, cancel, legal hold, resuming after a crash, re-applying after a restore. */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../lambdas/core/shared/errors';
import { scheduleName } from '../../../lambdas/core/forgetting/erasure-common';
import type { Item } from '../../../lambdas/core/shared/ports';
import type { TableId } from '../../../lambdas/core/policy/tables';
import { allRows, DAY, expectErased, expectIntact, memoryHome, officer, populate, rowOf, type MemoryHome } from './support';

const GRACE = 30 * DAY;

/** The payload the schedule carries, as the erasure handler receives it when it fires. */
function firing(home: MemoryHome, receiptId: string) {
  const schedule = home.scheduler.pending.get(scheduleName(receiptId));
  expect(schedule, 'the erasure is scheduled').toBeDefined();
  return { customerId: schedule!.payload.customerId!, receiptId: schedule!.payload.receiptId! };
}

describe('erasure on request', () => {
  it('is scheduled after the grace period and told to the customer; asking again answers the same request', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const requested = await home.app.erasure.request(officer, p.customerId);
    expect(requested.scheduledFor).toBe(new Date(home.clock.now().getTime() + GRACE * 1000).toISOString());
    expect(home.scheduler.pending.get(scheduleName(requested.receiptId))?.at.toISOString()).toBe(requested.scheduledFor);
    expect((await home.app.erasure.receipt(requested.receiptId)).status).toBe('pending');
    expect((await rowOf(home, p.customerId))?.erasure).toMatchObject({ status: 'pending', receiptId: requested.receiptId });
    expect(home.outbox.filter((m) => m.to === p.email).length).toBeGreaterThan(0);
    expect(await home.app.erasure.request(officer, p.customerId)).toEqual(requested);
  });

  it('can be cancelled within the grace period: the schedule goes, the receipt says so, nothing is erased', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const { receiptId } = await home.app.erasure.request(officer, p.customerId);
    expect(await home.app.erasure.cancel(officer, p.customerId)).toEqual({ receiptId, status: 'cancelled' });
    expect(home.scheduler.pending.size).toBe(0);
    expect((await home.app.erasure.receipt(receiptId)).status).toBe('cancelled');
    home.clock.advance(GRACE);
    expect(await home.app.erasureRun.execute({ customerId: p.customerId, receiptId })).toEqual({ outcome: 'ignored' });
    await expectIntact(home, p);
  });

  it('refuses to run before the date the customer was given', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const { receiptId } = await home.app.erasure.request(officer, p.customerId);
    home.clock.advance(GRACE - DAY);
    const early = await home.app.erasureRun.execute(firing(home, receiptId)).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ConflictError);
    expect((early as ConflictError).code).toBe('erasure_not_due');
    await expectIntact(home, p);
  });

  it('when due, erases everything, completes the receipt, and a second firing does nothing', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const { receiptId } = await home.app.erasure.request(officer, p.customerId);
    home.clock.advance(GRACE);
    expect(await home.app.erasureRun.execute(firing(home, receiptId))).toEqual({ outcome: 'completed' });
    await expectErased(home, p);
    const receipt = await home.app.erasure.receipt(receiptId);
    expect(receipt.status).toBe('completed');
    expect(home.outbox.at(-1)?.subject).toMatch(/eras/i);
    expect(await home.app.erasureRun.execute({ customerId: p.customerId, receiptId })).toEqual({ outcome: 'ignored' });
  });

  it('waits for a legal hold, and goes ahead a minute after the hold is lifted late', async () => {
    const home = memoryHome();
    const p = await populate(home);
    const { receiptId } = await home.app.erasure.request(officer, p.customerId);
    await home.app.legalHolds.place(officer, p.customerId, 'Litigation hold 7');
    home.clock.advance(GRACE);
    expect(await home.app.erasureRun.execute(firing(home, receiptId))).toEqual({ outcome: 'on-hold' });
    expect((await home.app.erasure.receipt(receiptId)).status).toBe('on-hold');
    await expectIntact(home, p);

    home.clock.advance(10 * DAY);
    await home.app.legalHolds.lift(officer, p.customerId, 'Litigation 7 settled');
    const moved = home.scheduler.pending.get(scheduleName(receiptId))!;
    expect(moved.at.getTime()).toBe(home.clock.now().getTime() + 60_000);
    home.clock.advance(60);
    expect(await home.app.erasureRun.execute(firing(home, receiptId))).toEqual({ outcome: 'completed' });
    await expectErased(home, p);
  });

  it('stopped at any write, the next firing finishes the erasure', async () => {
    let completedWithoutCrash = false;
    for (let n = 1; !completedWithoutCrash; n++) {
      expect(n, 'the erasure ends within 60 writes').toBeLessThan(60);
      const home = memoryHome();
      const p = await populate(home);
      const { receiptId } = await home.app.erasure.request(officer, p.customerId);
      home.clock.advance(GRACE);
      home.crashOnWrite(n);
      const first = await home.app.erasureRun.execute(firing(home, receiptId)).catch((e: unknown) => e);
      home.crashOnWrite(undefined);
      if (first instanceof Error) {
        expect(first.message).toBe('injected crash');
        expect(await home.app.erasureRun.execute({ customerId: p.customerId, receiptId })).toEqual({ outcome: 'completed' });
      } else {
        completedWithoutCrash = true;
      }
      await expectErased(home, p);
      expect((await home.app.erasure.receipt(receiptId)).status).toBe('completed');
    }
  });

  it('re-applied after a backup brought the customer back, erases it again', async () => {
    const home = memoryHome();
    const p = await populate(home);
    // A backup of the data tables; the ledger (receipts) and schedules live on.
    const backup = await allRows(home.store);
    const { receiptId } = await home.app.erasure.request(officer, p.customerId);
    home.clock.advance(GRACE);
    await home.app.erasureRun.execute(firing(home, receiptId));

    for (const [table, rows] of Object.entries(backup) as [TableId, Item[]][]) {
      if (table !== 'receipts' && table !== 'schedules') for (const row of rows) await home.store.put(table, row);
    }
    expect(await home.app.customers.load(p.customerId)).toBeDefined();
    expect(await home.app.erasureReapply.reapply()).toEqual({ completed: 1, reErased: 1, resumed: 0, remarked: 0 });
    await expectErased(home, p);
    expect(await home.app.erasureReapply.reapply()).toEqual({ completed: 1, reErased: 0, resumed: 0, remarked: 0 });
  });
});
