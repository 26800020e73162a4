/**
 * The Store port over DynamoDB (AWS, DynamoDB Local, dynalite): single-item reads and conditional writes,
 * batched deletes (BatchWriteItem), partition and index queries with opaque cursors, and full-table
 * scans for maintenance jobs.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { isTransientAwsError, type AwsErrorShape } from '../aws-errors';
import { ConditionFailedError, DependencyUnavailableError } from '../../core/shared/errors';
import type { IndexQueryOptions, Item, Key, Page, QueryOptions, ScanOptions, Store, WriteCondition } from '../../core/shared/ports';
import { TABLES, type TableId, type TableNames, type TableSpec } from '../../core/policy/tables';
import { decodeCursor, encodeCursor, indexSpec } from '../store-cursor';
import { deleteInBatches, type BatchOptions } from './batch';

export interface DynamoStoreOptions {
  client: DynamoDBClient;
  tableNames: TableNames;
  /** Items per Scan request; DynamoDB's 1 MB page applies either way. Small values page more (tests). */
  scanPageSize?: number;
  /** Pauses between resends of unprocessed batch items (tests make them short). */
  batch?: BatchOptions;
}

type Attributes = Record<string, NativeAttributeValue>;

interface ConditionParts {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Attributes;
}

export class DynamoStore implements Store {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableNames: TableNames;
  private readonly scanPageSize?: number;
  private readonly batch?: BatchOptions;

  constructor({ client, tableNames, scanPageSize, batch }: DynamoStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
      unmarshallOptions: { wrapNumbers: false },
    });
    this.tableNames = tableNames;
    this.scanPageSize = scanPageSize;
    this.batch = batch;
  }

  async get(table: TableId, key: Key, opts?: { consistent?: boolean }): Promise<Item | undefined> {
    const out = await this.call(() =>
      this.doc.send(new GetCommand({ TableName: this.name(table), Key: key, ConsistentRead: opts?.consistent ?? false })),
    );
    return out.Item as Item | undefined;
  }

  async put(table: TableId, item: Item, condition?: WriteCondition): Promise<void> {
    await this.call(() =>
      this.doc.send(new PutCommand({ TableName: this.name(table), Item: item as Attributes, ...conditionParts(table, condition) })),
    );
  }

  async delete(table: TableId, key: Key, condition?: WriteCondition): Promise<void> {
    await this.call(() => this.doc.send(new DeleteCommand({ TableName: this.name(table), Key: key, ...conditionParts(table, condition) })));
  }

  async batchDelete(table: TableId, keys: readonly Key[]): Promise<void> {
    const name = this.name(table);
    await deleteInBatches(
      keys,
      async (chunk) => {
        const out = await this.call(() =>
          this.doc.send(new BatchWriteCommand({ RequestItems: { [name]: chunk.map((key) => ({ DeleteRequest: { Key: key } })) } })),
        );
        return (out.UnprocessedItems?.[name] ?? []).flatMap((r) => (r.DeleteRequest?.Key ? [r.DeleteRequest.Key as Key] : []));
      },
      this.batch,
    );
  }

  async query(table: TableId, partition: string | number, opts: QueryOptions = {}): Promise<Page> {
    const spec: TableSpec = TABLES[table];
    const names: Record<string, string> = { '#pk': spec.partitionKey.name };
    const values: Attributes = { ':pk': partition };
    let keyCondition = '#pk = :pk';
    if (opts.prefix !== undefined) {
      const sortKey = spec.sortKey;
      if (!sortKey) throw new Error(`Table ${table} has no sort key; a prefix query is not possible.`);
      names['#sk'] = sortKey.name;
      values[':prefix'] = opts.prefix;
      keyCondition += ' AND begins_with(#sk, :prefix)';
    }
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.name(table),
          KeyConditionExpression: keyCondition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: !opts.descending,
          Limit: opts.limit,
          ConsistentRead: opts.consistent ?? false,
          ExclusiveStartKey: startKey(table, spec, partition, opts),
        }),
      ),
    );
    return {
      items: (out.Items ?? []) as Item[],
      cursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : undefined,
    };
  }

  async queryIndex(table: TableId, index: string, value: string | number, opts: IndexQueryOptions = {}): Promise<Page> {
    const spec = indexSpec(table, index);
    const names: Record<string, string> = { '#pk': spec.partitionKey.name };
    const values: Attributes = { ':pk': value };
    let keyCondition = '#pk = :pk';
    if (opts.atMost !== undefined) {
      if (!spec.sortKey) throw new Error(`Index ${index} of ${table} has no sort key; an atMost query is not possible.`);
      names['#sk'] = spec.sortKey.name;
      values[':atMost'] = opts.atMost;
      keyCondition += ' AND #sk <= :atMost';
    }
    const out = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.name(table),
          IndexName: spec.name,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          Limit: opts.limit,
          ExclusiveStartKey: opts.cursor === undefined ? undefined : decodeCursor(table, value, opts.cursor, spec),
        }),
      ),
    );
    return {
      items: (out.Items ?? []) as Item[],
      cursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : undefined,
    };
  }

  async *scan(table: TableId, opts?: ScanOptions): AsyncIterable<Item> {
    let startKey: Attributes | undefined;
    const segment = opts && opts.totalSegments > 1 ? { Segment: opts.segment, TotalSegments: opts.totalSegments } : {};
    do {
      const out = await this.call(() =>
        this.doc.send(new ScanCommand({ TableName: this.name(table), ExclusiveStartKey: startKey, Limit: this.scanPageSize, ...segment })),
      );
      for (const item of out.Items ?? []) yield item as Item;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  private name(table: TableId): string {
    const name = this.tableNames[table];
    if (!name) throw new Error(`No physical table name configured for ${table}.`);
    return name;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapDynamoError(err);
    }
  }
}

/** ExclusiveStartKey: from the store's own cursor, or the partition and the sort key value to start past (`after`). */
function startKey(table: TableId, spec: TableSpec, partition: string | number, opts: QueryOptions): Attributes | undefined {
  if (opts.after !== undefined) {
    if (opts.cursor !== undefined) throw new Error('A query takes a cursor or `after`, not both.');
    if (!spec.sortKey) throw new Error(`Table ${table} has no sort key; \`after\` is not possible.`);
    return { [spec.partitionKey.name]: partition, [spec.sortKey.name]: opts.after };
  }
  return opts.cursor === undefined ? undefined : decodeCursor(table, partition, opts.cursor);
}

/** The key condition for a WriteCondition; every name and value goes through placeholders. */
function conditionParts(table: TableId, condition: WriteCondition | undefined): ConditionParts {
  if (!condition) return {};
  const pk = TABLES[table].partitionKey.name;
  switch (condition.kind) {
    case 'notExists':
      return { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': pk } };
    case 'exists':
      return { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': pk } };
    case 'equals': {
      const names: Record<string, string> = {};
      const values: Attributes = {};
      const clauses = Object.entries(condition.values).map(([attribute, value], i) => {
        names[`#c${i}`] = attribute;
        if (value === undefined) return `attribute_not_exists(#c${i})`;
        values[`:c${i}`] = value;
        return `#c${i} = :c${i}`;
      });
      if (clauses.length === 0) return {};
      return {
        ConditionExpression: clauses.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
      };
    }
  }
}

const DYNAMO_FAULTS = new Set(['ProvisionedThroughputExceededException', 'RequestLimitExceeded']);

/** Messages of @aws-sdk/util-dynamodb that quote the value being converted. */
const MARSHALLING =
  /Unsupported type passed|No value defined|SAFE_INTEGER|converted to BigInt|Special numeric value|Use NumberValue|imprecise number/;

/** Maps a DynamoDB failure to the domain's errors; anything else is rethrown as it is. */
export function mapDynamoError(err: unknown): unknown {
  if (err instanceof ConditionalCheckFailedException) return new ConditionFailedError();
  if (isTransientAwsError(err, DYNAMO_FAULTS)) return new DependencyUnavailableError('DynamoDB', { cause: err });
  if (err instanceof Error && !(err as AwsErrorShape).$metadata && MARSHALLING.test(err.message)) {
    // The marshaller quotes the offending value in its message; that value may be personal.
    return new Error('A value could not be converted to or from a DynamoDB attribute.');
  }
  return err;
}
