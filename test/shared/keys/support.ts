/**
 * A deployment in one process for the key-hierarchy tests: one DynamoDB (dynalite), the fake KMS (real
 * cryptography, calls counted), and as many app instances as a test wants, each with its own caches,
 * as Lambda instances would be. Also writes customers the way the code before branch and beacon keys
 * did (key wrapped by KMS directly, blind index by KMS GenerateMac), for the migration tests.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { EsdkFieldCipher } from '../../../lambdas/adapters/crypto/esdk-cipher';
import { DynamoStore } from '../../../lambdas/adapters/dynamodb/store';
import { AwsKeyService } from '../../../lambdas/adapters/kms/aws-kms';
import { silentLog } from '../../../lambdas/adapters/logger';
import { createApp, type App, type Settings } from '../../../lambdas/core/app';
import { customerFromItem, customerToItem } from '../../../lambdas/core/customer/record';
import { tableNamesFromPrefix } from '../../../lambdas/core/policy/tables';
import type { Item, KeyService, Store } from '../../../lambdas/core/shared/ports';
import { epoch } from '../../../lambdas/core/policy/time';
import { startDynalite, type TestDb } from '../../support/dynalite';
import { installFakeKms, type FakeKms } from '../../support/fake-kms';

export const STAFF = { kind: 'staff', staffId: 'officer-1', role: 'privacy_officer' } as const;
export const DATA_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/data';
export const MAC_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/mac';

export interface World {
  db: TestDb;
  kms: FakeKms;
  store: Store;
  /** The test's clock: every instance reads it; `advance` moves it. */
  clock: { now(): Date; advance(ms: number): void };
  /** A fresh app instance (a cold Lambda instance): own vault, caches and KMS client. */
  instance(settings?: Settings, options?: { withoutMac?: boolean }): App;
  /** KMS calls since the last `resetCalls`, by operation. */
  calls(): { Decrypt: number; GenerateDataKey: number; GenerateMac: number; total: number };
  resetCalls(): void;
  close(): Promise<void>;
}

let serial = 0;

export async function startWorld(): Promise<World> {
  const prefix = `keys${++serial}-`;
  const db = await startDynalite(prefix);
  const kms = installFakeKms();
  const store = new DynamoStore({ client: db.client, tableNames: tableNamesFromPrefix(prefix), scanPageSize: 7 });
  let t = Date.parse('2025-06-01T10:00:00Z');
  const clock = { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
  const keyService = (withoutMac: boolean): KeyService => {
    const aws = new AwsKeyService({ client: new KMSClient({ region: 'eu-west-1' }), keyId: DATA_KEY, macKeyId: MAC_KEY });
    return withoutMac ? { generateDataKey: (c) => aws.generateDataKey(c), unwrapDataKey: (w, c) => aws.unwrapDataKey(w, c) } : aws;
  };
  return {
    db,
    kms,
    store,
    clock,
    instance: (settings = {}, options = {}) =>
      createApp(
        {
          store,
          keys: keyService(options.withoutMac ?? false),
          cipher: new EsdkFieldCipher(),
          clock,
          notifier: { send: async () => undefined },
          scheduler: { schedule: async () => undefined, cancel: async () => undefined, exists: async () => false },
          log: silentLog,
        },
        settings,
      ),
    calls() {
      const Decrypt = kms.mock.commandCalls(DecryptCommand).length;
      const GenerateDataKey = kms.mock.commandCalls(GenerateDataKeyCommand).length;
      const GenerateMac = kms.mock.commandCalls(GenerateMacCommand).length;
      return { Decrypt, GenerateDataKey, GenerateMac, total: Decrypt + GenerateDataKey + GenerateMac };
    },
    resetCalls: () => kms.mock.resetHistory(),
    async close() {
      kms.restore();
      await db.close();
    },
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * A customer as the code before the key hierarchy stored it: a data key from KMS GenerateDataKey under
 * `{customerId, purpose: 'customer-data-key'}`, the blind index from KMS GenerateMac, no branch.
 */
export async function legacyCustomer(world: World, name: string, email: string): Promise<{ customerId: string; lookup: string }> {
  const customerId = randomUUID();
  const kmsKeys = new AwsKeyService({ client: new KMSClient({ region: 'eu-west-1' }), keyId: DATA_KEY, macKeyId: MAC_KEY });
  const { plaintext, wrapped } = await kmsKeys.generateDataKey({ customerId, purpose: 'customer-data-key' });
  const lookup = hex(await kmsKeys.mac(new TextEncoder().encode(`email:${email}`)));
  const cipher = new EsdkFieldCipher();
  const sealedValue = {
    name,
    contact: { type: 'email', value: email },
    pseudonyms: { interaction: randomUUID(), behaviour: randomUUID() },
  };
  const sealed = await cipher.encrypt(plaintext, customerId, new TextEncoder().encode(JSON.stringify(sealedValue)), {
    customerId,
    category: 'contact',
  });
  const now = world.clock.now();
  const expiresAt = epoch(now) + 730 * 86_400;
  await world.store.put('customer-keys', {
    customerId,
    wrappedKey: wrapped,
    createdAt: now.toISOString(),
    expiresAt: expiresAt + 7 * 86_400,
  });
  await world.store.put('contact-index', { lookup, customerId, createdAt: now.toISOString(), expiresAt });
  const row = {
    customerId,
    v: 1,
    sealed,
    contactType: 'email' as const,
    lookup,
    createdAt: now.toISOString(),
    lastActivityAt: now.toISOString(),
    expiresAt,
    consent: [],
  };
  // As older code wrote it: the blind index on the row, not in the sealed record.
  await world.store.put('customers', { ...customerToItem(row), lookup });
  return { customerId, lookup };
}

/** Every row of a table. */
export async function rows(store: Store, table: Parameters<Store['scan']>[0]) {
  const out = [];
  for await (const item of store.scan(table)) out.push(item);
  return out;
}

/** The blind index each customer row's sealed record names (the row itself carries none). */
export async function sealedLookups(app: App, items: Item[]): Promise<Set<string | undefined>> {
  expect(
    items.every((item) => item.lookup === undefined),
    'a customer row carries a blind index',
  ).toBe(true);
  return new Set(await Promise.all(items.map(async (item) => (await app.customers.unseal(customerFromItem(item))).lookup)));
}
