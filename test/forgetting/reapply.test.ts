import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables } from '../../lambdas/adapters/dynamodb/tables';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { silentLog } from '../../lambdas/adapters/logger';
import { ALL_TABLES } from '../../lambdas/core/policy/tables';
import { parseArgs, reapplyErasures } from '../../local/reapply-erasures';
import { TOKENS, type TestHome } from '../support/home';
import { scanAll } from '../support/tables';
import { advance, DAY, expectNothingLeft, populate, startForgettingHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startForgettingHome();
});
afterAll(async () => home?.close());

type Backup = Record<string, Record<string, AttributeValue>[]>;

/** A backup of the data tables: everything but the ledger (receipts) and the local schedules. */
async function backup(): Promise<Backup> {
  const all = await scanAll(home.dynamo);
  delete all.receipts;
  delete all.schedules;
  return all;
}

async function restore(from: Backup, prefix = 'crm-local-'): Promise<void> {
  for (const [table, rows] of Object.entries(from)) {
    for (const Item of rows) await home.dynamo.send(new PutItemCommand({ TableName: `${prefix}${table}`, Item }));
  }
}

const reapply = async (opts: { prefix?: string; ledgerPrefix?: string } = {}) =>
  reapplyErasures({
    client: home.dynamo,
    prefix: opts.prefix ?? 'crm-local-',
    ledgerPrefix: opts.ledgerPrefix,
    keys: await LocalKeyService.fromDirectory(home.dataDir),
    clock: home.clock,
    log: silentLog,
    scheduler: 'local',
  });

describe('re-applying erasures after a restore', () => {
  it('erases again a customer that a backup brought back, and puts open requests back', async () => {
    const erased = await populate(home);
    const waiting = await populate(home, { session: false });
    const snapshot = await backup();

    const done = await home.request('POST', `/v1/customers/${erased.customerId}/erasure`, { token: TOKENS.officer });
    await advance(home, 30 * DAY + 60);
    expect((await home.request('GET', `/v1/erasure-receipts/${done.body.receiptId}`)).body.status).toBe('completed');
    const open = await home.request('POST', `/v1/customers/${waiting.customerId}/erasure`, { token: TOKENS.officer });

    await restore(snapshot);
    // The backup holds the customer, its key (within the key table's 1-day window) and every linked row.
    const back = await home.request('GET', `/v1/customers/${erased.customerId}`, { token: TOKENS.agent });
    expect(back.status).toBe(200);
    expect((await home.request('GET', `/v1/customers/${waiting.customerId}`, { token: TOKENS.agent })).body.erasure).toBeUndefined();

    const result = await reapply();
    expect(result).toMatchObject({ reErased: 1, resumed: 0, remarked: 1 });
    expect(result.completed).toBeGreaterThanOrEqual(1);
    // The server read the restored customer and cached its key (at most minutes); the command ran apart.
    home.app.vault.evict(erased.customerId);
    await expectNothingLeft(home, erased);
    const marked = await home.request('GET', `/v1/customers/${waiting.customerId}`, { token: TOKENS.agent });
    expect(marked.body.erasure).toEqual({ status: 'pending', receiptId: open.body.receiptId, scheduledFor: open.body.scheduledFor });

    // Running it again finds nothing more to do.
    expect(await reapply()).toMatchObject({ reErased: 0, remarked: 0 });
  });

  it('cleans a restored table set against the live ledger', async () => {
    const p = await populate(home, { session: false });
    const snapshot = await backup();
    await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
    await advance(home, 30 * DAY + 60);

    // Point-in-time recovery restores into new tables.
    await ensureTables(home.dynamo, 'restored-', ALL_TABLES);
    await restore(snapshot, 'restored-');
    const mine = async () => {
      const all = await scanAll(home.dynamo, 'restored-');
      return ['customers', 'customer-keys', 'contact-index'].flatMap((t) => all[t].filter((r) => r.customerId?.S === p.customerId));
    };
    expect(await mine()).toHaveLength(3);
    await reapply({ prefix: 'restored-', ledgerPrefix: 'crm-local-' });
    expect(await mine()).toEqual([]);
    const restored = await scanAll(home.dynamo, 'restored-');
    expect(restored.interactions.filter((r) => r.pseudonym.S === p.pseudonyms.interaction)).toEqual([]);
  });

  it('creates again the schedule of an open request that was lost, and the erasure then happens', async () => {
    const p = await populate(home, { session: false });
    const open = await home.request('POST', `/v1/customers/${p.customerId}/erasure`, { token: TOKENS.officer });
    const name = { name: { S: `erase-${open.body.receiptId}` } };
    const before = await home.dynamo.send(new GetItemCommand({ TableName: 'crm-local-schedules', Key: name }));
    expect(before.Item).toBeDefined();
    await home.dynamo.send(new DeleteItemCommand({ TableName: 'crm-local-schedules', Key: name }));

    expect(await reapply()).toMatchObject({ rescheduled: 1 });
    const after = await home.dynamo.send(new GetItemCommand({ TableName: 'crm-local-schedules', Key: name }));
    expect({ at: after.Item?.at, payload: after.Item?.payload }).toEqual({ at: before.Item!.at, payload: before.Item!.payload });
    expect(await reapply()).toMatchObject({ rescheduled: 0 });
    await advance(home, 30 * DAY + 60);
    expect((await home.request('GET', `/v1/erasure-receipts/${open.body.receiptId}`)).body.status).toBe('completed');
  });

  it('reads its table set and key source from the command line', () => {
    expect(parseArgs(['--endpoint', 'http://localhost:8000', '--prefix', 'x-', '--ledger-prefix', 'y-'], {})).toEqual({
      prefix: 'x-',
      ledgerPrefix: 'y-',
      endpoint: 'http://localhost:8000',
      dataDir: '.crm-data',
      aws: false,
    });
    expect(() => parseArgs(['--aws'], {})).toThrow(/--kms-key-id/);
    expect(() => parseArgs(['--aws', '--kms-key-id', 'k', '--scheduler-group', 'g'], {})).toThrow(
      /--scheduler-role-arn, --scheduler-dlq-arn, --erasure-function-arn/,
    );
    const aws = [
      '--kms-key-id',
      'k',
      '--scheduler-group',
      'g',
      '--scheduler-role-arn',
      'r',
      '--scheduler-dlq-arn',
      'd',
      '--erasure-function-arn',
      'f',
    ];
    expect(parseArgs(['--aws', ...aws], {})).toMatchObject({
      aws: true,
      kmsKeyId: 'k',
      schedulerGroup: 'g',
      schedulerRoleArn: 'r',
      schedulerDlqArn: 'd',
      erasureFunctionArn: 'f',
    });
    expect(() => parseArgs(['--prefix'], {})).toThrow(/needs a value/);
    expect(() => parseArgs(['--wipe'], {})).toThrow(/Unknown argument/);
  });
});
