/**
 * Tracing and business metrics of the Lambda runtime: every AWS SDK client goes through the tracer,
 * each business event is counted where it happens (over dynalite and the KMS fake), and the EMF adapter
 * writes event names and counts with one non-personal dimension.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLog } from '../../lambdas/adapters/logger';
import { EmfMetrics, METRICS_NAMESPACE } from '../../lambdas/adapters/metrics';
import { createAwsRuntime, readEnvironment } from '../../lambdas/composition/aws';
import { ENV } from '../../lambdas/config';
import type { BusinessEvent } from '../../lambdas/core/shared/metrics';
import { AWS_TABLES, tableEnvVar, type TableId } from '../../lambdas/core/policy/tables';
import { createErasureHandler } from '../../lambdas/jobs/erasure';
import { createApiHandler } from '../../lambdas/http/api';
import { apiGatewayEvent } from '../support/api-gateway';
import { startDynalite, type TestDb } from '../support/dynalite';
import { installFakeKms, type FakeKms } from '../support/fake-kms';

const PREFIX = 'crm-obs-';
const scheduler = mockClient(SchedulerClient);
const ses = mockClient(SESv2Client);
let db: TestDb;
let kms: FakeKms;
beforeAll(async () => {
  db = await startDynalite(PREFIX);
  kms = installFakeKms();
  scheduler.on(CreateScheduleCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'm' });
});
afterAll(async () => {
  kms?.restore();
  await db?.close();
});

const environment = () =>
  readEnvironment({
    [ENV.kmsKeyId]: 'data-key',
    [ENV.macKeyId]: 'mac-key',
    [ENV.emailFrom]: 'privacy@shop.test',
    [ENV.stage]: 'test',
    [ENV.schedulerGroup]: 'g',
    [ENV.schedulerRoleArn]: 'arn:aws:iam::1:role/r',
    [ENV.schedulerDlqArn]: 'arn:aws:sqs:eu-west-1:1:q',
    [ENV.erasureFunctionArn]: 'arn:aws:lambda:eu-west-1:1:function:f',
    ...Object.fromEntries(AWS_TABLES.map((t) => [tableEnvVar(t.name as TableId), `${PREFIX}${t.name}`])),
  });

function recording() {
  const counted: BusinessEvent[] = [];
  let flushed = 0;
  return {
    counted,
    flushes: () => flushed,
    count: (event: BusinessEvent, n = 1) => counted.push(...Array<BusinessEvent>(n).fill(event)),
    flush: () => void flushed++,
  };
}

describe('the Lambda runtime', () => {
  it('passes every AWS SDK client through the tracer (DynamoDB, KMS, Scheduler, SES, SNS)', () => {
    const captured: object[] = [];
    createAwsRuntime(environment(), {
      clients: { dynamodb: db.client },
      log: silentLog,
      tracer: { capture: (client) => (captured.push(client), client) },
      metrics: recording(),
    });
    const kinds = captured.map((c) => c.constructor);
    expect(kinds).toEqual(expect.arrayContaining([DynamoDBClient, KMSClient, SchedulerClient, SESv2Client, SNSClient]));
    expect(kinds).toHaveLength(5);
  });

  it('counts customers created, erasures requested, completed and failed, and sign-in locks', async () => {
    const metrics = recording();
    const runtime = createAwsRuntime(environment(), { clients: { dynamodb: db.client }, log: silentLog, metrics });
    const api = createApiHandler(runtime.app, { log: silentLog });
    const call = async (method: string, resource: string, opts: Parameters<typeof apiGatewayEvent>[2]) => {
      const res = await api(apiGatewayEvent(method, resource, opts));
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };
    const created = await call('POST', '/v1/customers', {
      groups: 'agent',
      body: { name: 'Counted Person', email: 'counted@example.org' },
    });
    expect(created.status).toBe(201);
    const requested = await call('POST', '/v1/customers/{id}/erasure', { groups: 'admin', params: { id: created.body.customerId } });
    expect(requested.status).toBe(202);
    // Asked again while pending: the same request, not a new one.
    await call('POST', '/v1/customers/{id}/erasure', { groups: 'admin', params: { id: created.body.customerId } });
    expect(metrics.counted).toEqual(['CustomerCreated', 'ErasureRequested']);

    const erasure = createErasureHandler(runtime.app, silentLog);
    await expect(erasure({ customerId: created.body.customerId, receiptId: requested.body.receiptId })).rejects.toMatchObject({
      code: 'erasure_not_due',
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 31 * 86_400_000);
    try {
      expect(await erasure({ customerId: created.body.customerId, receiptId: requested.body.receiptId })).toEqual({ outcome: 'completed' });
    } finally {
      vi.useRealTimers();
    }
    expect(metrics.counted.slice(2)).toEqual(['ErasureFailed', 'ErasureCompleted']);

    await call('POST', '/v1/customers', { groups: 'agent', body: { name: 'Locked Person', email: 'locked@example.org' } });
    for (let i = 0; i < 5; i++) await call('POST', '/v1/portal/verify', { body: { email: 'locked@example.org', code: '000000' } });
    expect(metrics.counted.slice(4)).toEqual(['CustomerCreated', 'SignInLocked']);
  });
});

describe('EMF metrics', () => {
  it('write event counts under one dimension, the deployment, and nothing when nothing happened', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      const metrics = new EmfMetrics({ service: 'crm-test' });
      metrics.flush();
      expect(lines).toEqual([]);
      metrics.count('CustomerCreated');
      metrics.count('ReminderSent', 3);
      metrics.count('ReminderRejected', 0);
      metrics.flush();
      metrics.flush();
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0]);
    const [directive] = emf._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics.map((m: { Name: string }) => m.Name).sort()).toEqual(['CustomerCreated', 'ReminderSent']);
    expect(emf).toMatchObject({ service: 'crm-test', CustomerCreated: 1, ReminderSent: 3 });
    expect(Object.keys(emf).sort()).toEqual(['CustomerCreated', 'ReminderSent', '_aws', 'service']);
  });
});
