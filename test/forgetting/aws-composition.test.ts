/**
 * The Lambda entry points exactly as deployed: the exported handlers build their runtime from the
 * environment the CDK stack sets. DynamoDB is dynalite (through the SDK's own endpoint variable), KMS
 * the real-crypto fake, Scheduler, SES and SNS are aws-sdk-client-mock stubs whose inputs are checked.
 */
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../lambdas/config';
import { ConfigurationError, readEnvironment } from '../../lambdas/composition/aws';
import { AWS_TABLES, tableEnvVar, type TableId } from '../../lambdas/core/policy/tables';
import { handler as apiHandler } from '../../lambdas/handlers/api';
import { handler as erasureHandler } from '../../lambdas/handlers/erasure';
import { handler as remindersHandler } from '../../lambdas/handlers/reminders';
import { handler as streamHandler } from '../../lambdas/handlers/stream';
import { apiGatewayEvent, type ApiEventOptions } from '../support/api-gateway';
import { startDynalite, type TestDb } from '../support/dynalite';
import { expectedErasureSchedule } from '../support/erasure-schedule';
import { installFakeKms, type FakeKms } from '../support/fake-kms';

const PREFIX = 'crm-test-';
const SCHEDULER = {
  [ENV.schedulerGroup]: 'crm-test-erasures',
  [ENV.schedulerRoleArn]: 'arn:aws:iam::111122223333:role/crm-test-scheduler',
  [ENV.schedulerDlqArn]: 'arn:aws:sqs:eu-west-1:111122223333:crm-test-erasure-schedules-dlq',
  [ENV.erasureFunctionArn]: 'arn:aws:lambda:eu-west-1:111122223333:function:crm-test-erasure',
};

const scheduler = mockClient(SchedulerClient);
const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
let db: TestDb;
let kms: FakeKms;
const saved = { ...process.env };

beforeAll(async () => {
  db = await startDynalite(PREFIX);
  kms = installFakeKms();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    [ENV.kmsKeyId]: 'arn:aws:kms:eu-west-1:111122223333:key/data',
    [ENV.macKeyId]: 'arn:aws:kms:eu-west-1:111122223333:key/mac',
    [ENV.emailFrom]: 'privacy@shop.example',
    [ENV.sesConfigurationSet]: 'crm-test-mail',
    [ENV.erasureGraceDays]: '14',
    ...SCHEDULER,
    ...Object.fromEntries(AWS_TABLES.map((t) => [tableEnvVar(t.name as TableId), `${PREFIX}${t.name}`])),
  });
});
afterAll(async () => {
  process.env = saved;
  kms?.restore();
  await db?.close();
});
/** What the functions logged (JSON lines on stdout and stderr), kept off the test output and checked at the end. */
const logged: string[] = [];
beforeEach(() => {
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
  }
  scheduler.reset();
  ses.reset();
  sns.reset();
  scheduler.on(CreateScheduleCommand).resolves({});
  scheduler.on(DeleteScheduleCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  sns.on(PublishCommand).resolves({ MessageId: 's-1' });
});

async function api(method: string, resource: string, opts: ApiEventOptions = {}) {
  const res = await apiHandler(apiGatewayEvent(method, resource, opts));
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

/** Runs `fn` with the system clock at `at` (only Date is faked: sockets and timers run as usual). */
async function at<T>(when: number, fn: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(when);
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

const afterGrace = () => Date.now() + 14 * 86_400_000 + 60_000;

async function createCustomer(contact: { email: string } | { phone: string }): Promise<string> {
  const res = await api('POST', '/v1/customers', { groups: 'agent', body: { name: 'Lambda Person', ...contact } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

describe('the Lambda functions built from their environment', () => {
  it('schedule an erasure through EventBridge Scheduler and carry it out when the schedule fires', async () => {
    const id = await createCustomer({ email: 'lambda.person@example.org' });
    const requested = await api('POST', '/v1/customers/{id}/erasure', { groups: 'privacy_officer', params: { id } });
    expect(requested.status).toBe(202);
    const { receiptId, scheduledFor } = requested.body;
    expect(Date.parse(scheduledFor) - Date.now()).toBeGreaterThan(14 * 86_400_000 - 5_000);
    expect(Date.parse(scheduledFor) - Date.now()).toBeLessThan(14 * 86_400_000 + 5_000);

    const create = scheduler.commandCalls(CreateScheduleCommand);
    expect(create).toHaveLength(1);
    expect(create[0].args[0].input).toEqual(
      expectedErasureSchedule({
        name: `erase-${receiptId}`,
        groupName: 'crm-test-erasures',
        at: scheduledFor.slice(0, 19),
        targetArn: SCHEDULER[ENV.erasureFunctionArn],
        roleArn: SCHEDULER[ENV.schedulerRoleArn],
        deadLetterArn: SCHEDULER[ENV.schedulerDlqArn],
        input: { customerId: id, receiptId },
      }),
    );
    // The confirmation: plain text from the configured sender, no HTML part, through the configuration set (no tracking).
    const confirmation = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(confirmation).toMatchObject({
      FromEmailAddress: 'privacy@shop.example',
      Destination: { ToAddresses: ['lambda.person@example.org'] },
      Content: { Simple: { Subject: { Data: 'Your erasure request' }, Body: { Text: { Data: expect.stringContaining(receiptId) } } } },
    });
    expect(confirmation.Content?.Simple?.Body?.Html).toBeUndefined();
    expect(confirmation.ConfigurationSetName).toBe('crm-test-mail');

    // EventBridge Scheduler invokes the erasure function with the schedule's Input.
    const payload = JSON.parse(create[0].args[0].input.Target!.Input!);
    expect(await at(afterGrace(), () => erasureHandler(payload))).toEqual({ outcome: 'completed' });
    expect(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Content?.Simple?.Subject?.Data)).toEqual([
      'Your erasure request',
      'We are erasing your data now',
    ]);
    expect((await api('GET', '/v1/customers/{id}', { groups: 'agent', params: { id } })).status).toBe(404);
    const receipt = await api('GET', '/v1/erasure-receipts/{receiptId}', { params: { receiptId } });
    expect(receipt.body.status).toBe('completed');
    const key = await db.client.send(new GetItemCommand({ TableName: `${PREFIX}customer-keys`, Key: { customerId: { S: id } } }));
    expect(key.Item).toBeUndefined();
  });

  it('cancel an erasure with DeleteSchedule', async () => {
    const id = await createCustomer({ email: 'changed.mind@example.org' });
    const requested = await api('POST', '/v1/customers/{id}/erasure', { groups: 'admin', params: { id } });
    const cancelled = await api('DELETE', '/v1/customers/{id}/erasure', { groups: 'admin', params: { id } });
    expect(cancelled.status).toBe(200);
    expect(scheduler.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual([
      { Name: `erase-${requested.body.receiptId}`, GroupName: 'crm-test-erasures' },
    ]);
  });

  it('send the last notice by SMS through SNS to a phone contact', async () => {
    const id = await createCustomer({ phone: '+44 20 7946 0999' });
    const requested = await api('POST', '/v1/customers/{id}/erasure', { groups: 'privacy_officer', params: { id } });
    await at(afterGrace(), () => erasureHandler({ customerId: id, receiptId: requested.body.receiptId }));
    const sms = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(sms).toHaveLength(2);
    expect(sms[1]).toEqual({
      PhoneNumber: '+442079460999',
      Message: expect.stringContaining('erasing your data now'),
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
    });
    expect(sms[1].Message).not.toMatch(/https?:/);
  });

  it('complete an erasure even when the address is refused for good, and retry when SES is down', async () => {
    const id = await createCustomer({ email: 'bounces@example.org' });
    const requested = await api('POST', '/v1/customers/{id}/erasure', { groups: 'privacy_officer', params: { id } });
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('Throttled'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } }));
    await expect(at(afterGrace(), () => erasureHandler({ customerId: id, receiptId: requested.body.receiptId }))).rejects.toMatchObject({
      code: 'dependency_unavailable',
    });
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Email address bounces@example.org is not verified.'), {
        name: 'MessageRejected',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    expect(await at(afterGrace(), () => erasureHandler({ customerId: id, receiptId: requested.body.receiptId }))).toEqual({
      outcome: 'completed',
    });
  });

  it('cascade a TTL deletion from the stream, and run the daily reminders', async () => {
    const id = await createCustomer({ email: 'expiring@example.org' });
    const raw = await db.client.send(new GetItemCommand({ TableName: `${PREFIX}customers`, Key: { customerId: { S: id } } }));
    const image = Object.fromEntries(Object.entries(raw.Item!).map(([k, v]) => [k, v.B ? { B: Buffer.from(v.B).toString('base64') } : v]));
    const result = await streamHandler({
      Records: [
        {
          eventID: '1',
          eventName: 'REMOVE',
          eventSource: 'aws:dynamodb',
          dynamodb: { Keys: { customerId: { S: id } }, OldImage: image as never, SequenceNumber: '100', StreamViewType: 'OLD_IMAGE' },
          userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
        },
      ],
    });
    expect(result).toEqual({ batchItemFailures: [] });
    const key = await db.client.send(new GetItemCommand({ TableName: `${PREFIX}customer-keys`, Key: { customerId: { S: id } } }));
    expect(key.Item).toBeUndefined();
    expect(await remindersHandler()).toEqual({ retention: 0, communications: 0, rejected: 0, failed: 0 });
  });
});

describe("the functions' logs", () => {
  it('hold ids and error names, never a contact', () => {
    const text = logged.join('');
    expect(text).toContain('DependencyUnavailableError');
    for (const personal of ['@example.org', '7946', 'Lambda Person', 'not verified']) expect(text).not.toContain(personal);
  });
});

describe('reading the function environment', () => {
  it('reports every problem at once and accepts a function bound to a few tables only', () => {
    const err = (() => {
      try {
        readEnvironment({ [ENV.erasureGraceDays]: 'soon', [ENV.schedulerGroup]: 'g' });
      } catch (e) {
        return e;
      }
    })() as ConfigurationError;
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.problems).toHaveLength(3);
    const env = readEnvironment({ [ENV.kmsKeyId]: 'k', [tableEnvVar('customers')]: 'crm-x-customers' });
    expect(env.tableNames.customers).toBe('crm-x-customers');
    expect(env.tableNames.transactions).toBe('');
    expect(env.scheduler).toBeUndefined();
  });
});
