/**
 * Creates the tables of the table specs where they are missing: the local home (dynalite) and an
 * external endpoint (CRM_DYNAMODB_ENDPOINT, e.g. DynamoDB Local). In AWS the CDK stack owns the tables.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import type { TableSpec } from '../../core/policy/tables';
import { mapDynamoError } from './store';

/** Longest wait for one table to become ACTIVE. */
const MAX_WAIT_SECONDS = 120;

export async function ensureTables(client: DynamoDBClient, prefix: string, specs: readonly TableSpec[]): Promise<void> {
  try {
    await Promise.all(specs.map((spec) => ensureTable(client, `${prefix}${spec.name}`, spec)));
  } catch (err) {
    throw mapDynamoError(err);
  }
}

async function ensureTable(client: DynamoDBClient, tableName: string, spec: TableSpec): Promise<void> {
  let table = await describe(client, tableName);
  if (!table) {
    try {
      const created = await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keySchema(spec),
          AttributeDefinitions: attributeDefinitions(spec),
          GlobalSecondaryIndexes: globalSecondaryIndexes(spec),
        }),
      );
      table = created.TableDescription;
    } catch (err) {
      // Another process created it between our describe and create: fine, it is the same spec.
      if (!(err instanceof ResourceInUseException)) throw err;
      table = await describe(client, tableName);
    }
  }
  if (table?.KeySchema) assertSameKeys(tableName, table.KeySchema, keySchema(spec));
  if (table) assertIndexes(tableName, table, spec);
  if (table?.TableStatus !== 'ACTIVE') {
    await waitUntilTableExists({ client, maxWaitTime: MAX_WAIT_SECONDS, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

function keySchema(spec: TableSpec): KeySchemaElement[] {
  const keys: KeySchemaElement[] = [{ AttributeName: spec.partitionKey.name, KeyType: 'HASH' }];
  if (spec.sortKey) keys.push({ AttributeName: spec.sortKey.name, KeyType: 'RANGE' });
  return keys;
}

function attributeDefinitions(spec: TableSpec): AttributeDefinition[] {
  const indexKeys = (spec.indexes ?? []).flatMap((i) => [i.partitionKey, ...(i.sortKey ? [i.sortKey] : [])]);
  const keys = [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : []), ...indexKeys];
  const defs = new Map(keys.map((k) => [k.name, { AttributeName: k.name, AttributeType: k.type }]));
  return [...defs.values()];
}

function globalSecondaryIndexes(spec: TableSpec): GlobalSecondaryIndex[] | undefined {
  if (!spec.indexes?.length) return undefined;
  return spec.indexes.map((i) => ({
    IndexName: i.name,
    KeySchema: [
      { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
      ...(i.sortKey ? [{ AttributeName: i.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    Projection: { ProjectionType: i.projection },
  }));
}

/** Adding an index to a table with data is a backfill, not a start-up step (dynalite cannot at all): fail here with the cause. */
function assertIndexes(tableName: string, table: TableDescription, spec: TableSpec): void {
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const missing = (spec.indexes ?? []).filter((i) => !present.has(i.name)).map((i) => i.name);
  if (missing.length > 0) throw new Error(`Table ${tableName} exists without index(es) ${missing.join(', ')}; recreate it.`);
}

/** An existing table with other keys would fail every request later, far from the cause: fail here. */
function assertSameKeys(tableName: string, actual: KeySchemaElement[], expected: KeySchemaElement[]): void {
  const show = (ks: KeySchemaElement[]) =>
    ks
      .map((k) => `${k.AttributeName}:${k.KeyType}`)
      .sort()
      .join(',');
  if (show(actual) !== show(expected)) {
    throw new Error(`Table ${tableName} exists with key schema ${show(actual)}, expected ${show(expected)}.`);
  }
}
