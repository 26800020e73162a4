/**
 * The forgetting services over the in-memory store: the real app (createApp), the real Encryption SDK
 * cipher and the local KMS, with a clock, scheduler, outbox and log the test holds. No server, no
 * database, no timers: fast and deterministic. The end-to-end tests over dynalite stay in test/forgetting.
 */
import { expect } from 'vitest';
import { EsdkFieldCipher } from '../../../lambdas/adapters/crypto/esdk-cipher';
import { LocalKeyService } from '../../../lambdas/adapters/kms/local-kms';
import { MemoryStore } from '../../../lambdas/adapters/memory/store';
import { MemoryScheduler } from '../../../lambdas/adapters/memory/scheduler';
import { createApp, type App, type Settings } from '../../../lambdas/core/app';
import type { CustomerRow } from '../../../lambdas/core/customer/record';
import { loadRaw } from '../../../lambdas/core/customer/rows';
import type { Clock, Item, Log, Message, Notifier, Store } from '../../../lambdas/core/shared/ports';
import type { Principal } from '../../../lambdas/core/shared/principal';
import { ALL_TABLES, type TableId } from '../../../lambdas/core/policy/tables';
import { KeyShreddedError } from '../../../lambdas/core/shared/vault';
import { wrapStore } from '../../support/stores';

export const DAY = 86_400;
export const agent: Principal = { kind: 'staff', staffId: 'agent-1', role: 'agent' };
export const officer: Principal = { kind: 'staff', staffId: 'officer-1', role: 'privacy_officer' };

export class TestClock implements Clock {
  private ms = Date.parse('2025-03-01T09:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  attributes?: Record<string, unknown>;
}

export interface MemoryHome {
  app: App;
  store: MemoryStore;
  clock: TestClock;
  scheduler: MemoryScheduler;
  outbox: Message[];
  logged: LogEntry[];
  /** Makes every write fail once armed, from the n-th on (a process that died there). */
  crashOnWrite(n: number | undefined): void;
}

export function memoryHome(settings: Settings = {}): MemoryHome {
  const store = new MemoryStore();
  const clock = new TestClock();
  const scheduler = new MemoryScheduler();
  const outbox: Message[] = [];
  const logged: LogEntry[] = [];
  const notifier: Notifier = { send: async (m) => void outbox.push(m) };
  const log: Log = {
    info: (message, attributes) => void logged.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => void logged.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => void logged.push({ level: 'error', message, attributes }),
  };
  let writes = 0;
  let crashAt: number | undefined;
  const beforeWrite = () => {
    writes += 1;
    if (crashAt !== undefined && writes >= crashAt) throw new Error('injected crash');
  };
  const crashing: Store = wrapStore(store, {
    put: async (table, item, condition) => (beforeWrite(), store.put(table, item, condition)),
    delete: async (table, key, condition) => (beforeWrite(), store.delete(table, key, condition)),
    // One write per row: a crash part-way leaves the rows before it deleted, as a batch cut off would.
    batchDelete: async (table, keys) => {
      const done: (typeof keys)[number][] = [];
      try {
        for (const key of keys) beforeWrite(), done.push(key);
      } finally {
        if (done.length > 0) await store.batchDelete(table, done);
      }
    },
  });
  const keys = new LocalKeyService(LocalKeyService.generateKeys());
  const app = createApp({ store: crashing, keys, cipher: new EsdkFieldCipher(), clock, notifier, scheduler, log }, settings);
  const crashOnWrite = (n: number | undefined) => {
    crashAt = n;
    writes = 0;
  };
  return { app, store, clock, scheduler, outbox, logged, crashOnWrite };
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
export async function populate({ app }: MemoryHome): Promise<Populated> {
  const tag = `${++serial}x${process.pid}`;
  const [name, email] = [`Forgettable Person${tag}`, `forget.me.${tag}@example.org`];
  const [summary, purpose] = [`Parcel for flat ${tag} arrived damaged`, `Chargeback dispute ${tag}`];
  const { customer } = await app.customers.create(agent, { name, email, consent: { communications: true } }, `create-${tag}`);
  const { customerId } = customer;
  await app.consent.set(agent, customerId, { analytics: true }, 'email');
  await app.interactions.create(agent, customerId, { channel: 'email', summary });
  const kettle = { sku: 'KETTLE-1', quantity: 1, unitPriceMinor: 2999 };
  await app.purchases.create(agent, customerId, { currency: 'EUR', items: [kettle] }, `buy-${tag}`);
  await app.behaviour.record(agent, customerId, { type: 'page_view', path: '/products/kettles' });
  await app.customers.reveal(officer, customerId, purpose);
  await app.sessions.create(customerId);
  const row = await app.customers.require(customerId);
  const sealed = await app.customers.unseal(row);
  const lookup = await app.customers.lookupOf(row, sealed);
  return { customerId, email, secrets: [name, email, summary, purpose], pseudonyms: sealed.pseudonyms, lookup };
}

export async function rowOf(home: MemoryHome, customerId: string): Promise<CustomerRow | undefined> {
  return loadRaw(home.store, customerId);
}

/** Every row of every table, as a leaked copy would show them. */
export async function allRows(store: Store): Promise<Record<TableId, Item[]>> {
  const out = {} as Record<TableId, Item[]>;
  for (const spec of ALL_TABLES) {
    const table = spec.name as TableId;
    out[table] = [];
    for await (const item of store.scan(table)) out[table].push(item);
  }
  return out;
}

/** Every string in a value, binaries read as UTF-8 and Latin-1 too (a plaintext hidden in bytes shows). */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  if (value instanceof Uint8Array) return [Buffer.from(value).toString('utf8'), Buffer.from(value).toString('latin1')];
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...textsOf(v)]);
  return [];
}

/**
 * The promise of an erasure, on raw tables: nothing of the customer, its key, index entry, pseudonymous
 * rows, sessions or idempotency records; no personal value anywhere; what is kept (purchases, access log)
 * names a customerId that resolves to nothing and holds nothing that decrypts.
 */
export async function expectErased(home: MemoryHome, p: Populated): Promise<void> {
  const all = await allRows(home.store);
  const ofCustomer = (table: TableId) => all[table].filter((r) => r.customerId === p.customerId);
  for (const table of ['customers', 'customer-keys', 'contact-index', 'sessions', 'idempotency'] as const) {
    expect(ofCustomer(table), `${table} rows of the erased customer`).toEqual([]);
  }
  expect(
    all['contact-index'].filter((r) => r.lookup === p.lookup),
    'blind-index entry',
  ).toEqual([]);
  expect(
    all.interactions.filter((r) => r.pseudonym === p.pseudonyms.interaction),
    'interactions',
  ).toEqual([]);
  expect(
    all.behaviour.filter((r) => r.pseudonym === p.pseudonyms.behaviour),
    'behaviour',
  ).toEqual([]);
  for (const [table, rows] of Object.entries(all)) {
    const texts = rows.flatMap(textsOf).join('\n');
    for (const secret of [...p.secrets, p.pseudonyms.interaction, p.pseudonyms.behaviour]) {
      expect(texts.includes(secret), `${table} holds "${secret}"`).toBe(false);
    }
  }
  expect(ofCustomer('transactions').length, 'purchases are kept').toBeGreaterThan(0);
  expect(ofCustomer('access-log').length, 'the access log is kept').toBeGreaterThan(0);
  await expect(home.app.vault.keyFor(p.customerId)).rejects.toBeInstanceOf(KeyShreddedError);
  for (const row of [...ofCustomer('transactions'), ...ofCustomer('access-log')]) {
    for (const value of Object.values(row)) {
      if (!(value instanceof Uint8Array)) continue;
      await expect(home.app.vault.open(p.customerId, 'accessLog', value)).rejects.toBeInstanceOf(KeyShreddedError);
    }
  }
  expect(await home.app.customers.load(p.customerId)).toBeUndefined();
}

/** The customer is all there and readable. */
export async function expectIntact(home: MemoryHome, p: Populated): Promise<void> {
  const row = await home.app.customers.require(p.customerId);
  expect((await home.app.customers.unseal(row)).pseudonyms).toEqual(p.pseudonyms);
  const { items } = await home.app.interactions.list(agent, p.customerId);
  expect(items.map((i) => i.summary)).toContain(p.secrets[2]);
  expect((await home.store.query('behaviour', p.pseudonyms.behaviour)).items.length).toBeGreaterThan(0);
  expect((await home.store.queryIndex('sessions', 'byCustomer', p.customerId)).items.length).toBeGreaterThan(0);
}
