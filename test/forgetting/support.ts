/**
 * Helpers for the forgetting tests: a home with quick sign-in, a customer with something in every
 * category, the clock, and the check that nothing readable or linkable is left of an erased customer.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { expect } from 'vitest';
import { KeyShreddedError } from '../../lambdas/core/shared/vault';
import type { Item, Store } from '../../lambdas/core/shared/ports';
import type { TableId } from '../../lambdas/core/policy/tables';
import type { HomeOptions } from '../../local/home';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { wrapStore } from '../support/stores';
import { scanAll, textsOf } from '../support/tables';

export const DAY = 86_400;

export async function startForgettingHome(options: Partial<HomeOptions> = {}): Promise<TestHome> {
  return startTestHome({
    ...options,
    settings: {
      ...options.settings,
      portal: { signIn: { loginBudgetMs: 50, perClient: { limit: 10_000, windowSeconds: 600 } } },
    },
  });
}

let serial = 0;

export interface Populated {
  customerId: string;
  email: string;
  /** Every personal value the customer's rows hold somewhere, to look for in raw tables. */
  secrets: string[];
  pseudonyms: { interaction: string; behaviour: string };
  lookup: string;
}

/** A customer with consent, an interaction, a purchase, a browsing event, a reveal and a portal session. */
export async function populate(home: TestHome, opts: { session?: boolean } = {}): Promise<Populated> {
  serial += 1;
  const tag = `${serial}${Math.random().toString(36).slice(2, 8)}`;
  const name = `Forgettable Person${tag}`;
  const email = `forget.me.${tag}@example.org`;
  const summary = `Parcel for flat ${tag} arrived damaged`;
  const purpose = `Chargeback dispute ${tag}`;
  const created = await home.request('POST', '/v1/customers', {
    token: TOKENS.agent,
    body: { name, email, consent: { communications: true } },
    headers: { 'idempotency-key': `create-${tag}` },
  });
  expect(created.status, created.text).toBe(201);
  const customerId: string = created.body.customerId;
  const id = `/v1/customers/${customerId}`;
  const ok = async (res: Promise<{ status: number; text: string }>, status: number) => {
    const r = await res;
    expect(r.status, r.text).toBe(status);
  };
  await ok(home.request('PUT', `${id}/consent`, { token: TOKENS.agent, body: { analytics: true, source: 'email' } }), 200);
  await ok(home.request('POST', `${id}/interactions`, { token: TOKENS.agent, body: { channel: 'email', summary } }), 201);
  await ok(
    home.request('POST', `${id}/purchases`, {
      token: TOKENS.agent,
      body: { currency: 'EUR', items: [{ sku: 'KETTLE-1', quantity: 1, unitPriceMinor: 2999 }] },
    }),
    201,
  );
  await ok(home.request('POST', `${id}/events`, { token: TOKENS.agent, body: { type: 'page_view', path: '/products/kettles' } }), 202);
  await ok(home.request('POST', `${id}/reveal`, { token: TOKENS.officer, body: { purpose } }), 200);
  if (opts.session !== false) await signIn(home, email);

  const row = await home.app.customers.require(customerId);
  const sealed = await home.app.customers.unseal(row);
  const lookup = await home.app.customers.lookupOf(row, sealed);
  return { customerId, email, secrets: [name, email, summary, purpose], pseudonyms: sealed.pseudonyms, lookup };
}

/** Portal sign-in with the code from the outbox; returns the session token. */
export async function signIn(home: TestHome, email: string): Promise<string> {
  const login = await home.request('POST', '/v1/portal/login', { body: { email } });
  expect(login.status).toBe(202);
  const message = home.outbox
    .list()
    .filter((m) => m.to === email && /\b\d{6,12}\b/.test(m.body))
    .at(-1);
  const code = message ? /\b(\d{6,12})\b/.exec(message.body)?.[1] : undefined;
  expect(code, 'a sign-in code was sent').toBeDefined();
  const verify = await home.request('POST', '/v1/portal/verify', { body: { email, code } });
  expect(verify.status, verify.text).toBe(200);
  return verify.body.token;
}

/** Moves the clock and runs the jobs, as POST /dev/clock does. */
export async function advance(home: TestHome, seconds: number): Promise<void> {
  const res = await home.request('POST', '/dev/clock', { body: { advanceSeconds: seconds } });
  expect(res.status, res.text).toBe(200);
}

/** The messages the local outbox holds for `to` (it drops an erased customer's). */
export function messagesTo(home: TestHome, to: string) {
  return home.outbox.list().filter((m) => m.to === to);
}

/** Every message sent to `to`, as the recipient received it, even after an erasure. */
export function sentTo(home: TestHome, to: string) {
  return home.sent.filter((m) => m.to === to);
}

const s = (v: AttributeValue | undefined) => v?.S;

/**
 * The promise of an erasure, checked on raw tables as a leaked copy would show them: no row of the
 * customer, its key, index entry, pseudonymous rows, sessions or idempotency records; no personal value
 * anywhere; what is kept (purchases, access log) names a customerId that resolves to nothing and holds
 * nothing that decrypts.
 */
/** `kept`: the retained categories still within their own retention (default both). */
export async function expectNothingLeft(home: TestHome, p: Populated, opts: { kept?: ('purchases' | 'accessLog')[] } = {}): Promise<void> {
  const kept = opts.kept ?? ['purchases', 'accessLog'];
  const all = await scanAll(home.dynamo);
  const ofCustomer = (table: string) => all[table].filter((r) => s(r.customerId) === p.customerId);
  for (const table of ['customers', 'customer-keys', 'contact-index', 'sessions', 'idempotency']) {
    expect(ofCustomer(table), `${table} rows of the erased customer`).toEqual([]);
  }
  expect(
    all['contact-index'].filter((r) => s(r.lookup) === p.lookup),
    'blind-index entry',
  ).toEqual([]);
  expect(
    all.interactions.filter((r) => s(r.pseudonym) === p.pseudonyms.interaction),
    'interactions',
  ).toEqual([]);
  expect(
    all.behaviour.filter((r) => s(r.pseudonym) === p.pseudonyms.behaviour),
    'behaviour',
  ).toEqual([]);
  expect(
    all.schedules.filter((r) => JSON.stringify(r).includes(p.customerId)),
    'schedules',
  ).toEqual([]);

  for (const [table, rows] of Object.entries(all)) {
    const texts = rows.flatMap((r) => Object.values(r).flatMap(textsOf)).join('\n');
    for (const secret of p.secrets) expect(texts.includes(secret), `${table} holds "${secret}"`).toBe(false);
    expect(texts.includes(p.pseudonyms.interaction) || texts.includes(p.pseudonyms.behaviour), `${table} holds a pseudonym`).toBe(false);
  }

  // Kept: purchases and the access log, pointing at nothing, with nothing that opens.
  if (kept.includes('purchases')) expect(ofCustomer('transactions').length, 'purchases are kept').toBeGreaterThan(0);
  if (kept.includes('accessLog')) expect(ofCustomer('access-log').length, 'the access log is kept').toBeGreaterThan(0);
  await expect(home.app.vault.keyFor(p.customerId)).rejects.toBeInstanceOf(KeyShreddedError);
  for (const row of [...ofCustomer('transactions'), ...ofCustomer('access-log')]) {
    for (const [attribute, value] of Object.entries(row)) {
      if (value.B === undefined) continue;
      await expect(home.app.vault.open(p.customerId, 'accessLog', value.B), attribute).rejects.toBeInstanceOf(KeyShreddedError);
    }
  }
  const log = (await home.app.accessLog.list(p.customerId, { limit: 100 })).items;
  expect(log.filter((e) => e.purpose !== undefined).every((e) => e.purpose === null)).toBe(true);
  expect((await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent })).status).toBe(404);
  expect((await home.request('GET', `/v1/customers/${p.customerId}/purchases`, { token: TOKENS.agent })).status).toBe(404);
  expect((await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: p.email } })).status).toBe(404);
}

/** The customer's rows are all still there and readable (nothing destroyed). */
export async function expectIntact(home: TestHome, p: Populated): Promise<void> {
  const res = await home.request('GET', `/v1/customers/${p.customerId}`, { token: TOKENS.agent });
  expect(res.status, res.text).toBe(200);
  const interactions = await home.request('GET', `/v1/customers/${p.customerId}/interactions`, { token: TOKENS.agent });
  expect(interactions.status).toBe(200);
  expect(interactions.body.items.map((i: { summary?: string }) => i.summary)).toContain(p.secrets[2]);
  const all = await scanAll(home.dynamo);
  expect(all['customer-keys'].filter((r) => s(r.customerId) === p.customerId)).toHaveLength(1);
  expect(all.behaviour.filter((r) => s(r.pseudonym) === p.pseudonyms.behaviour).length).toBeGreaterThan(0);
}

/**
 * A store that crashes on the n-th write (put or delete) once armed: the process "dies" right there,
 * everything before it done, nothing after it. Used to stop the erasure handler between any two steps.
 * `failWhen` makes chosen writes fail (a dependency fault).
 */
export interface CrashingStore extends Store {
  /** Writes (puts and deletes) since the last `crashOnWrite`. */
  readonly writes: number;
  crashOnWrite(n: number | undefined): void;
  /** Makes writes that `match` fail (once each) with `error`, until cleared with undefined. */
  failWhen(match: ((op: 'put' | 'delete', table: TableId, keyOrItem: Item) => boolean) | undefined, error?: () => Error): void;
}

export function crashingStore(inner: Store): CrashingStore {
  let armedAt: number | undefined;
  let writes = 0;
  let fault: { match: (op: 'put' | 'delete', table: TableId, keyOrItem: Item) => boolean; error: () => Error } | undefined;
  const beforeWrite = (op: 'put' | 'delete', table: TableId, keyOrItem: Item) => {
    if (fault?.match(op, table, keyOrItem)) throw fault.error();
    writes += 1;
    if (armedAt !== undefined && writes === armedAt) {
      armedAt = undefined;
      throw new Error('injected crash');
    }
  };
  return {
    ...wrapStore(inner, {
      put: async (table, item, condition) => (beforeWrite('put', table, item), inner.put(table, item, condition)),
      delete: async (table, key, condition) => (beforeWrite('delete', table, key), inner.delete(table, key, condition)),
      // One write per row: a crash part-way leaves the rows before it deleted, as a batch cut off would.
      batchDelete: async (table, keys) => {
        const done: (typeof keys)[number][] = [];
        try {
          for (const key of keys) beforeWrite('delete', table, key), done.push(key);
        } finally {
          if (done.length > 0) await inner.batchDelete(table, done);
        }
      },
    }),
    get writes() {
      return writes;
    },
    crashOnWrite(n) {
      armedAt = n;
      writes = 0;
    },
    failWhen(match, error = () => new Error('injected fault')) {
      fault = match ? { match, error } : undefined;
    },
  };
}

/** A forgetting home over a crashing store, and that store. */
export async function startCrashingHome(): Promise<{ home: TestHome; store: CrashingStore }> {
  let store: CrashingStore | undefined;
  const home = await startForgettingHome({ wrapStore: (inner) => (store = crashingStore(inner)) });
  return { home, store: store! };
}
