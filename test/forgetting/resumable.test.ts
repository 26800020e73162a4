import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleName, type ErasurePayload } from '../../lambdas/core/forgetting/erasure-common';
import { createErasureHandler } from '../../lambdas/jobs/erasure';
import { scanAll } from '../support/tables';
import { TOKENS, type TestHome } from '../support/home';
import { DAY, expectNothingLeft, populate, sentTo, startCrashingHome, type CrashingStore, type Populated } from './support';

let home: TestHome;
let store: CrashingStore;
beforeAll(async () => {
  ({ home, store } = await startCrashingHome());
});
afterAll(async () => home?.close());

/** A populated customer whose erasure is due, and the payload its schedule carries. */
async function dueErasure(): Promise<{ p: Populated; payload: ErasurePayload }> {
  const p = await populate(home);
  const res = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
  expect(res.status).toBe(202);
  // The clock moves without running the jobs: this test plays the scheduler itself.
  home.clock.advance(30 * DAY + 1);
  const due = (await home.scheduler.due()).find((d) => d.payload.customerId === p.customerId);
  expect(due).toBeDefined();
  // Short-lived rows are still there (nothing reaped them): the cascade must delete them itself.
  const all = await scanAll(home.dynamo);
  expect(all.sessions.some((r) => r.customerId?.S === p.customerId)).toBe(true);
  expect(all.idempotency.some((r) => r.customerId?.S === p.customerId)).toBe(true);
  return { p, payload: due!.payload as unknown as ErasurePayload };
}

/** Plays EventBridge Scheduler: invoke the erasure handler; once it succeeds, the schedule is deleted. */
async function fire(payload: ErasurePayload) {
  const result = await createErasureHandler(home.app)(payload);
  await home.scheduler.cancel(scheduleName(payload.receiptId));
  return result;
}

describe('the erasure handler', () => {
  it('run twice ends in the same state, and the second run does nothing', async () => {
    const handler = createErasureHandler(home.app);
    const { p, payload } = await dueErasure();
    expect(await fire(payload)).toEqual({ outcome: 'completed' });
    const receipt = await home.app.receipts.get(payload.receiptId);
    store.crashOnWrite(undefined);
    expect(await handler(payload)).toEqual({ outcome: 'ignored' });
    expect(store.writes).toBe(0);
    expect(await home.app.receipts.get(payload.receiptId)).toEqual(receipt);
    expect(receipt?.steps).toEqual([
      'started',
      'notified',
      'interactions',
      'behaviour',
      'sessions',
      'idempotency',
      'key',
      'index',
      'customer',
      'completed',
    ]);
    await expectNothingLeft(home, p);
  });

  it('stopped after any step, and run again, ends with nothing left (every cut point)', async () => {
    const handler = createErasureHandler(home.app);
    // Count the writes of one whole run: each is a point where the process can die.
    const probe = await dueErasure();
    store.crashOnWrite(undefined);
    await handler(probe.payload);
    const writes = store.writes;
    expect(writes).toBeGreaterThanOrEqual(12);

    for (let cut = 1; cut <= writes; cut++) {
      const { p, payload } = await dueErasure();
      store.crashOnWrite(cut);
      await expect(handler(payload), `crash at write ${cut}`).rejects.toThrow('injected crash');
      const receipt = await home.app.receipts.get(payload.receiptId);
      expect(receipt?.status, `receipt after crash at write ${cut}`).not.toBe('completed');

      // EventBridge retries the invocation (or ops redrive it from the dead-letter queue).
      expect(await fire(payload), `rerun after crash at write ${cut}`).toEqual({ outcome: 'completed' });
      const done = await home.request('GET', `/v1/erasure-receipts/${payload.receiptId}`);
      expect(done.body.status).toBe('completed');
      await expectNothingLeft(home, p);
      // The last notice goes out at least once, and at most once more when the crash fell right after it.
      const notices = sentTo(home, p.email).filter((m) => m.subject === 'We are erasing your data now');
      expect(notices.length).toBeGreaterThanOrEqual(1);
      expect(notices.length).toBeLessThanOrEqual(2);
    }
  }, 120_000);

  it('ignores a schedule whose request never committed', async () => {
    const handler = createErasureHandler(home.app);
    const p = await populate(home, { session: false });
    // The request stops after creating the receipt and the schedule, before marking the customer.
    let puts = 0;
    store.crashOnWrite(undefined);
    const original = store.put.bind(store);
    store.put = async (table, item, condition) => {
      if (table === 'customers' && ++puts === 1) throw new Error('injected crash');
      return original(table, item, condition);
    };
    try {
      const res = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
      expect(res.status).toBe(500);
    } finally {
      store.put = original;
    }
    home.clock.advance(30 * DAY + 1);
    const due = (await home.scheduler.due()).find((d) => d.payload.customerId === p.customerId);
    expect(due).toBeDefined();
    expect(await handler(due!.payload as unknown as ErasurePayload)).toEqual({ outcome: 'ignored' });
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).status).toBe(200);
    expect((await home.app.receipts.get(due!.payload.receiptId))?.status).toBe('cancelled');
  });

  it('fired with the receipt of a request that lost a race, runs the erasure the customer row names', async () => {
    const { p, payload } = await dueErasure();
    const loser = {
      ...(await home.app.receipts.get(payload.receiptId))!,
      receiptId: '0b7e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
      status: 'cancelled' as const,
    };
    await home.app.receipts.put(loser);
    expect(await fire({ customerId: p.customerId, receiptId: loser.receiptId })).toEqual({ outcome: 'completed' });
    expect((await home.app.receipts.get(payload.receiptId))?.status).toBe('completed');
    expect((await home.app.receipts.get(loser.receiptId))?.status).toBe('cancelled');
    // The winner's own schedule still fires later, and finds its work done.
    expect(await fire(payload)).toEqual({ outcome: 'ignored' });
    await expectNothingLeft(home, p);
  });

  it('refuses to run before the date the customer was given, and leaves everything as it was', async () => {
    const p = await populate(home, { session: false });
    const res = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
    // A day before the date given (at most a calendar month away, so not always 30 days).
    home.clock.advance((Date.parse(res.body.scheduledFor) - home.clock.now().getTime()) / 1000 - DAY);
    store.crashOnWrite(undefined);
    const err = await fire({ customerId: p.customerId, receiptId: res.body.receiptId }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'erasure_not_due' });
    expect(store.writes).toBe(0);
    expect((await home.app.receipts.get(res.body.receiptId))?.status).toBe('pending');
    expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).status).toBe(200);
    await home.request('DELETE', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
  });

  it('refuses a payload that is not a customer and a receipt id, naming the fields', async () => {
    const handler = createErasureHandler(home.app);
    const err = await handler({ customerId: 'x', receiptId: undefined } as never).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'validation_failed', errors: [{ field: 'customerId' }, { field: 'receiptId' }] });
  });
});
