/**
 * Each function's environment as synthesized is enough for its code paths: `readEnvironment` accepts
 * it, and the function's own handler, built from nothing but that environment, does its work over
 * dynalite (DynamoDB), the KMS fake and Scheduler/SES/SNS stubs. Tokens in the template are replaced by
 * stand-ins: table names by the dynalite tables, every other reference by a string naming it (so two
 * functions referring to the same key get the same key id).
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLog } from '../../lambdas/adapters/logger';
import { createAwsRuntime, readEnvironment, type AwsRuntime } from '../../lambdas/composition/aws';
import { AWS_TABLES, tableEnvVar, type TableId } from '../../lambdas/core/policy/tables';
import { createApiHandler } from '../../lambdas/http/api';
import { createErasureHandler } from '../../lambdas/jobs/erasure';
import { createReconcileHandler } from '../../lambdas/jobs/reconcile';
import { createRemindersHandler } from '../../lambdas/jobs/reminders';
import { createStreamHandler } from '../../lambdas/jobs/stream';
import { FUNCTION_TABLES } from '../../lib/function-access';
import type { FunctionName } from '../../lib/functions';
import { apiGatewayEvent, type ApiEventOptions } from '../support/api-gateway';
import { expectedErasureSchedule } from '../support/erasure-schedule';
import { startDynalite, type TestDb } from '../support/dynalite';
import { installFakeKms, type FakeKms } from '../support/fake-kms';
import { synthCrm, type SynthesizedCrm } from './support/crm-app';

const PREFIX = 'crm-env-';
const OVERRIDES = { purchases: 400, behaviour: 20 };
const scheduler = mockClient(SchedulerClient);
const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
let crm: SynthesizedCrm;
let db: TestDb;
let kms: FakeKms;

beforeAll(async () => {
  crm = synthCrm({ context: { retentionDays: OVERRIDES, defaultPhoneRegion: 'GB' } });
  db = await startDynalite(PREFIX);
  kms = installFakeKms();
}, 60_000);
afterAll(async () => {
  crm?.cleanup();
  kms?.restore();
  await db?.close();
});
beforeEach(() => {
  for (const m of [scheduler, ses, sns]) m.reset();
  scheduler.on(CreateScheduleCommand).resolves({});
  scheduler.on(DeleteScheduleCommand).resolves({});
  scheduler.on(GetScheduleCommand).rejects(new ResourceNotFoundException({ message: 'none', Message: 'none', $metadata: {} }));
  ses.on(SendEmailCommand).resolves({ MessageId: 'm' });
  sns.on(PublishCommand).resolves({ MessageId: 's' });
});

/** The function's variables as synthesized, every CloudFormation reference replaced by a stand-in. */
function environmentOf(name: FunctionName): NodeJS.ProcessEnv {
  const fn = crm.stateless.functions[name];
  const props = crm.statelessTemplate.toJSON().Resources[crm.stateless.getLogicalId(fn.fn.node.defaultChild as never)].Properties;
  const tableVars = new Map(AWS_TABLES.map((t) => [tableEnvVar(t.name as TableId), `${PREFIX}${t.name}`]));
  return Object.fromEntries(
    Object.entries(props.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
      k,
      tableVars.get(k) ?? (typeof v === 'string' ? v : `ref:${JSON.stringify(v)}`),
    ]),
  );
}

/** The function's runtime exactly as its handler builds it at a cold start, from `environmentOf(name)` alone. */
function runtimeOf(name: FunctionName): AwsRuntime {
  return createAwsRuntime(readEnvironment(environmentOf(name)), { clients: { dynamodb: db.client }, log: silentLog });
}

async function at<T>(when: number, fn: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(when);
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

describe("every function's synthesized environment", () => {
  it.each(Object.keys(FUNCTION_TABLES) as FunctionName[])(
    '%s: readEnvironment accepts it, with the deployment settings and its tables',
    (name) => {
      const env = readEnvironment(environmentOf(name));
      expect(env.stage).toBe(crm.config.stage);
      expect(env.retentionDays).toEqual(OVERRIDES);
      expect(env.defaultPhoneRegion).toBe('GB');
      const tables = Object.entries(env.tableNames)
        .filter(([, v]) => v)
        .map(([k]) => k)
        .sort();
      expect(tables).toEqual(Object.keys(FUNCTION_TABLES[name]).sort());
    },
  );

  it('the API creates a customer (national phone format), schedules an erasure and tells the customer', async () => {
    const api = createApiHandler(runtimeOf('api').app, { log: silentLog });
    const call = async (method: string, resource: string, opts: ApiEventOptions) => {
      const res = await api(apiGatewayEvent(method, resource, opts));
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };
    const created = await call('POST', '/v1/customers', { groups: 'agent', body: { name: 'Env Person', phone: '020 7946 0111' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const requested = await call('POST', '/v1/customers/{id}/erasure', {
      groups: 'privacy_officer',
      params: { id: created.body.customerId },
    });
    expect(requested.status).toBe(202);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.PhoneNumber).toBe('+442079460111');
  });

  it('the erasure function completes an erasure, and its receipt states the configured retention', async () => {
    const api = createApiHandler(runtimeOf('api').app, { log: silentLog });
    const created = await api(
      apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'Erased Person', email: 'erased@example.org' } }),
    );
    const { customerId } = JSON.parse(created.body);
    const requested = await api(apiGatewayEvent('POST', '/v1/customers/{id}/erasure', { groups: 'admin', params: { id: customerId } }));
    const { receiptId } = JSON.parse(requested.body);

    const erasure = createErasureHandler(runtimeOf('erasure').app, silentLog);
    const afterGrace = Date.now() + (crm.config.erasureGraceDays * 86_400 + 60) * 1000;
    expect(await at(afterGrace, () => erasure({ customerId, receiptId }))).toEqual({ outcome: 'completed' });
    expect(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.FromEmailAddress)).toEqual([
      crm.config.senderEmail,
      crm.config.senderEmail,
    ]);
    const receipt = await runtimeOf('erasure').app.erasure.receipt(receiptId);
    const purchases = receipt.categories.retained.find((c) => c.category === 'purchases');
    expect(purchases?.retention).toBe('400 days (configured)');
  });

  it('the TTL-stream function cascades an expired customer, and the reminders function runs', async () => {
    const api = createApiHandler(runtimeOf('api').app, { log: silentLog });
    const created = await api(
      apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'Expired Person', email: 'expired@example.org' } }),
    );
    const { customerId } = JSON.parse(created.body);
    const raw = await db.client.send(new GetItemCommand({ TableName: `${PREFIX}customers`, Key: { customerId: { S: customerId } } }));
    const image = Object.fromEntries(Object.entries(raw.Item!).map(([k, v]) => [k, v.B ? { B: Buffer.from(v.B).toString('base64') } : v]));
    const stream = createStreamHandler(runtimeOf('stream').app, silentLog);
    const result = await stream({
      Records: [
        {
          eventID: '1',
          eventName: 'REMOVE',
          dynamodb: { Keys: { customerId: { S: customerId } }, OldImage: image as never, SequenceNumber: '1', StreamViewType: 'OLD_IMAGE' },
          userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
        },
      ],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    const key = await db.client.send(new GetItemCommand({ TableName: `${PREFIX}customer-keys`, Key: { customerId: { S: customerId } } }));
    expect(key.Item).toBeUndefined();

    await api(
      apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'Reminded Person', email: 'reminded@example.org' } }),
    );
    const reminders = createRemindersHandler(runtimeOf('reminders').app);
    // Ten days before the end of the contact's retention (730 days): reminded once, by the configured sender.
    const run = await at(Date.now() + 720 * 86_400_000, () => reminders());
    expect(run).toMatchObject({ retention: 1, failed: 0 });
    expect(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.FromEmailAddress)).toEqual([crm.config.senderEmail]);
  });

  it('the reconcile function re-creates, with its own role and settings, the one schedule that went missing', async () => {
    const api = createApiHandler(runtimeOf('api').app, { log: silentLog });
    const created = await api(
      apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'Lost Schedule', email: 'lost@example.org' } }),
    );
    const { customerId } = JSON.parse(created.body);
    const requested = JSON.parse(
      (await api(apiGatewayEvent('POST', '/v1/customers/{id}/erasure', { groups: 'admin', params: { id: customerId } }))).body,
    );
    const made = scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input;
    scheduler.reset();
    const lost = `erase-${requested.receiptId}`;
    scheduler.on(GetScheduleCommand).callsFake(async (input: { Name: string }) => {
      if (input.Name === lost) throw new ResourceNotFoundException({ message: 'none', Message: 'none', $metadata: {} });
      return { Name: input.Name };
    });
    scheduler.on(CreateScheduleCommand).resolves({});

    const run = await createReconcileHandler(runtimeOf('reconcile').app)();
    expect(run.recreated).toBe(1);
    const env = environmentOf('reconcile');
    const again = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
    expect(again).toEqual([
      expectedErasureSchedule({
        name: lost,
        groupName: env.CRM_SCHEDULER_GROUP!,
        at: requested.scheduledFor.slice(0, 19),
        targetArn: env.CRM_ERASURE_FUNCTION_ARN!,
        roleArn: env.CRM_SCHEDULER_ROLE_ARN!,
        deadLetterArn: env.CRM_SCHEDULER_DLQ_ARN!,
        input: { customerId, receiptId: requested.receiptId },
      }),
    ]);
    expect(again[0]).toEqual(made);
  });
});
