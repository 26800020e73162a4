/**
 * The daily reminders on the in-memory store: found through the `byRemindOn` index (no scan), sent once,
 * resumable, and at most two item reads per reminder (counted with the capacity counter, as a fresh
 * Lambda instance with cold caches would read).
 */
import { describe, expect, it } from 'vitest';
import { CapacityCounter } from '../../../lambdas/adapters/memory/capacity';
import { createApp } from '../../../lambdas/core/app';
import { MIN_BRANCHES } from '../../../lambdas/core/shared/branch-keys';
import { REMINDER_SHARDS, shardOf } from '../../../lambdas/core/customer/reminder-day';
import { DependencyUnavailableError } from '../../../lambdas/core/shared/errors';
import type { Item, Message, Store } from '../../../lambdas/core/shared/ports';
import type { TableId } from '../../../lambdas/core/policy/tables';
import { wrapStore } from '../../support/stores';
import { agent, DAY, memoryHome, officer, populate, rowOf, type MemoryHome, type Populated } from './support';

const subjects = (home: MemoryHome, p: Populated) => home.outbox.filter((m) => m.to === p.email).map((m) => m.subject);
const RETENTION = 'We will delete your data soon';

/** Items each table returned (a query's items, a get's item), and refuses any scan. */
function countingStore(inner: Store) {
  const items: Partial<Record<TableId, number>> = {};
  const add = (table: TableId, n: number) => void (items[table] = (items[table] ?? 0) + n);
  const store = wrapStore(inner, {
    get: async (t, k, o) => {
      const item = await inner.get(t, k, o);
      add(t, item ? 1 : 0);
      return item;
    },
    query: async (t, p, o) => {
      const page = await inner.query(t, p, o);
      add(t, page.items.length);
      return page;
    },
    queryIndex: async (t, i, v, o) => {
      const page = await inner.queryIndex(t, i, v, o);
      add(t, page.items.length);
      return page;
    },
    scan: () => {
      throw new Error('the daily job must not scan');
    },
  });
  return { store, items, total: () => Object.values(items).reduce((a, b) => a + b, 0) };
}

/** Another instance of the app over the same data, with cold caches (as the reminders Lambda is). */
function freshInstance(home: MemoryHome, store: Store, send?: (m: Message) => Promise<void>) {
  return createApp({ ...home.app.ports, store, notifier: { send: send ?? (async (m) => void home.outbox.push(m)) } });
}

/** `n` customers without consent (so one reminder each, before retention ends). */
async function customers(home: MemoryHome, n: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { customer } = await home.app.customers.create(agent, { name: `Idle Person ${tag}${i}`, email: `idle.${tag}.${i}@example.org` });
    ids.push(customer.customerId);
  }
  return ids;
}

describe('the daily reminders', () => {
  it('reads only the customers due, through the index, at most 2 items per reminder sent (reminder_items_read_per_due)', async () => {
    const home = memoryHome();
    const due = await customers(home, 40, 'due');
    home.clock.advance(100 * DAY);
    await customers(home, 40, 'later'); // their reminders are 100 days away: never read
    home.clock.advance(601 * DAY); // day 701: the first cohort's retention ends within 30 days

    const counter = new CapacityCounter(home.store);
    const counted = countingStore(counter);
    const run = await freshInstance(home, counted.store).reminders.daily();
    expect(run).toEqual({ retention: 40, communications: 0, rejected: 0, failed: 0 });
    expect(new Set(home.outbox.filter((m) => m.subject === RETENTION).map((m) => m.to)).size).toBe(40);

    // Per reminder: the index item (the whole row) and the customer's wrapped key. Per run, besides: the
    // checkpoint (none yet) and each branch key once (a cold instance: at most MIN_BRANCHES of them).
    const perReminder = ((counted.items.customers ?? 0) + (counted.items['customer-keys'] ?? 0)) / run.retention;
    const perRun = counted.total() - perReminder * run.retention;
    console.log(
      `reminder_items_read_per_due ${perReminder} + ${perRun} per run (items read ${counted.total()}, ` +
        `reminders ${run.retention}, read units ${counter.totals().readUnits}, index queries ${counter.byTable().customers?.reads})`,
    );
    expect(perReminder).toBeLessThanOrEqual(2);
    expect(counted.items.customers).toBe(due.length);
    expect(counted.items.sessions ?? 0).toBe(0);
    expect(perRun).toBe(counted.items['key-store'] ?? 0);
    expect(perRun).toBeLessThanOrEqual(MIN_BRANCHES);

    // The next day: only the checkpoint is read (one item), and each shard's empty range.
    home.clock.advance(DAY);
    const next = countingStore(new CapacityCounter(home.store));
    expect(await freshInstance(home, next.store).reminders.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    expect(next.items).toEqual({ customers: 0, sessions: 1 });
  });

  it('reminds once before consent lapses and once before retention ends, and again after activity moved the end', async () => {
    const home = memoryHome();
    const p = await populate(home);
    home.clock.advance(340 * DAY); // communications consent (365 days) lapses within the 30-day lead
    expect(await home.app.reminders.daily()).toEqual({ retention: 0, communications: 1, rejected: 0, failed: 0 });
    expect(await home.app.reminders.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    home.clock.advance(365 * DAY); // day 705: retention ends on day 730
    expect(await home.app.reminders.daily()).toEqual({ retention: 1, communications: 0, rejected: 0, failed: 0 });
    expect(await home.app.reminders.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    await home.app.retention.touch(p.customerId);
    home.clock.advance(701 * DAY); // 29 days before the moved end
    expect(await home.app.reminders.daily()).toEqual({ retention: 1, communications: 0, rejected: 0, failed: 0 });
    expect(subjects(home, p).filter((s) => s !== RETENTION)).toEqual(['Your permission to hear from us ends soon']);
    expect(subjects(home, p).filter((s) => s === RETENTION)).toHaveLength(2);
  });

  it('sends no reminder to a customer whose erasure was requested; cancelling it brings the reminder back', async () => {
    const home = memoryHome();
    const p = await populate(home);
    await home.app.erasure.request(officer, p.customerId);
    expect((await rowOf(home, p.customerId))?.remindOn).toBeUndefined();
    const sent = home.outbox.length;
    home.clock.advance(705 * DAY);
    await home.app.legalHolds.place(officer, p.customerId, 'keeps it past its TTL for this test');
    expect(await home.app.reminders.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    expect(home.outbox).toHaveLength(sent);
    await home.app.legalHolds.lift(officer, p.customerId, 'the case is closed');
    await home.app.erasure.cancel(officer, p.customerId);
    expect((await rowOf(home, p.customerId))?.remindOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('a run cut short by an outage is retried and finishes the rest, reminding nobody twice; then the checkpoint moves', async () => {
    const home = memoryHome();
    await customers(home, 30, 'cut');
    home.clock.advance(701 * DAY);
    // The notifier goes down after 11 messages and stays down through each customer's retries.
    let delivered = 0;
    const flaky = async (m: Message) => {
      if (++delivered >= 12) throw new DependencyUnavailableError('notifier');
      home.outbox.push(m);
    };
    await expect(freshInstance(home, home.app.ports.store, flaky).reminders.daily()).rejects.toBeInstanceOf(DependencyUnavailableError);
    const first = home.outbox.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(30);
    // Where today's run got to: the retry goes on from there.
    const today = home.clock.now().toISOString().slice(0, 10);
    expect(await home.store.get('sessions', { id: 'job#reminders' })).toMatchObject({ position: { day: today } });

    const retry = countingStore(home.store);
    const run = await freshInstance(home, retry.store).reminders.daily();
    expect(run.retention).toBe(30 - first);
    expect(retry.items.customers).toBe(30 - first); // only those left: the others left their day when recorded
    const to = home.outbox.map((m) => m.to);
    expect(new Set(to).size).toBe(30);
    expect(to).toHaveLength(30);
    // Done for today: every shard.
    expect(await home.store.get('sessions', { id: 'job#reminders' })).toMatchObject({ position: { day: today, shard: REMINDER_SHARDS } });
    home.clock.advance(DAY);
    await home.app.reminders.daily();
    expect(home.outbox).toHaveLength(30);
  });
});

describe('re-indexing (an operator command, after upgrading from the scanning job)', () => {
  it('gives rows written before remindOn their day, and drops their blind index, scanning in parallel segments', async () => {
    const home = memoryHome();
    const ids = await customers(home, 12, 'old');
    // What the older code left: no reminder day, the blind index on the row.
    for (const id of ids) {
      const { remindOn: _, remindShard: __, ...item } = (await home.store.get('customers', { customerId: id }))!;
      await home.store.put('customers', { ...item, lookup: `legacy-${id}` });
    }
    home.clock.advance(701 * DAY);
    expect(await home.app.reminders.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });

    const segments: number[] = [];
    const watched = wrapStore(home.store, {
      scan: (t, o) => (segments.push(o?.segment ?? -1), home.store.scan(t, o)),
    });
    expect(await freshInstance(home, watched).reminders.reindex(4)).toEqual({ rows: 12, updated: 12 });
    expect(segments.sort()).toEqual([0, 1, 2, 3]);
    for (const id of ids) expect(await home.store.get('customers', { customerId: id })).not.toHaveProperty('lookup');
    expect(await home.app.reminders.reindex()).toEqual({ rows: 12, updated: 0 });
    // Today's run is done; the next one finds them, overdue or not.
    expect(await home.app.reminders.daily()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
    home.clock.advance(DAY);
    expect(await home.app.reminders.daily()).toEqual({ retention: 12, communications: 0, rejected: 0, failed: 0 });
  });
});

describe('the reminder day on the row (remindOn)', () => {
  const dayOf = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(0, 10);

  it('names the day the next reminder is due and a fixed shard, and follows the TTL and consent', async () => {
    const home = memoryHome();
    const [id] = await customers(home, 1, 'day');
    const row = (await rowOf(home, id!))!;
    const shard = shardOf(id!);
    expect(shard).toBeGreaterThanOrEqual(0);
    expect(shard).toBeLessThan(REMINDER_SHARDS);
    expect(row).toMatchObject({ remindOn: dayOf(row.expiresAt! - 30 * DAY), remindShard: shard });

    // Consent given: it lapses in 365 days, so its reminder (day 335) comes before retention's.
    await home.app.consent.set(agent, id!, { communications: true }, 'email');
    const lapse = Date.parse(home.clock.now().toISOString()) / 1000 + 365 * DAY;
    expect((await rowOf(home, id!))?.remindOn).toBe(dayOf(lapse - 30 * DAY));

    // Consent withdrawn, then activity 10 days later: retention's reminder again, moved with the TTL.
    await home.app.consent.set(agent, id!, { communications: false }, 'email');
    home.clock.advance(10 * DAY);
    await home.app.retention.touch(id!);
    const touched = (await rowOf(home, id!))!;
    expect(touched).toMatchObject({ remindOn: dayOf(touched.expiresAt! - 30 * DAY), remindShard: shard });

    // A legal hold takes the TTL away: nothing to announce, no index entry.
    await home.app.legalHolds.place(officer, id!, 'a court case');
    expect((await rowOf(home, id!))?.remindOn).toBeUndefined();
    const raw: Item | undefined = await home.store.get('customers', { customerId: id! });
    expect(raw).not.toHaveProperty('remindOn');
    expect(raw).not.toHaveProperty('remindShard');
  });
});
