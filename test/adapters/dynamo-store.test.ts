import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoStore, mapDynamoError } from '../../lambdas/adapters/dynamodb/store';
import { ensureTables } from '../../lambdas/adapters/dynamodb/tables';
import { ConditionFailedError, DependencyUnavailableError, ValidationError } from '../../lambdas/core/shared/errors';
import type { Item } from '../../lambdas/core/shared/ports';
import { ALL_TABLES, TABLES, tableNamesFromPrefix } from '../../lambdas/core/policy/tables';
import { startDynalite, type TestDb } from '../support/dynalite';

let db: TestDb;
let store: DynamoStore;

beforeAll(async () => {
  db = await startDynalite('store-');
  store = new DynamoStore({ client: db.client, tableNames: tableNamesFromPrefix(db.prefix) });
});

afterAll(async () => {
  await db?.close();
});

let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

async function collect(iterable: AsyncIterable<Item>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('DynamoStore reads and writes', () => {
  it('a row round-trips with binary ciphertexts, nested maps, lists, booleans and numbers', async () => {
    const customerId = unique('c');
    const sealed = new Uint8Array([0, 1, 2, 254, 255]);
    const item: Item = {
      customerId,
      v: 3,
      sealed,
      contactType: 'email',
      lastActivityAt: 1_700_000_000_123,
      legalHold: false,
      erasure: null,
      consent: {
        marketing: { granted: true, at: '2024-01-01T00:00:00.000Z', proof: new Uint8Array([9, 8, 7]) },
        purposes: ['service', 'marketing'],
        revokedAt: undefined,
      },
    };
    await store.put('customers', item);

    const back = await store.get('customers', { customerId }, { consistent: true });
    expect(back).toBeDefined();
    expect(back?.sealed).toBeInstanceOf(Uint8Array);
    expect(Array.from(back?.sealed as Uint8Array)).toEqual([0, 1, 2, 254, 255]);
    expect(typeof back?.v).toBe('number');
    expect(back?.lastActivityAt).toBe(1_700_000_000_123);
    expect(back?.legalHold).toBe(false);
    expect(back?.erasure).toBeNull();
    const consent = back?.consent as { marketing: { granted: boolean; proof: Uint8Array }; purposes: string[] };
    expect(consent.marketing.granted).toBe(true);
    expect(Array.from(consent.marketing.proof)).toEqual([9, 8, 7]);
    expect(consent.purposes).toEqual(['service', 'marketing']);
    // Undefined values are dropped rather than refused.
    expect(Object.keys(back?.consent as object)).not.toContain('revokedAt');
  });

  it('reading a row that was never written returns undefined', async () => {
    expect(await store.get('customers', { customerId: unique('missing') })).toBeUndefined();
  });

  it('a create-only write refuses to overwrite an existing row', async () => {
    const customerId = unique('c');
    await store.put('customers', { customerId, v: 1 }, { kind: 'notExists' });
    await expect(store.put('customers', { customerId, v: 2 }, { kind: 'notExists' })).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await store.get('customers', { customerId }))?.v).toBe(1);
  });

  it('an update-only write refuses a row that does not exist', async () => {
    const customerId = unique('c');
    await expect(store.put('customers', { customerId, v: 1 }, { kind: 'exists' })).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await store.get('customers', { customerId })).toBeUndefined();

    await store.put('customers', { customerId, v: 1 });
    await store.put('customers', { customerId, v: 2 }, { kind: 'exists' });
    expect((await store.get('customers', { customerId }))?.v).toBe(2);
  });

  it('an equals condition writes only while every named attribute still holds the expected value', async () => {
    const customerId = unique('c');
    await store.put('customers', { customerId, v: 1, contactType: 'email' });

    await expect(
      store.put('customers', { customerId, v: 2, contactType: 'email' }, { kind: 'equals', values: { v: 1, contactType: 'phone' } }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    await store.put('customers', { customerId, v: 2, contactType: 'email' }, { kind: 'equals', values: { v: 1, contactType: 'email' } });
    // The optimistic-lock pattern: the second writer that read v=1 loses.
    await expect(store.put('customers', { customerId, v: 2 }, { kind: 'equals', values: { v: 1 } })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect((await store.get('customers', { customerId }))?.v).toBe(2);
  });

  it('an equals condition with an undefined value requires that attribute to be absent', async () => {
    const customerId = unique('c');
    await store.put('customers', { customerId, v: 1 });

    await store.put('customers', { customerId, v: 2, legalHold: true }, { kind: 'equals', values: { legalHold: undefined, v: 1 } });
    await expect(
      store.put('customers', { customerId, v: 3 }, { kind: 'equals', values: { legalHold: undefined } }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
    expect((await store.get('customers', { customerId }))?.legalHold).toBe(true);

    // On an absent row every attribute is absent, so the condition holds and the write creates it.
    const fresh = unique('c');
    await store.put('customers', { customerId: fresh, v: 1 }, { kind: 'equals', values: { v: undefined } });
    expect((await store.get('customers', { customerId: fresh }))?.v).toBe(1);
  });

  it('deleting an absent row succeeds, and deleting twice is harmless', async () => {
    const customerId = unique('c');
    await store.delete('customers', { customerId });
    await store.put('customers', { customerId, v: 1 });
    await store.delete('customers', { customerId });
    await store.delete('customers', { customerId });
    expect(await store.get('customers', { customerId })).toBeUndefined();
  });

  it('a conditional delete removes the row only when its condition holds', async () => {
    const customerId = unique('c');
    await expect(store.delete('customers', { customerId }, { kind: 'exists' })).rejects.toBeInstanceOf(ConditionFailedError);

    await store.put('customers', { customerId, v: 5 });
    await expect(store.delete('customers', { customerId }, { kind: 'equals', values: { v: 4 } })).rejects.toBeInstanceOf(
      ConditionFailedError,
    );
    expect(await store.get('customers', { customerId })).toBeDefined();
    await store.delete('customers', { customerId }, { kind: 'equals', values: { v: 5 } });
    expect(await store.get('customers', { customerId })).toBeUndefined();
  });
});

describe('DynamoStore queries', () => {
  const pseudonym = unique('p');
  const other = unique('p');
  const sks = ['2024-01-03#c', '2024-01-01#a', '2024-02-01#d', '2024-01-02#b', '2023-12-31#z'];

  beforeAll(async () => {
    for (const sk of sks) await store.put('interactions', { pseudonym, sk, channel: 'email', createdAt: sk });
    await store.put('interactions', { pseudonym: other, sk: '2024-01-01#other', channel: 'phone' });
  });

  it('returns one partition in ascending sort-key order, and descending on request', async () => {
    const asc = await store.query('interactions', pseudonym);
    expect(asc.items.map((i) => i.sk)).toEqual([...sks].sort());
    expect(asc.cursor).toBeUndefined();

    const desc = await store.query('interactions', pseudonym, { descending: true, consistent: true });
    expect(desc.items.map((i) => i.sk)).toEqual([...sks].sort().reverse());
  });

  it('returns only the sort keys that begin with the prefix', async () => {
    const page = await store.query('interactions', pseudonym, { prefix: '2024-01' });
    expect(page.items.map((i) => i.sk)).toEqual(['2024-01-01#a', '2024-01-02#b', '2024-01-03#c']);
  });

  it('pages with limit and cursor until every row was seen exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.query('interactions', pseudonym, { limit: 2, cursor, descending: true });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => String(i.sk)));
      cursor = page.cursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...sks].sort().reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('refuses a cursor that is malformed or points into another partition', async () => {
    const first = await store.query('interactions', pseudonym, { limit: 1 });
    expect(first.cursor).toBeDefined();
    await expect(store.query('interactions', other, { cursor: first.cursor })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.query('interactions', pseudonym, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    const forged = Buffer.from(JSON.stringify({ pseudonym, sk: 'x', extra: 'y' })).toString('base64url');
    await expect(store.query('interactions', pseudonym, { cursor: forged })).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a prefix query on a table without a sort key', async () => {
    await expect(store.query('customers', 'x', { prefix: 'a' })).rejects.toThrow(/no sort key/);
  });
});

describe('DynamoStore index queries', () => {
  const customerId = unique('c');
  const other = unique('c');
  const ids = ['s-1', 's-2', 's-3', 's-4', 's-5'].map((id) => `${id}-${customerId}`);

  beforeAll(async () => {
    for (const id of ids) await store.put('sessions', { id, kind: 'session', customerId, lastSeenAt: 1, createdAt: '2024-01-01' });
    await store.put('sessions', { id: unique('s'), kind: 'session', customerId: other });
    // A rate-limit row carries no customerId, so the index does not hold it.
    await store.put('sessions', { id: unique('rl'), kind: 'rate', count: 1 });
    await store.put('idempotency', { key: unique('k'), fingerprint: 'f', customerId });
  });

  it('finds every row of one customer by customerId, and only the keys the index projects', async () => {
    const page = await store.queryIndex('sessions', 'byCustomer', customerId);
    expect(page.items.map((i) => i.id).sort()).toEqual([...ids].sort());
    for (const item of page.items) expect(Object.keys(item).sort()).toEqual(['customerId', 'id']);
    expect(page.cursor).toBeUndefined();

    const idem = await store.queryIndex('idempotency', 'byCustomer', customerId);
    expect(idem.items).toHaveLength(1);
    expect(Object.keys(idem.items[0]!).sort()).toEqual(['customerId', 'key']);
  });

  it('finds nothing for a customer without rows', async () => {
    expect((await store.queryIndex('sessions', 'byCustomer', unique('nobody'))).items).toEqual([]);
  });

  it('pages with limit and cursor until every row was seen exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.queryIndex('sessions', 'byCustomer', customerId, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => String(i.id)));
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('refuses a cursor that belongs to another customer or is malformed', async () => {
    const first = await store.queryIndex('sessions', 'byCustomer', customerId, { limit: 1 });
    expect(first.cursor).toBeDefined();
    await expect(store.queryIndex('sessions', 'byCustomer', other, { cursor: first.cursor })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.queryIndex('sessions', 'byCustomer', customerId, { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    expect((await store.queryIndex('sessions', 'byCustomer', customerId, { cursor: first.cursor })).items.length).toBeGreaterThan(0);
  });

  it('refuses an index the table spec does not declare', async () => {
    await expect(store.queryIndex('customers', 'byCustomer', customerId)).rejects.toThrow(/no index/);
  });
});

describe('DynamoStore scans', () => {
  it('pages through every row of a table, more than one page', async () => {
    const prefix = 'scan-';
    await ensureTables(db.client, prefix, [TABLES.behaviour]);
    const small = new DynamoStore({ client: db.client, tableNames: tableNamesFromPrefix(prefix), scanPageSize: 4 });
    const written = new Set<string>();
    for (let i = 0; i < 23; i++) {
      const sk = `2024-01-01T00:00:${String(i).padStart(2, '0')}Z#${i}`;
      await small.put('behaviour', { pseudonym: `p${i % 5}`, sk, type: 'view' });
      written.add(`p${i % 5}|${sk}`);
    }

    const items = await collect(small.scan('behaviour'));
    expect(items).toHaveLength(23);
    expect(new Set(items.map((i) => `${i.pseudonym}|${i.sk}`))).toEqual(written);
  });

  it('scans an empty table to nothing', async () => {
    expect(await collect(store.scan('receipts'))).toEqual([]);
  });
});

describe('ensureTables', () => {
  it('is idempotent: a second run, even concurrent ones, leaves the same tables', async () => {
    const before = (await db.client.send(new ListTablesCommand({}))).TableNames ?? [];
    await Promise.all([ensureTables(db.client, db.prefix, ALL_TABLES), ensureTables(db.client, db.prefix, ALL_TABLES)]);
    const after = (await db.client.send(new ListTablesCommand({}))).TableNames ?? [];
    expect(after.sort()).toEqual(before.sort());
    for (const spec of ALL_TABLES) expect(after).toContain(`${db.prefix}${spec.name}`);
  });

  it('creates missing tables concurrently without tripping over each other', async () => {
    await Promise.all([ensureTables(db.client, 'race-', ALL_TABLES), ensureTables(db.client, 'race-', ALL_TABLES)]);
    const names = (await db.client.send(new ListTablesCommand({}))).TableNames ?? [];
    for (const spec of ALL_TABLES) expect(names).toContain(`race-${spec.name}`);
  });

  it('refuses an existing table whose keys differ from the spec', async () => {
    await db.client.send(
      new CreateTableCommand({
        TableName: 'wrong-customers',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    await expect(ensureTables(db.client, 'wrong-', [TABLES.customers])).rejects.toThrow(/key schema/);
  });

  it('creates the global secondary indexes of the spec, and refuses an existing table without them', async () => {
    const described = await db.client.send(new DescribeTableCommand({ TableName: `${db.prefix}sessions` }));
    expect(described.Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.Projection?.ProjectionType, i.KeySchema])).toEqual([
      ['byCustomer', 'KEYS_ONLY', [{ AttributeName: 'customerId', KeyType: 'HASH' }]],
    ]);
    await db.client.send(
      new CreateTableCommand({
        TableName: 'noindex-sessions',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
    await expect(ensureTables(db.client, 'noindex-', [TABLES.sessions])).rejects.toThrow(/without index\(es\) byCustomer/);
  });
});

describe('DynamoStore failures', () => {
  async function closedPort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
      });
      srv.on('error', reject);
    });
  }

  it('an unreachable DynamoDB surfaces as DependencyUnavailableError on every operation', async () => {
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const dead = new DynamoStore({ client, tableNames: tableNamesFromPrefix('dead-') });
    try {
      await expect(dead.get('customers', { customerId: 'c' })).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(dead.put('customers', { customerId: 'c' })).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(dead.delete('customers', { customerId: 'c' })).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(dead.query('interactions', 'p')).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(collect(dead.scan('customers'))).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(ensureTables(client, 'dead-', [TABLES.customers])).rejects.toBeInstanceOf(DependencyUnavailableError);
      const err = await dead.get('customers', { customerId: 'c' }).catch((e: unknown) => e);
      expect((err as DependencyUnavailableError).dependency).toBe('DynamoDB');
      expect((err as Error).cause).toBeDefined();
    } finally {
      client.destroy();
    }
  });

  it('throttling and server faults are retryable; a client mistake passes through unchanged', () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    expect(mapDynamoError(throttled)).toBeInstanceOf(DependencyUnavailableError);
    const generic = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(mapDynamoError(generic)).toBeInstanceOf(DependencyUnavailableError);
    const internal = Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
    expect(mapDynamoError(internal)).toBeInstanceOf(DependencyUnavailableError);
    const unavailable = Object.assign(new Error('<html>'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } });
    expect(mapDynamoError(unavailable)).toBeInstanceOf(DependencyUnavailableError);
    const timeout = Object.assign(new Error('socket timeout'), { name: 'TimeoutError' });
    expect(mapDynamoError(timeout)).toBeInstanceOf(DependencyUnavailableError);

    const validation = Object.assign(new Error('One or more parameter values were invalid'), {
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(mapDynamoError(validation)).toBe(validation);
  });

  it('a value that cannot be stored fails without quoting the value', async () => {
    const customerId = unique('c');
    const secret = new Date('1980-05-17T00:00:00Z'); // e.g. a birth date that slipped past validation
    const err = await store.put('customers', { customerId, sealed: secret as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain('1980');
    expect(String((err as Error).stack)).not.toContain('1980');
  });
});
