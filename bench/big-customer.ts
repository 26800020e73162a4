/**
 * One customer with 10,000 rows across categories (interactions with summaries, purchases, behaviour
 * events, access-log entries) on the local home: its export over HTTP (GET /v1/me/export, a portal
 * session), then its erasure (requested, then run by the erasure function once the grace period is over)
 * until every row the inventory deletes is gone.
 *
 * The rows are made by the app itself over the in-memory store with the home's own keys (fast), then
 * copied into the home's dynalite with BatchWriteItem: the same rows the API would have written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EsdkFieldCipher } from '../lambdas/adapters/crypto/esdk-cipher';
import { LocalKeyService } from '../lambdas/adapters/kms/local-kms';
import { silentLog } from '../lambdas/adapters/logger';
import { MemoryStore } from '../lambdas/adapters/memory/store';
import { createApp } from '../lambdas/core/app';
import { ALL_TABLES, tableNamesFromPrefix, type TableId } from '../lambdas/core/policy/tables';
import { startHome, type Home } from '../local/home';
import { Meter } from './sim/meter';

const OFFICER = 'bench-officer-token-0123456789';
export const ROWS = { interactions: 4000, purchases: 3000, behaviour: 2000, accessLog: 1000 } as const;

export interface BigCustomerFigures {
  rows: number;
  exportMs: number;
  exportCpuMs: number;
  exportBytes: number;
  erasureMs: number;
  erasureCpuMs: number;
  /** Rows left of what the inventory deletes (must be 0), and what it keeps by design. */
  leftDeleted: number;
  keptByDesign: Record<string, number>;
}

async function seedInMemory(home: Home, dataDir: string): Promise<{ store: MemoryStore; customerId: string }> {
  const store = new MemoryStore();
  const keys = await LocalKeyService.fromDirectory(dataDir);
  const noop = { send: async () => undefined };
  const app = createApp({
    store,
    keys,
    cipher: new EsdkFieldCipher(),
    clock: home.clock,
    notifier: noop,
    scheduler: { schedule: async () => undefined, cancel: async () => undefined, exists: async () => false },
    log: silentLog,
  });
  const staff = { kind: 'staff', staffId: 'bench', role: 'privacy_officer' } as const;
  const { customer } = await app.customers.create(staff, {
    name: 'Big Customer',
    email: 'big@bench.example',
    consent: { communications: true },
  });
  const id = customer.customerId;
  await app.consent.set(staff, id, { analytics: true }, 'phone');
  const day = 86_400_000;
  const when = (i: number, n: number) => new Date(home.clock.now().getTime() - Math.floor((i / n) * 80 * day) - 60_000).toISOString();
  for (let i = 0; i < ROWS.interactions; i++) {
    await app.interactions.create(staff, id, {
      channel: 'chat',
      summary: `Question ${i} about an order and its delivery`,
      occurredAt: when(i, ROWS.interactions),
    });
  }
  for (let i = 0; i < ROWS.purchases; i++) {
    await app.purchases.create(staff, id, {
      currency: 'EUR',
      items: [{ sku: `SKU-${i % 50}`, quantity: 1 + (i % 3), unitPriceMinor: 1250 }],
      occurredAt: when(i, ROWS.purchases),
    });
  }
  for (let i = 0; i < ROWS.behaviour; i++)
    await app.behaviour.record(staff, id, { type: 'page_view', path: `/shop/item/${i % 100}`, occurredAt: when(i, ROWS.behaviour) });
  // Creating and recording wrote access-log entries already (creates, purchases); top up to the planned count.
  const logged = (await store.query('access-log', id)).items.length;
  for (let i = logged; i < ROWS.accessLog; i++) await app.accessLog.append(id, staff, 'read');
  return { store, customerId: id };
}

/** Copies every row into the home's tables, 25 per BatchWriteItem, retrying what comes back unprocessed. */
async function copyInto(home: Home, store: MemoryStore): Promise<number> {
  const doc = DynamoDBDocumentClient.from(home.dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const names = tableNamesFromPrefix('crm-local-');
  let rows = 0;
  for (const spec of ALL_TABLES) {
    const table = spec.name as TableId;
    let batch: Record<string, unknown>[] = [];
    const flush = async () => {
      let requests: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> = {
        [names[table]]: batch.map((Item) => ({ PutRequest: { Item } })),
      };
      while (Object.keys(requests).length > 0) {
        const out = await doc.send(new BatchWriteCommand({ RequestItems: requests }));
        requests = (out.UnprocessedItems ?? {}) as typeof requests;
      }
      batch = [];
    };
    for await (const item of store.scan(table)) {
      batch.push(item);
      rows++;
      if (batch.length === 25) await flush();
    }
    if (batch.length > 0) await flush();
  }
  return rows;
}

async function count(home: Home, table: TableId): Promise<number> {
  let n = 0;
  for await (const _ of home.app.ports.store.scan(table)) n++;
  return n;
}

export async function bigCustomer(progress: (line: string) => void = () => undefined): Promise<BigCustomerFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-big-'));
  const home = await startHome({
    dataDir,
    port: 0,
    inMemory: true,
    log: silentLog,
    jobIntervalMs: 0,
    staffTokensJson: JSON.stringify([{ token: OFFICER, staffId: 'bench-officer', role: 'privacy_officer' }]),
  });
  try {
    const { store, customerId } = await seedInMemory(home, dataDir);
    const copied = await copyInto(home, store);
    const rows = (
      await Promise.all((['interactions', 'transactions', 'behaviour', 'access-log'] as const).map((t) => count(home, t)))
    ).reduce((a, b) => a + b, 0);
    progress(`  seeded ${rows} category rows (${copied} rows in all tables)`);

    const { token } = await home.app.sessions.create(customerId);
    const exported = async () => {
      const t0 = performance.now();
      const [res, cpu] = await Meter.cpu(async () => {
        const r = await fetch(`${home.url}/v1/me/export`, { headers: { authorization: `Bearer ${token}` } });
        return { status: r.status, text: await r.text() };
      });
      if (res.status !== 200) throw new Error(`export answered ${res.status}`);
      return { ms: performance.now() - t0, cpu, bytes: Buffer.byteLength(res.text) };
    };
    await exported(); // first: the key cache and the code paths are cold
    const runs = [await exported(), await exported(), await exported()].sort((a, b) => a.ms - b.ms);
    const median = runs[1]!;
    progress(`  export: ${runs.map((r) => r.ms.toFixed(0)).join(' ')} ms, ${(median.bytes / 2 ** 20).toFixed(1)} MiB`);

    const t0 = performance.now();
    const [, erasureCpuMs] = await Meter.cpu(async () => {
      const asked = await fetch(`${home.url}/v1/customers/${customerId}/erasure`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OFFICER}` },
      });
      if (asked.status !== 202) throw new Error(`erasure request answered ${asked.status}`);
      const { receiptId } = (await asked.json()) as { receiptId: string };
      home.clock.advance(home.app.policy.erasureGraceSeconds + 3600);
      const outcome = await home.app.erasureRun.execute({ customerId, receiptId });
      if (outcome.outcome !== 'completed') throw new Error(`erasure: ${outcome.outcome}`);
    });
    const erasureMs = performance.now() - t0;
    const deleted = ['interactions', 'behaviour', 'customers', 'customer-keys', 'contact-index', 'sessions'] as const;
    const left = (await Promise.all(deleted.map((t) => count(home, t)))).reduce((a, b) => a + b, 0);
    const keptByDesign = { purchases: await count(home, 'transactions'), accessLog: await count(home, 'access-log') };
    progress(`  erasure: ${erasureMs.toFixed(0)} ms; left ${left}; kept ${JSON.stringify(keptByDesign)}`);
    return {
      rows,
      exportMs: median.ms,
      exportCpuMs: median.cpu,
      exportBytes: median.bytes,
      erasureMs,
      erasureCpuMs,
      leftDeleted: left,
      keptByDesign,
    };
  } finally {
    await home.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
