import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedStore, UndeclaredAttributeError } from '../../lambdas/core/shared/guarded-store';
import type { Item, Store } from '../../lambdas/core/shared/ports';
import { TABLES, type TableId } from '../../lambdas/core/policy/tables';
import { wrapStore } from '../support/stores';
import { scanAll } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

/** Attribute names seen per table: through createApp's observer, and as they reach the database. */
const viaApp = new Map<string, Set<string>>();
const viaStore = new Map<string, Set<string>>();
const note = (seen: Map<string, Set<string>>, table: string, names: string[]) => {
  const set = seen.get(table) ?? new Set<string>();
  for (const n of names) set.add(n);
  seen.set(table, set);
};

/** Records every put that reaches the real store, including writes that do not go through the app's guard. */
const recording = (inner: Store): Store =>
  wrapStore(inner, {
    put: (t, item, c) => {
      note(
        viaStore,
        t,
        Object.keys(item).filter((k) => item[k] !== undefined),
      );
      return inner.put(t, item, c);
    },
  });

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome({ settings: { observeWrites: (table, names) => note(viaApp, table, names) }, wrapStore: recording });
  const ok = (res: { status: number; text: string }, status: number) => expect(res.status, res.text).toBe(status);
  const agent = { token: TOKENS.agent };
  // Every write path of the staff API, each category filled.
  const created = await home.request('POST', '/v1/customers', {
    ...agent,
    body: { name: 'Guard Test', email: 'guard@example.com', consent: { communications: true } },
    headers: { 'idempotency-key': 'g-1' },
  });
  ok(created, 201);
  const id = created.body.customerId;
  const newContact = { phone: '+14155552671', purpose: 'guard test' };
  ok(await home.request('PATCH', `/v1/customers/${id}`, { token: TOKENS.officer, body: newContact }), 200);
  ok(await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: { purpose: 'guard test' } }), 200);
  ok(
    await home.request('PUT', `/v1/customers/${id}/consent`, {
      ...agent,
      body: { analytics: true, communications: true, source: 'phone' },
    }),
    200,
  );
  ok(await home.request('POST', `/v1/customers/${id}/interactions`, { ...agent, body: { channel: 'chat', summary: 'guard' } }), 201);
  ok(await home.request('POST', `/v1/customers/${id}/interactions`, { ...agent, body: { channel: 'email' } }), 201);
  ok(
    await home.request('POST', `/v1/customers/${id}/purchases`, {
      ...agent,
      body: { currency: 'EUR', items: [{ sku: 'G-1', quantity: 1, unitPriceMinor: 1 }] },
      headers: { 'idempotency-key': 'p-1' },
    }),
    201,
  );
  ok(await home.request('POST', `/v1/customers/${id}/events`, { ...agent, body: { type: 'search', path: '/s?q=x' } }), 202);
  ok(await home.request('POST', `/v1/customers/${id}/events`, { ...agent, body: { type: 'page_view' } }), 202);
  for (const path of ['', '/interactions', '/purchases', '/access-log'])
    ok(await home.request('GET', `/v1/customers/${id}${path}`, { token: TOKENS.officer }), 200);
  await home.app.exports.forCustomer(id, { kind: 'customer', customerId: id, sessionId: 's' });
  ok(await home.request('PUT', `/v1/customers/${id}/consent`, { ...agent, body: { analytics: false, source: 'phone' } }), 200);
});
afterAll(async () => home?.close());

const undeclared = (seen: Map<string, Set<string>>) =>
  [...seen].flatMap(([table, names]) =>
    [...names]
      .filter((n) => !(TABLES[table as TableId]?.attributes as readonly string[] | undefined)?.includes(n))
      .map((n) => `${table}.${n}`),
  );

describe('the inventory guard', () => {
  it('saw writes to every table the categories use (the check below is not vacuous)', () => {
    for (const t of [
      'customers',
      'customer-keys',
      'contact-index',
      'interactions',
      'transactions',
      'behaviour',
      'access-log',
      'idempotency',
    ]) {
      expect(viaApp.get(t)?.size ?? 0, t).toBeGreaterThan(0);
      expect(viaStore.get(t)?.size ?? 0, t).toBeGreaterThan(0);
    }
  });

  it('every attribute name written during the run is declared in the table specs', () => {
    expect(undeclared(viaApp)).toEqual([]);
    expect(undeclared(viaStore)).toEqual([]);
  });

  it('every attribute of every row in the database is declared in the table specs', async () => {
    const rows = new Map<string, Set<string>>();
    for (const [table, items] of Object.entries(await scanAll(home.dynamo))) for (const item of items) note(rows, table, Object.keys(item));
    expect(undeclared(rows)).toEqual([]);
  });

  it('the GuardedStore refuses a row with an undeclared attribute before it reaches the table', async () => {
    const reached: Item[] = [];
    const inner = { put: async (_t: TableId, item: Item) => void reached.push(item) } as unknown as Store;
    const observed: string[][] = [];
    const guarded = new GuardedStore(inner, (_t, names) => observed.push(names));
    const row = { pseudonym: 'p', sk: 's', interactionId: 'i', channel: 'email', occurredAt: 'x', expiresAt: 1 };
    await expect(guarded.put('interactions', { ...row, customerName: 'Alice' })).rejects.toBeInstanceOf(UndeclaredAttributeError);
    await expect(guarded.put('behaviour', { pseudonym: 'p', sk: 's', eventId: 'e', type: 'page_view', createdAt: 'now' })).rejects.toThrow(
      /createdAt/,
    );
    expect(reached).toEqual([]);
    expect(observed).toEqual([]);
    await guarded.put('interactions', row);
    expect(reached).toHaveLength(1);
    expect(observed).toEqual([Object.keys(row)]);
  });
});
