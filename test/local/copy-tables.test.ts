/** The last restore step over dynalite: restored rows go back into the live tables, never the ledger. */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../lambdas/adapters/dynamodb/tables';
import { AWS_TABLES } from '../../lambdas/core/policy/tables';
import { COPIED_TABLES, copyTables, parseCopyArgs } from '../../local/copy-tables';
import { startDynalite, type TestDb } from '../support/dynalite';

let db: TestDb;
beforeAll(async () => {
  db = await startDynalite('live-');
  await ensureTables(
    db.client,
    'restored-',
    AWS_TABLES.filter((t) => t.name !== 'contact-index'),
  );
});
afterAll(async () => db?.close());

const put = (table: string, Item: Record<string, { S: string } | { B: Uint8Array } | { N: string }>) =>
  db.client.send(new PutItemCommand({ TableName: table, Item }));
const get = async (table: string, Key: Record<string, { S: string }>) =>
  (await db.client.send(new GetItemCommand({ TableName: table, Key }))).Item;

describe('copy-tables', () => {
  it('puts every restored row into the live table as it is, skips tables not restored, and never copies the ledger', async () => {
    await put('restored-customers', { customerId: { S: 'c1' }, sealed: { B: new Uint8Array([1, 2, 3]) }, expiresAt: { N: '2000000000' } });
    await put('restored-receipts', { receiptId: { S: 'r-old' }, status: { S: 'pending' } });
    await put('live-receipts', { receiptId: { S: 'r-old' }, status: { S: 'completed' } });

    const copied = await copyTables({ client: db.client, from: 'restored-', to: 'live-' });
    expect(copied).toMatchObject({ customers: 1, 'contact-index': 'absent' });
    expect(Object.keys(copied)).not.toContain('receipts');
    expect(COPIED_TABLES.at(-1)).toBe('customers');
    expect(await get('live-customers', { customerId: { S: 'c1' } })).toEqual({
      customerId: { S: 'c1' },
      sealed: { B: new Uint8Array([1, 2, 3]) },
      expiresAt: { N: '2000000000' },
    });
    expect((await get('live-receipts', { receiptId: { S: 'r-old' } }))?.status).toEqual({ S: 'completed' });
  });

  it('reads --from and --to, and refuses copying a table set onto itself', async () => {
    expect(parseCopyArgs(['--from', 'a-', '--to', 'b-'])).toEqual({ from: 'a-', to: 'b-', endpoint: undefined });
    expect(() => parseCopyArgs(['--from', 'a-'])).toThrow(/--to are required/);
    await expect(copyTables({ client: db.client, from: 'live-', to: 'live-' })).rejects.toThrow(/same tables/);
  });
});
