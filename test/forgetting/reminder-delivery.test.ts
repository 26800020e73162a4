/**
 * The daily reminders when delivery fails, over dynalite, the KMS fake and SES/SNS stubs, through the
 * real AWS notifier: a contact refused for good is recorded on the row and not tried again (until it
 * changes), a transient fault is retried for that customer, and the run fails only when SES is down or
 * on a failure that is nobody's contact (a sender-side problem).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLog } from '../../lambdas/adapters/logger';
import { createAwsRuntime, readEnvironment, type AwsRuntime } from '../../lambdas/composition/aws';
import { ENV } from '../../lambdas/config';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import type { BusinessEvent } from '../../lambdas/core/shared/metrics';
import { AWS_TABLES, tableEnvVar, type TableId } from '../../lambdas/core/policy/tables';
import { createApiHandler } from '../../lambdas/http/api';
import { apiGatewayEvent } from '../support/api-gateway';
import { startDynalite, type TestDb } from '../support/dynalite';
import { installFakeKms, type FakeKms } from '../support/fake-kms';

const PREFIX = 'crm-remind-';
const DAY = 86_400_000;
const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);
let db: TestDb;
let kms: FakeKms;
let runtime: AwsRuntime;
const counted: BusinessEvent[] = [];

beforeAll(async () => {
  db = await startDynalite(PREFIX);
  kms = installFakeKms();
  const env = readEnvironment({
    [ENV.kmsKeyId]: 'data-key',
    [ENV.macKeyId]: 'mac-key',
    [ENV.emailFrom]: 'privacy@shop.test',
    ...Object.fromEntries(AWS_TABLES.map((t) => [tableEnvVar(t.name as TableId), `${PREFIX}${t.name}`])),
  });
  runtime = createAwsRuntime(env, {
    clients: { dynamodb: db.client },
    log: silentLog,
    metrics: { count: (e, n = 1) => counted.push(...Array<BusinessEvent>(n).fill(e)), flush: () => undefined },
  });
});
afterAll(async () => {
  kms?.restore();
  await db?.close();
});
beforeEach(() => {
  ses.reset();
  sns.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm' });
  sns.on(PublishCommand).resolves({ MessageId: 's' });
  counted.length = 0;
});

const awsError = (name: string, status: number) =>
  Object.assign(new Error(`${name}: refused someone@somewhere`), { name, $metadata: { httpStatusCode: status } });
const sentTo = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input.Destination?.ToAddresses?.[0]);

async function at<T>(when: number, fn: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(when);
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

async function create(contact: { email: string } | { phone: string }): Promise<string> {
  const api = createApiHandler(runtime.app, { log: silentLog });
  const res = await api(apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'Reminded Person', ...contact } }));
  expect(res.statusCode, res.body).toBe(201);
  return JSON.parse(res.body).customerId;
}

const row = async (customerId: string) =>
  unmarshall(
    (
      await db.client.send(
        new GetItemCommand({ TableName: `${PREFIX}customers`, Key: { customerId: { S: customerId } }, ConsistentRead: true }),
      )
    ).Item!,
  );

describe('daily reminders when delivery fails', () => {
  const start = Date.now();
  const nearEnd = start + 720 * DAY;

  it('record a refused contact and skip it from then on, retry a transient fault, and succeed', async () => {
    const ok = await create({ email: 'fine@example.org' });
    const bounced = await create({ email: 'bounced@example.org' });
    const badNumber = await create({ phone: '+44 20 7946 0123' });
    await create({ email: 'throttled-once@example.org' });
    ses.on(SendEmailCommand, { Destination: { ToAddresses: ['bounced@example.org'] } }).rejects(awsError('MessageRejected', 400));
    ses
      .on(SendEmailCommand, { Destination: { ToAddresses: ['throttled-once@example.org'] } })
      .rejectsOnce(awsError('TooManyRequestsException', 429))
      .resolves({ MessageId: 'm2' });
    sns.on(PublishCommand).rejects(awsError('InvalidParameterException', 400));

    const run = await at(nearEnd, () => runtime.app.reminders.daily());
    expect(run).toEqual({ retention: 2, communications: 0, rejected: 2, failed: 0 });
    expect(sentTo().filter((a) => a === 'throttled-once@example.org')).toHaveLength(2);
    expect(counted.filter((e) => e === 'ReminderSent')).toHaveLength(2);
    expect(counted.filter((e) => e === 'ReminderRejected')).toHaveLength(2);

    const b = await row(bounced);
    expect(b.undeliverable).toEqual({ since: new Date(nearEnd).toISOString(), reason: 'MessageRejected' });
    expect((await row(badNumber)).undeliverable).toMatchObject({ reason: 'InvalidParameterException' });
    expect((await row(ok)).undeliverable).toBeUndefined();
    // Nothing of the refusal's text (it quotes the address) is kept.
    expect(JSON.stringify(b)).not.toContain('someone@somewhere');

    // The next day: the refused contacts are not tried again, the reminded ones are not reminded twice.
    ses.resetHistory();
    sns.resetHistory();
    expect(await at(nearEnd + DAY, () => runtime.app.reminders.daily())).toEqual({
      retention: 0,
      communications: 0,
      rejected: 0,
      failed: 0,
    });
    expect(sentTo()).toEqual([]);
    expect(sns.commandCalls(PublishCommand)).toEqual([]);
  });

  it('try a refused customer again once the contact has changed', async () => {
    const id = await create({ email: 'old-address@example.org' });
    ses.on(SendEmailCommand, { Destination: { ToAddresses: ['old-address@example.org'] } }).rejects(awsError('MessageRejected', 400));
    await at(nearEnd + 2 * DAY, () => runtime.app.reminders.daily());
    expect((await row(id)).undeliverable).toBeDefined();

    const api = createApiHandler(runtime.app, { log: silentLog });
    const change = apiGatewayEvent('PATCH', '/v1/customers/{id}', {
      groups: 'privacy_officer',
      params: { id },
      body: { email: 'new-address@example.org', purpose: 'Customer gave a new address' },
    });
    const patched = await at(nearEnd + 3 * DAY, () => api(change));
    expect(patched.statusCode, patched.body).toBe(200);
    ses.resetHistory();
    const expires = (await row(id)).expiresAt as number;
    await at(expires * 1000 - 10 * DAY, () => runtime.app.reminders.daily());
    expect(sentTo()).toContain('new-address@example.org');
  });

  it('fail the run when SES stays down (after retrying that customer), marking nobody', async () => {
    const id = await create({ email: 'while-down@example.org' });
    ses.on(SendEmailCommand).rejects(awsError('TooManyRequestsException', 429));
    await expect(at(nearEnd + 4 * DAY, () => runtime.app.reminders.daily())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(ses.commandCalls(SendEmailCommand).length).toBe(3);
    expect((await row(id)).undeliverable).toBeUndefined();
  });

  it('fail the run, marking nobody, when the sender is at fault (not a refused contact)', async () => {
    const id = await create({ email: 'innocent@example.org' });
    ses.on(SendEmailCommand).rejects(awsError('AccessDeniedException', 403));
    await expect(at(nearEnd + 5 * DAY, () => runtime.app.reminders.daily())).rejects.toThrow(/could not be reminded/);
    expect((await row(id)).undeliverable).toBeUndefined();
  });
});
