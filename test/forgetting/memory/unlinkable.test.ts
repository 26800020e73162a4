/**
 * Unlinkable within a day (DESIGN.md "Encryption"): a day after an erasure, nothing in any table, nor in
 * any backup a table's point-in-time recovery can still restore, joins the erased contact, or one of the
 * customer's pseudonymous rows, to the customerId.
 *
 * The attacker's copy is taken a day after the erasure: of each table with more than a day of PITR, every
 * state it had (a snapshot of every table after every step of the customer's life, the last one just
 * before the erasure ran, and the state after); of each table with a day or less, only the state after.
 * Joins are looked for two ways: a shared identifying value (an id, a hash, a token, an address) chaining
 * rows together, and a time finer than a day shared by a customer-keyed row and a pseudonymous one.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scheduleName } from '../../../lambdas/core/forgetting/erasure-common';
import { ALL_TABLES, TABLES, type TableId } from '../../../lambdas/core/policy/tables';
import type { Item } from '../../../lambdas/core/shared/ports';
import { agent, allRows, DAY, memoryHome, officer, rowOf, type MemoryHome } from './support';

type Snapshot = Record<TableId, Item[]>;

/** Moves the test clock forward to `day` days after the start, at `time` (UTC), so each write has a time of its own. */
function at(home: MemoryHome, day: number, time: string): void {
  const start = Date.parse('2025-03-01T00:00:00.000Z');
  const target = start + day * DAY * 1000 + Date.parse(`1970-01-01T${time}Z`);
  const now = home.clock.now().getTime();
  expect(target, `${day} ${time} is later than the clock`).toBeGreaterThan(now);
  home.clock.advance((target - now) / 1000);
}

/** Values that identify something (ids, hashes, tokens, addresses), taken apart at `#` and `:` as keys are built. */
function identifiers(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value, ...value.split(/[#:]/)].filter((s) => s.length >= 16 && !/\s/.test(s) && !/^\d{4}-\d{2}-\d{2}/.test(s));
  }
  if (Array.isArray(value)) return value.flatMap(identifiers);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.values(value).flatMap(identifiers);
  return [];
}

/** Which identifiers end up joined, row by row (each row joins everything it holds): union-find. */
function joins(rows: Item[]): (a: string, b: string) => boolean {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const row of rows) {
    const ids = identifiers(row);
    for (const id of ids.slice(1)) parent.set(find(id), find(ids[0]!));
  }
  return (a, b) => find(a) === find(b);
}

/** Every moment (ms since epoch) a value may stand for: ISO timestamps, epoch seconds or milliseconds, deep. */
function moments(value: unknown): number[] {
  if (typeof value === 'string') {
    return value
      .split('#')
      .filter((part) => /^\d{4}-\d{2}-\d{2}T/.test(part))
      .map(Date.parse)
      .filter((ms) => !Number.isNaN(ms));
  }
  if (typeof value === 'number') return value > 1e12 ? [value] : value > 1e9 ? [value * 1000] : [];
  if (Array.isArray(value)) return value.flatMap(moments);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.values(value).flatMap(moments);
  return [];
}

const secondOfDay = (ms: number) => Math.floor(ms / 1000) % DAY;

describe('unlinkable within a day', () => {
  it('after an erasure, no table nor backup in its PITR window joins the old contact or a pseudonymous row to the customerId', async () => {
    const home = memoryHome({ portal: { signIn: { loginBudgetMs: 5 } } });
    const { app } = home;
    const snapshots: Snapshot[] = [];
    const snap = async () => void snapshots.push(await allRows(home.store));
    const email = 'linkable.person@example.org';

    // A customer's life, each step at a time of day of its own, a snapshot after each.
    const input = { name: 'Linkable Person', email, consent: { communications: true } };
    const created = await app.customers.create(agent, input, 'create-linkable');
    const { customerId } = created.customer;
    await snap();
    at(home, 1, '10:05:00.000');
    await app.consent.set(agent, customerId, { analytics: true }, 'email');
    await snap();
    at(home, 2, '08:15:31.250');
    await app.signIn.login({ email }, '203.0.113.7');
    await snap(); // a sign-in code waiting
    const code = /\b(\d{6,12})\b/.exec(home.outbox.at(-1)!.body)![1]!;
    await app.signIn.verify({ email, code }, '203.0.113.7');
    await snap();
    at(home, 3, '13:37:42.123'); // an interaction: a pseudonymous row, and retention extended in the same request
    await app.interactions.create(agent, customerId, { channel: 'email', summary: 'Parcel arrived damaged' });
    await snap();
    at(home, 5, '17:21:09.456'); // a browsing event: a pseudonymous row
    await app.behaviour.record(agent, customerId, { type: 'page_view', path: '/products/kettles' });
    await snap();
    at(home, 6, '11:11:11.111');
    const kettle = { sku: 'KETTLE-1', quantity: 1, unitPriceMinor: 2999 };
    await app.purchases.create(agent, customerId, { currency: 'EUR', items: [kettle] }, 'buy-linkable');
    await app.customers.get(agent, customerId);
    await snap();
    at(home, 8, '09:30:00.000');
    const sealed = await app.customers.unseal((await rowOf(home, customerId))!);
    const { receiptId } = await app.erasure.request(officer, customerId);
    await snap();
    at(home, 38, '09:30:01.000');
    await snap(); // the moment just before the erasure runs
    const schedule = home.scheduler.pending.get(scheduleName(receiptId))!;
    expect((await app.erasureRun.execute(schedule.payload)).outcome).toBe('completed');
    at(home, 39, '09:30:01.000'); // a day later
    const after = await allRows(home.store);

    // What a backup restored now can show, per the table specs' PITR windows.
    const copy: Item[] = [];
    for (const spec of ALL_TABLES) {
      const table = spec.name as TableId;
      copy.push(...after[table]);
      if (spec.pitrDays > 1) for (const s of snapshots) copy.push(...s[table]);
    }
    const lookup = sealed.lookup!;
    const contact = [email, lookup, createHash('sha256').update(`portal-contact:${lookup}`).digest('hex')];
    const pseudonymous = snapshots.flatMap((s) => [...s.interactions, ...s.behaviour]);
    expect(pseudonymous.length, 'the flow wrote pseudonymous rows').toBeGreaterThan(0);
    const pseudonymIds = [sealed.pseudonyms.interaction, sealed.pseudonyms.behaviour, ...pseudonymous.flatMap(identifiers)];

    // 1. No chain of shared identifiers from the contact, or a pseudonymous row, to the customerId.
    const joined = joins(copy);
    for (const c of contact) expect(joined(c, customerId), `the contact (${c.slice(0, 12)}…) joins the customerId`).toBe(false);
    for (const id of pseudonymIds) {
      expect(joined(id, customerId), `a pseudonymous value (${id.slice(0, 12)}…) joins the customerId`).toBe(false);
    }
    // ... and no row of the copy holds a contact value beside anything of the customer.
    for (const row of copy) {
      const ids = identifiers(row);
      if (!ids.includes(customerId)) continue;
      for (const c of contact) expect(ids, `a row naming the customer holds ${c.slice(0, 12)}…`).not.toContain(c);
    }

    // 2. No customer-keyed row (one that names the customerId) holds a time finer than a day that matches
    //    a pseudonymous row's: written in the same request, they would be matched by time.
    const pseudonymousSeconds = new Set(pseudonymous.flatMap(moments).map(secondOfDay));
    expect([...pseudonymousSeconds]).toEqual(expect.arrayContaining([secondOfDay(Date.parse('2025-03-04T13:37:42.123Z'))]));
    const customerRows = copy.filter((row) => identifiers(row).includes(customerId));
    expect(customerRows.length, 'what is kept (purchases, access log, receipts) is in the copy').toBeGreaterThan(0);
    for (const row of customerRows) {
      for (const ms of moments(row)) {
        const what = `a customer-keyed time ${new Date(ms).toISOString()} matches a pseudonymous row`;
        expect(pseudonymousSeconds.has(secondOfDay(ms)), what).toBe(false);
      }
    }

    // 3. The tables that may hold such a link at all keep a day of PITR; the erasure emptied them of the customer.
    for (const table of ['customer-keys', 'contact-index', 'sessions', 'idempotency'] as const) {
      expect(TABLES[table].pitrDays, table).toBe(1);
      expect(
        after[table].filter((r) => identifiers(r).includes(customerId)),
        table,
      ).toEqual([]);
    }
  });
});
