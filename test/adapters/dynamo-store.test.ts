/**
 * The DynamoDB adapter over dynalite: the shared Store contract (store-contract.ts), plus what only this
 * adapter has: Scan paging, table creation, and the mapping of DynamoDB's failures.
 */
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
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import { ALL_TABLES, TABLES, tableNamesFromPrefix } from '../../lambdas/core/policy/tables';
import { startDynalite, type TestDb } from '../support/dynalite';
import { describeStoreContract } from './store-contract';
import { collect } from './store-contract-support';

let db: TestDb;

beforeAll(async () => {
  db = await startDynalite('store-');
});

afterAll(async () => {
  await db?.close();
});

describeStoreContract('DynamoStore over dynalite', async () => ({
  store: new DynamoStore({ client: db.client, tableNames: tableNamesFromPrefix(db.prefix) }),
  close: async () => undefined,
}));

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
});
