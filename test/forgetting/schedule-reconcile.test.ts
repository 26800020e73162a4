/**
 * The daily erasure-schedule reconcile over dynalite (the local home, whose schedules table stands in
 * for EventBridge Scheduler): a deleted schedule comes back, at the date the customer was given; a
 * request that is closed, or waits under a legal hold, gets none; one past its date fires again.
 */
import { DeleteItemCommand, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReconcileHandler } from '../../lambdas/jobs/reconcile';
import { TOKENS, type TestHome } from '../support/home';
import { advance, DAY, populate, startForgettingHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startForgettingHome();
});
afterAll(async () => home?.close());

const scheduleKey = (receiptId: string) => ({ name: { S: `erase-${receiptId}` } });
const schedule = async (receiptId: string) =>
  (await home.dynamo.send(new GetItemCommand({ TableName: 'crm-local-schedules', Key: scheduleKey(receiptId), ConsistentRead: true })))
    .Item;
const deleteSchedule = (receiptId: string) =>
  home.dynamo.send(new DeleteItemCommand({ TableName: 'crm-local-schedules', Key: scheduleKey(receiptId) }));
const requestErasure = async (customerId: string) => {
  const res = await home.request('POST', `/v1/customers/${customerId}/erasure`, { token: TOKENS.officer });
  expect(res.status, res.text).toBe(202);
  return res.body as { receiptId: string; scheduledFor: string };
};
const receiptStatus = async (receiptId: string) => (await home.request('GET', `/v1/erasure-receipts/${receiptId}`)).body.status;
const reconcile = () => createReconcileHandler(home.app)();

describe('the daily erasure-schedule reconcile', () => {
  it('brings back a deleted schedule, unchanged, and leaves existing ones alone', async () => {
    const kept = await requestErasure((await populate(home, { session: false })).customerId);
    const lost = await requestErasure((await populate(home, { session: false })).customerId);
    const before = await schedule(lost.receiptId);
    await deleteSchedule(lost.receiptId);
    expect(await schedule(lost.receiptId)).toBeUndefined();

    // The clock's daily jobs run it (as the EventBridge rule does in AWS).
    await advance(home, DAY);
    const after = await schedule(lost.receiptId);
    expect({ at: after?.at, payload: after?.payload }).toEqual({ at: before!.at, payload: before!.payload });
    expect((await schedule(kept.receiptId))?.at).toEqual({ S: kept.scheduledFor });
    expect(await reconcile()).toMatchObject({ recreated: 0 });

    await advance(home, 30 * DAY);
    expect(await receiptStatus(lost.receiptId)).toBe('completed');
    expect(await receiptStatus(kept.receiptId)).toBe('completed');
  });

  it('finds open requests by the sparse index: a closed request leaves it, and gets no schedule', async () => {
    const p = await populate(home, { session: false });
    const open = await requestErasure(p.customerId);
    const indexed = async () =>
      (
        await home.dynamo.send(
          new QueryCommand({
            TableName: 'crm-local-receipts',
            IndexName: 'openRequests',
            KeyConditionExpression: 'openRequest = :o',
            ExpressionAttributeValues: { ':o': { S: 'open' } },
          }),
        )
      ).Items?.map((i) => i.receiptId.S);
    expect(await indexed()).toContain(open.receiptId);
    expect((await home.request('DELETE', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer })).status).toBe(200);
    expect(await indexed()).not.toContain(open.receiptId);
    expect(await reconcile()).toMatchObject({ recreated: 0 });
    expect(await schedule(open.receiptId)).toBeUndefined();
  });

  it('fires a request past its date again a minute from now, unless it waits for a legal hold still in place', async () => {
    const held = await populate(home, { session: false });
    const heldRequest = await requestErasure(held.customerId);
    expect(
      (
        await home.request('PUT', `/v1/customers/${held.customerId}/legal-hold`, {
          token: TOKENS.officer,
          body: { reason: 'Court order 12' },
        })
      ).status,
    ).toBe(200);
    const due = await populate(home, { session: false });
    const dueRequest = await requestErasure(due.customerId);
    // Its schedule is lost before it fires.
    await deleteSchedule(dueRequest.receiptId);
    await home.clock.advance(30 * DAY + 60);
    await home.scheduler.due().then(async (list) => {
      // The held request's schedule fires and finds the hold: it waits, its schedule is done with.
      expect(list.map((d) => d.name)).toEqual([`erase-${heldRequest.receiptId}`]);
    });
    await home.runJobs();
    expect(await receiptStatus(heldRequest.receiptId)).toBe('on-hold');
    expect(await receiptStatus(dueRequest.receiptId)).toBe('pending');

    const run = await reconcile();
    expect(run.recreated).toBe(0);
    // The daily job already re-created it when the jobs ran: a minute after that run.
    const recreated = await schedule(dueRequest.receiptId);
    const wait = Date.parse(recreated!.at.S!) - home.clock.now().getTime();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(61_000);
    expect(await schedule(heldRequest.receiptId)).toBeUndefined();
    await advance(home, 120);
    expect(await receiptStatus(dueRequest.receiptId)).toBe('completed');
    expect(await receiptStatus(heldRequest.receiptId)).toBe('on-hold');
  });
});
