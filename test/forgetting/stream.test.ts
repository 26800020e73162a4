import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import { createStreamHandler } from '../../lambdas/jobs/stream';
import { TOKENS, type TestHome } from '../support/home';
import { expectIntact, expectNothingLeft, populate, startCrashingHome, type CrashingStore, type Populated } from './support';

let home: TestHome;
let store: CrashingStore;
beforeAll(async () => {
  ({ home, store } = await startCrashingHome());
});
afterAll(async () => home?.close());

const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/crm-dev-customers/stream/2026-01-01T00:00:00.000';
let sequence = 4_000_000_000_000_000_000;

/** Binary values travel as base64 text in the JSON Lambda receives. */
function asLambdaJson(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, asLambdaJson(v)])) };
  if (value.L !== undefined) return { L: value.L.map(asLambdaJson) };
  return value;
}

async function rawCustomer(customerId: string): Promise<Record<string, AttributeValue>> {
  const out = await home.dynamo.send(
    new GetItemCommand({ TableName: 'crm-local-customers', Key: { customerId: { S: customerId } }, ConsistentRead: true }),
  );
  expect(out.Item).toBeDefined();
  return out.Item!;
}

/** A DynamoDB Streams record of the customers table as Lambda delivers it (StreamViewType OLD_IMAGE). */
function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  image: Record<string, AttributeValue>,
  identity?: DynamoDBRecord['userIdentity'],
): DynamoDBRecord {
  sequence += 100;
  const json = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(image).map(([k, v]) => [k, asLambdaJson(v)]))));
  return {
    eventID: Math.random().toString(16).slice(2),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { customerId: json.customerId },
      ...(eventName === 'INSERT' ? {} : { OldImage: json }),
      SequenceNumber: String(sequence),
      SizeBytes: 512,
      StreamViewType: 'OLD_IMAGE',
    },
    ...(identity ? { userIdentity: identity } : {}),
    eventSourceARN: TABLE_ARN,
  };
}

const TTL = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
const event = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

/** What DynamoDB's TTL does first: the row is gone, the stream carries its last image. */
async function expireByTtl(p: Populated): Promise<DynamoDBRecord> {
  const image = await rawCustomer(p.customerId);
  await home.app.ports.store.delete('customers', { customerId: p.customerId });
  return record('REMOVE', image, TTL);
}

describe('the TTL stream handler', () => {
  it('cascades a TTL deletion of a customer row: the same erasure as a request', async () => {
    const handler = createStreamHandler(home.app);
    const p = await populate(home);
    const result = await handler(event(await expireByTtl(p)));
    expect(result).toEqual({ batchItemFailures: [] });
    await expectNothingLeft(home, p);
  });

  it('ignores deletions made by a user (the erasure handler), inserts and updates', async () => {
    const handler = createStreamHandler(home.app);
    const p = await populate(home, { session: false });
    const image = await rawCustomer(p.customerId);
    const result = await handler(
      event(
        record('REMOVE', image),
        record('REMOVE', image, { type: 'Service', principalId: 'backup.amazonaws.com' }),
        record('INSERT', image),
        record('MODIFY', image, TTL),
      ),
    );
    expect(result).toEqual({ batchItemFailures: [] });
    await expectIntact(home, p);
  });

  it('reports the first failing record, so Lambda retries from it and nothing is dropped', async () => {
    const handler = createStreamHandler(home.app);
    const [a, b, c] = [
      await populate(home, { session: false }),
      await populate(home, { session: false }),
      await populate(home, { session: false }),
    ];
    const records = [await expireByTtl(a), await expireByTtl(b), await expireByTtl(c)];
    store.failWhen(
      (op, table, key) => op === 'delete' && table === 'customer-keys' && key.customerId === b.customerId,
      () => new DependencyUnavailableError('DynamoDB'),
    );
    const first = await handler(event(...records));
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: records[1].dynamodb!.SequenceNumber }] });
    // c was not touched: the retry starts at b and covers it.
    expect(await home.app.vault.wrappedKey(c.customerId)).toBeDefined();

    store.failWhen(undefined);
    expect(await handler(event(records[1], records[2]))).toEqual({ batchItemFailures: [] });
    for (const p of [a, b, c]) await expectNothingLeft(home, p);
  });

  it('undoes a TTL deletion of a customer under legal hold instead of erasing', async () => {
    const handler = createStreamHandler(home.app);
    const p = await populate(home, { session: false });
    expect(
      (await home.request('PUT', `/v1/customers/${p.customerId}/legal-hold`, { token: TOKENS.officer, body: { reason: 'Court order 17' } }))
        .status,
    ).toBe(200);
    // A TTL deletion that raced the hold (the image still has a TTL).
    const image = { ...(await rawCustomer(p.customerId)), expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) } };
    await home.app.ports.store.delete('customers', { customerId: p.customerId });
    expect(await handler(event(record('REMOVE', image, TTL)))).toEqual({ batchItemFailures: [] });
    await expectIntact(home, p);
    expect((await rawCustomer(p.customerId)).expiresAt).toBeUndefined();
  });

  it('fails a TTL record without an old image rather than dropping it', async () => {
    const handler = createStreamHandler(home.app);
    const p = await populate(home, { session: false });
    const r = record('REMOVE', await rawCustomer(p.customerId), TTL);
    delete r.dynamodb!.OldImage;
    expect(await handler(event(r))).toEqual({ batchItemFailures: [{ itemIdentifier: r.dynamodb!.SequenceNumber }] });
  });
});
