/**
 * Races between an erasure and what happens to the customer meanwhile: a cancel overlapping a new
 * request, a request replacing a closed one, and writes landing while the cascade runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleName } from '../../lambdas/core/forgetting/erasure-common';
import type { Item, Store } from '../../lambdas/core/shared/ports';
import { TOKENS, type TestHome } from '../support/home';
import { wrapStore } from '../support/stores';
import { scanAll } from '../support/tables';
import { advance, DAY, expectNothingLeft, populate, startForgettingHome } from './support';

/** Before a write that `match` selects: `run` is awaited (and, with `once`, the hook removed). */
interface WriteHook {
  match: (table: string, item: Item) => boolean;
  run: () => Promise<void>;
  once?: boolean;
}
let hooks: WriteHook[] = [];

let home: TestHome;
beforeAll(async () => {
  home = await startForgettingHome({
    wrapStore: (inner: Store) =>
      wrapStore(inner, {
        put: async (table, item, condition) => {
          for (const hook of hooks.filter((h) => h.match(table, item))) {
            if (hook.once) hooks = hooks.filter((h) => h !== hook);
            await hook.run();
          }
          return inner.put(table, item, condition);
        },
      }),
  });
});
afterAll(async () => home?.close());

const requestErasure = (id: string, token: string = TOKENS.officer) => home.request('POST', `/v1/customers/${id}/erasure`, { token });
const cancelErasure = (id: string, token: string = TOKENS.officer) => home.request('DELETE', `/v1/customers/${id}/erasure`, { token });
const receiptStatus = async (receiptId: string) => (await home.request('GET', `/v1/erasure-receipts/${receiptId}`)).body.status;
const scheduleNames = async (customerId: string) =>
  (await scanAll(home.dynamo)).schedules.filter((r) => JSON.stringify(r).includes(customerId)).map((r) => r.name.S);

describe('an erasure request racing a cancel', () => {
  it('keeps the schedule of a request committed while the cancel was deleting its own, and that erasure completes', async () => {
    const p = await populate(home);
    const first = await requestErasure(p.customerId);
    expect(first.status).toBe(202);

    // The cancel has cleared the mark and is about to delete its schedule when request B commits.
    const scheduler = home.scheduler;
    const cancel = scheduler.cancel;
    let second: Awaited<ReturnType<typeof requestErasure>> | undefined;
    scheduler.cancel = async (name) => {
      scheduler.cancel = cancel;
      second = await requestErasure(p.customerId, TOKENS.admin);
      return cancel.call(scheduler, name);
    };
    try {
      const cancelled = await cancelErasure(p.customerId);
      expect(cancelled.status, cancelled.text).toBe(200);
    } finally {
      scheduler.cancel = cancel;
    }
    expect(second?.status, second?.text).toBe(202);
    expect(second!.body.receiptId).not.toBe(first.body.receiptId);

    await advance(home, 30 * DAY + 60);
    expect(await receiptStatus(second!.body.receiptId)).toBe('completed');
    expect(await receiptStatus(first.body.receiptId)).toBe('cancelled');
    await expectNothingLeft(home, p);
  });

  it("replacing a mark whose request is closed, deletes that request's leftover schedule", async () => {
    const p = await populate(home, { session: false });
    const old = await requestErasure(p.customerId);
    // The old request was closed without its mark being cleared (as a restored customer row can show).
    const receipt = (await home.app.receipts.get(old.body.receiptId))!;
    await home.app.receipts.put({ ...receipt, status: 'cancelled', cancelledAt: home.clock.now().toISOString() });

    const fresh = await requestErasure(p.customerId);
    expect(fresh.status).toBe(202);
    expect(fresh.body.receiptId).not.toBe(old.body.receiptId);
    expect(await scheduleNames(p.customerId)).toEqual([scheduleName(fresh.body.receiptId)]);
    await cancelErasure(p.customerId);
    expect(await scheduleNames(p.customerId)).toEqual([]);
  });
});

describe('an erasure under way', () => {
  it('deletes an interaction and an event that passed the customer check before it began and landed after its first deletion', async () => {
    const p = await populate(home);
    const r = await requestErasure(p.customerId);
    const id = `/v1/customers/${p.customerId}`;

    // Two requests pass `customers.require` now, before the erasure takes over; their writes wait.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const ofCustomer = (table: string, item: Item) =>
      (table === 'interactions' && item.pseudonym === p.pseudonyms.interaction) ||
      (table === 'behaviour' && item.pseudonym === p.pseudonyms.behaviour);
    let waiting = 0;
    const bothWaiting = new Promise<void>((resolve) => {
      hooks.push({
        match: ofCustomer,
        run: () => {
          if (++waiting === 2) resolve();
          return gate;
        },
      });
    });
    const late = Promise.all([
      home.request('POST', `${id}/interactions`, { token: TOKENS.agent, body: { channel: 'phone', summary: 'Late call about the order' } }),
      home.request('POST', `${id}/events`, { token: TOKENS.agent, body: { type: 'page_view', path: '/late' } }),
    ]);
    await bothWaiting;

    // They land right after the erasure has deleted the interactions and behaviour rows.
    let landed: number[] = [];
    hooks.push({
      once: true,
      match: (table, item) =>
        table === 'receipts' && item.receiptId === r.body.receiptId && Array.isArray(item.steps) && item.steps.includes('behaviour'),
      run: async () => {
        open();
        landed = (await late).map((res) => res.status);
      },
    });
    try {
      await advance(home, 30 * DAY + 60);
    } finally {
      open();
      hooks = [];
    }
    expect(landed, 'the late interaction and event were stored').toEqual([201, 202]);
    expect(await receiptStatus(r.body.receiptId)).toBe('completed');
    await expectNothingLeft(home, p);
  });
});
