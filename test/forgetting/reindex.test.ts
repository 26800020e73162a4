/** `npm run reindex-reminders` over dynalite: rows from before the reminder index get their day, and are then reminded. */
import { DeleteItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/adapters/logger';
import { parseArgs, reindexReminders } from '../../local/reindex-reminders';
import { TOKENS, type TestHome } from '../support/home';
import { advance, DAY, messagesTo, startForgettingHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startForgettingHome();
});
afterAll(async () => home?.close());

describe('re-indexing reminder days', () => {
  it('gives rows written before the reminder index their day, drops their blind index, and the daily job finds them', async () => {
    const emails = ['before.one@example.org', 'before.two@example.org'];
    for (const email of emails) {
      const res = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Before Index', email } });
      expect(res.status).toBe(201);
    }
    // What the older code wrote: no remindOn, the blind index on the row.
    const { Items = [] } = await home.dynamo.send(new ScanCommand({ TableName: 'crm-local-customers' }));
    for (const item of Items) {
      const { remindOn: _, remindShard: __, ...older } = item;
      await home.dynamo.send(new DeleteItemCommand({ TableName: 'crm-local-customers', Key: { customerId: item.customerId! } }));
      await home.dynamo.send(new PutItemCommand({ TableName: 'crm-local-customers', Item: { ...older, lookup: { S: 'ab'.repeat(32) } } }));
    }

    const result = await reindexReminders({ client: home.dynamo, prefix: 'crm-local-', segments: 3, clock: home.clock, log: silentLog });
    expect(result).toEqual({ rows: Items.length, updated: Items.length });
    const after = (await home.dynamo.send(new ScanCommand({ TableName: 'crm-local-customers' }))).Items ?? [];
    for (const item of after) {
      expect(item.remindOn?.S).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Number(item.remindShard?.N)).toBeGreaterThanOrEqual(0);
      expect(item.lookup).toBeUndefined();
    }
    expect((await reindexReminders({ client: home.dynamo, prefix: 'crm-local-', clock: home.clock, log: silentLog })).updated).toBe(0);

    await advance(home, 705 * DAY);
    for (const email of emails)
      expect(messagesTo(home, email).filter((m) => m.subject === 'We will delete your data soon')).toHaveLength(1);
  });

  it('parses its arguments and refuses what it does not know', () => {
    expect(parseArgs(['--prefix', 'crm-dev-', '--segments', '16'], {})).toMatchObject({ prefix: 'crm-dev-', segments: 16, aws: false });
    expect(() => parseArgs(['--segments', '0'], {})).toThrow(/--segments must be 1 to 64/);
    expect(() => parseArgs(['--bogus'], {})).toThrow(/Unknown argument --bogus/);
  });
});
