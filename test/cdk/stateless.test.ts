import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config';
import { CATEGORIES } from '../../lambdas/core/policy/inventory';
import { ROLES } from '../../lambdas/core/shared/principal';
import { AWS_TABLES, tableEnvVar, type TableId } from '../../lambdas/core/policy/tables';
import { ROUTES } from '../../lambdas/http/routes';
import { API_ROUTES, SIGN_IN_PATHS, toDeployedRoute } from '../../lib/api-routes';
import { signInPathPattern } from '../../lib/constructs/api-firewall';
import { ACCESS_LOG_FIELDS } from '../../lib/constructs/crm-api';
import { TABLE_ACTIONS, type TableAccess } from '../../lib/constructs/crm-function';
import { FUNCTION_TABLES, type TableGrants } from '../../lib/function-access';
import { REPO_ROOT } from '../../lib/paths';
import { LOGGED_FAILURES } from '../../lib/stateless-stack';
import { apiMethods, asArray, iamStatements, resourcesOf, synthCrm, type SynthesizedCrm } from './support/crm-app';
import { DEV_PREFIX, LOCAL_ROUTES } from '../../lambdas/http/local-routes';

let crm: SynthesizedCrm;
let t: Template;

beforeAll(() => {
  crm = synthCrm();
  t = crm.statelessTemplate;
}, 60_000);
afterAll(() => crm.cleanup());

const id = (c: { node: { defaultChild?: unknown } }) => crm.stateless.getLogicalId(c.node.defaultChild as never);
const fnId = (name: keyof SynthesizedCrm['stateless']['functions']) => id(crm.stateless.functions[name].fn);
const resource = (logicalId: string) => t.toJSON().Resources[logicalId];
/** Statements of the one permissions policy attached to a role. */
const statementsOfRole = (roleId: string) =>
  resourcesOf(t, 'AWS::IAM::ManagedPolicy')
    .filter(([, p]) => JSON.stringify(p.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => p.Properties?.PolicyDocument.Statement as Record<string, any>[]);
const roleOf = (fn: keyof SynthesizedCrm['stateless']['functions']) => resource(fnId(fn)).Properties.Role['Fn::GetAtt'][0] as string;
const envOf = (fn: keyof SynthesizedCrm['stateless']['functions']) =>
  resource(fnId(fn)).Properties.Environment.Variables as Record<string, unknown>;
/** The table spec ids cross-stack table references point to, each once (a table's index ARNs name it again). */
const tableRefs = (value: unknown): string[] => [
  ...new Set([...JSON.stringify(value).matchAll(/Table([a-z]+)[0-9A-F]{8}(Arn|Ref)/g)].map((m) => m[1])),
];
const compact = (id: string) => id.replace(/-/g, '');
/** What the TTL-stream event source mapping needs on the customers table's stream (granted by CDK). */
const STREAM_READS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
/** A function's DynamoDB actions, by table: on the table itself, and on its indexes. */
const dynamoGrants = (fn: keyof SynthesizedCrm['stateless']['functions']) => {
  const out = { onTable: {} as Record<string, string[]>, onIndex: {} as Record<string, string[]> };
  for (const s of statementsOfRole(roleOf(fn))) {
    const actions = (asArray(s.Action) as string[]).filter((a) => a.startsWith('dynamodb:') && !STREAM_READS.includes(a));
    if (actions.length === 0) continue;
    expect(s.Effect).toBe('Allow');
    // Statements with the same actions are merged: one resource names one table (or one of its indexes).
    for (const r of asArray(s.Resource)) {
      const refs = tableRefs(r);
      expect(refs).toHaveLength(1);
      const into = JSON.stringify(r).includes('/index/') ? out.onIndex : out.onTable;
      into[refs[0]] = [...new Set([...(into[refs[0]] ?? []), ...actions])].sort();
    }
  }
  return out;
};

describe('functions', () => {
  it('every function runs Node.js 24 on ARM64 with active tracing', () => {
    const functions = resourcesOf(t, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(Object.keys(FUNCTION_TABLES).length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties?.Environment.Variables.NODE_OPTIONS).toContain('--enable-source-maps');
    }
  });

  it('every log group has a retention and a KMS key, and each function logs to its own', () => {
    const groups = resourcesOf(t, 'AWS::Logs::LogGroup');
    for (const [, g] of groups) {
      expect(g.Properties?.RetentionInDays).toBe(crm.config.logRetentionDays);
      expect(g.Properties?.KmsKeyId).toEqual({ 'Fn::GetAtt': [id(crm.stateless.opsKey), 'Arn'] });
    }
    const targets = resourcesOf(t, 'AWS::Lambda::Function').map(([, fn]) => fn.Properties?.LoggingConfig.LogGroup.Ref);
    expect(new Set(targets).size).toBe(Object.keys(FUNCTION_TABLES).length);
    for (const target of targets) expect(groups.map(([gid]) => gid)).toContain(target);
  });

  it.each(Object.keys(FUNCTION_TABLES) as (keyof typeof FUNCTION_TABLES)[])(
    '%s sees exactly the tables of its plan, each with exactly the DynamoDB actions of its operations',
    (name) => {
      const plan = FUNCTION_TABLES[name] as TableGrants;
      const tableVars = Object.keys(envOf(name))
        .filter((k) => k.startsWith('CRM_TABLE_'))
        .sort();
      expect(tableVars).toEqual(
        Object.keys(plan)
          .map((tid) => tableEnvVar(tid as TableId))
          .sort(),
      );
      const expected = { onTable: {} as Record<string, string[]>, onIndex: {} as Record<string, string[]> };
      for (const [tid, ops] of Object.entries(plan) as [string, TableAccess][]) {
        const onTable = [...new Set(ops.filter((op) => op !== 'queryIndex').map((op) => TABLE_ACTIONS[op]))].sort();
        if (onTable.length > 0) expected.onTable[compact(tid)] = onTable;
        if (ops.includes('queryIndex')) expected.onIndex[compact(tid)] = ['dynamodb:Query'];
      }
      expect(dynamoGrants(name)).toEqual(expected);
    },
  );

  it('no role may send what the store adapter never sends (UpdateItem, BatchGetItem, ConditionCheckItem, DescribeTable)', () => {
    const actions = new Set(
      iamStatements(t)
        .flatMap(({ statement }) => asArray(statement.Action) as string[])
        .filter((a) => a.startsWith('dynamodb:')),
    );
    for (const never of ['dynamodb:UpdateItem', 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable']) {
      expect(actions).not.toContain(never);
    }
    const itemActions = [...actions].filter((a) => !STREAM_READS.includes(a)).sort();
    // Scan: the operator's key maintenance only (checked below).
    expect(itemActions).toEqual(['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'Scan'].map((a) => `dynamodb:${a}`));
    // Batched deletes are the cascade's, and the API's on behaviour only (withdrawn analytics consent deletes the visits).
    expect(statementsOfRole(roleOf('reminders')).flatMap((s) => asArray(s.Action))).not.toContain('dynamodb:BatchWriteItem');
    const apiBatched = Object.entries(dynamoGrants('api').onTable).filter(([, actions]) => actions.includes('dynamodb:BatchWriteItem'));
    expect(apiBatched.map(([table]) => table)).toEqual(['behaviour']);
    expect(dynamoGrants('api').onIndex).not.toHaveProperty('behaviour');
    // BatchWriteItem can put too: no role gets it where a forged row would grant access (sessions, the contact index).
    for (const fn of Object.keys(crm.stateless.functions) as (keyof SynthesizedCrm['stateless']['functions'])[]) {
      for (const table of ['sessions', 'contactindex', 'idempotency']) {
        expect(dynamoGrants(fn).onTable[table] ?? [], `${fn} on ${table}`).not.toContain('dynamodb:BatchWriteItem');
      }
    }
    // The stream reads go to the stream function only, on the customers table's stream only.
    const streamReads = iamStatements(t).filter(({ statement }) =>
      asArray(statement.Action).some((a) => STREAM_READS.includes(a as string)),
    );
    for (const { statement } of streamReads) expect(JSON.stringify(statement.Resource)).toMatch(/Tablecustomers[0-9A-F]{8}StreamArn/);
  });

  it('the API cannot delete from tables whose data outlives an erasure (access log, purchases, receipts)', () => {
    const erased = new Set(CATEGORIES.filter((c) => c.onErasure.startsWith('deleted')).map((c) => c.table as string));
    const kept = AWS_TABLES.map((s) => s.name as string).filter((tid) => !erased.has(tid));
    expect(kept.sort()).toEqual(['access-log', 'key-store', 'receipts', 'transactions']);
    const { onTable } = dynamoGrants('api');
    for (const tid of kept) {
      expect(onTable[compact(tid)], tid).toEqual(expect.arrayContaining(['dynamodb:PutItem']));
      expect(onTable[compact(tid)], tid).not.toContain('dynamodb:DeleteItem');
    }
  });

  it("no scheduled or request function scans (the reminders query byRemindOn); only the operator's key maintenance does", () => {
    for (const fn of ['api', 'erasure', 'stream', 'reminders'] as const) {
      expect(
        statementsOfRole(roleOf(fn)).flatMap((s) => asArray(s.Action)),
        fn,
      ).not.toContain('dynamodb:Scan');
    }
    const queries = statementsOfRole(roleOf('reminders')).filter((s) => asArray(s.Action).includes('dynamodb:Query'));
    const onIndexes = JSON.stringify(queries.map((s) => s.Resource));
    expect(onIndexes).toMatch(/Tablecustomers[0-9A-F]{8}Arn[^\]]*?\/index\/byRemindOn/);
    expect(Object.keys(envOf('reminders'))).toContain(tableEnvVar('sessions'));
    const scans = statementsOfRole(roleOf('keys')).filter((s) => asArray(s.Action).includes('dynamodb:Scan'));
    expect(scans.flatMap((s) => tableRefs(s.Resource)).sort()).toEqual(['customerkeys', 'customers', 'keystore']);
  });

  it('both cascades may query the customerId index of sessions and idempotency, and no index by wildcard', () => {
    for (const fn of ['erasure', 'stream'] as const) {
      const onIndexes = JSON.stringify(
        statementsOfRole(roleOf(fn))
          .filter((s) => asArray(s.Action).includes('dynamodb:Query'))
          .map((s) => s.Resource),
      );
      for (const table of ['sessions', 'idempotency'])
        expect(onIndexes).toMatch(new RegExp(`Table${table}[0-9A-F]{8}Arn[^\\]]*?/index/byCustomer`));
      expect(onIndexes).not.toContain('/index/*');
    }
  });

  it('only the erasure function completes receipts; the TTL cascade has no receipt to write', () => {
    expect(Object.keys(envOf('erasure'))).toContain(tableEnvVar('receipts'));
    expect(Object.keys(envOf('stream'))).not.toContain(tableEnvVar('receipts'));
  });

  it('the erasure cascade cannot touch what the inventory keeps on erasure (purchases, the access log)', () => {
    const kept = CATEGORIES.filter((c) => c.onErasure.startsWith('retained')).map((c) => c.table);
    expect(kept).toEqual(expect.arrayContaining(['transactions', 'access-log']));
    for (const fn of ['erasure', 'stream'] as const) {
      const vars = Object.keys(envOf(fn));
      for (const table of kept) expect(vars).not.toContain(tableEnvVar(table));
      const granted = statementsOfRole(roleOf(fn)).flatMap((s) => tableRefs(s.Resource));
      for (const table of kept) expect(granted).not.toContain(compact(table));
    }
  });

  it('only the API and key maintenance may make branch keys and compute the blind index; the rest may only unwrap', () => {
    const direct = (fn: keyof SynthesizedCrm['stateless']['functions']) =>
      statementsOfRole(roleOf(fn))
        .filter((s) => asArray(s.Action).some((a: string) => a.startsWith('kms:')) && !s.Condition)
        .flatMap((s) => asArray(s.Action) as string[]);
    for (const fn of ['api', 'keys'] as const) {
      expect(direct(fn).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateMac']);
      expect(envOf(fn)).toMatchObject({ [ENV.kmsKeyId]: expect.anything(), [ENV.macKeyId]: expect.anything(), [ENV.branchKeys]: '16' });
    }
    for (const fn of ['erasure', 'reminders'] as const) {
      expect([...new Set(direct(fn))]).toEqual(['kms:Decrypt']);
      expect(envOf(fn)[ENV.macKeyId]).toBeUndefined();
    }
  });

  it('the TTL cascade reads the customers stream, only TTL deletions, with retries, bisection and an encrypted failure queue', () => {
    const [[, mapping]] = resourcesOf(t, 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({
      FunctionName: { Ref: fnId('stream') },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [id(crm.stateless.node.findChild('StreamDeadLetters').node.findChild('Queue') as never), 'Arn'] },
        },
      },
    });
    expect(JSON.stringify(mapping.Properties?.EventSourceArn)).toMatch(/Tablecustomers[0-9A-F]{8}StreamArn/);
    const [filter] = mapping.Properties!.FilterCriteria.Filters;
    expect(JSON.parse(filter.Pattern)).toEqual({
      eventName: ['REMOVE'],
      userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
    });
  });

  it("the stream consumer's parallelisation follows the streamParallelization context", () => {
    const wide = synthCrm({ context: { streamParallelization: 6 } });
    try {
      const [[, mapping]] = resourcesOf(wide.statelessTemplate, 'AWS::Lambda::EventSourceMapping');
      expect(mapping.Properties?.ParallelizationFactor).toBe(6);
    } finally {
      wide.cleanup();
    }
  }, 60_000);

  it('the daily reminders run from an EventBridge rule with retries and a dead-letter queue', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 8 * * ? *)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId('reminders'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RemindersDeadLetters'), 'Arn'] } },
        }),
      ],
    });
  });
});

describe('permissions', () => {
  const guarded = ['dynamodb', 'kms', 'scheduler'];

  it('no policy anywhere allows "*" or a wildcard action on DynamoDB, KMS or Scheduler', () => {
    const all = [...iamStatements(t), ...iamStatements(crm.statefulTemplate)];
    expect(all.length).toBeGreaterThan(20);
    for (const { owner, statement } of all) {
      for (const action of [...asArray(statement.Action), ...asArray(statement.NotAction)] as string[]) {
        expect(action, `${owner}: ${action}`).not.toBe('*');
        const [service, name] = action.split(':');
        if (guarded.includes(service)) expect(name, `${owner}: ${action}`).not.toContain('*');
      }
    }
  });

  it('grants on DynamoDB, KMS and Scheduler always name their resources', () => {
    for (const { owner, statement } of iamStatements(t)) {
      const services = new Set(asArray(statement.Action).map((a: string) => a.split(':')[0]));
      if (![...services].some((s) => guarded.includes(s))) continue;
      expect(asArray(statement.Resource), owner).not.toContain('*');
    }
  });

  it('roles carry no inline policy: each has one customer-managed policy of its own', () => {
    expect(resourcesOf(t, 'AWS::IAM::Policy')).toEqual([]);
    for (const [, role] of resourcesOf(t, 'AWS::IAM::Role')) expect(role.Properties?.Policies).toBeUndefined();
  });

  it('SMS is the only "*" resource outside X-Ray, limited to this region', () => {
    const star = iamStatements(t).filter(({ statement }) => asArray(statement.Resource).includes('*'));
    for (const { statement } of star) {
      const actions = asArray(statement.Action) as string[];
      if (actions.every((a) => a.startsWith('xray:'))) continue;
      expect(actions).toEqual(['sns:Publish']);
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': crm.config.region } });
    }
  });

  it('every role that may publish SMS is denied publishing to any topic ARN, the alarm topic included', () => {
    const topicDeny = {
      Effect: 'Deny',
      Action: 'sns:Publish',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns:*:*:*']] },
    };
    const publishers = (['api', 'erasure', 'stream', 'reminders'] as const).filter((fn) =>
      statementsOfRole(roleOf(fn)).some((s) => s.Effect === 'Allow' && asArray(s.Action).includes('sns:Publish')),
    );
    expect(publishers).toEqual(['api', 'erasure', 'reminders']);
    for (const fn of publishers) expect(statementsOfRole(roleOf(fn)), fn).toContainEqual(topicDeny);
    // No role is granted the topic by name either.
    const topicId = id(crm.stateless.alarms.topic);
    for (const { statement } of iamStatements(t).filter(({ statement }) => statement.Effect === 'Allow')) {
      expect(JSON.stringify(statement.Resource ?? '')).not.toContain(topicId);
    }
  });

  it('only the API, the erasure and the reminders send messages, e-mail only from the configured identity', () => {
    for (const fn of ['api', 'erasure', 'reminders'] as const) expect(envOf(fn)[ENV.emailFrom]).toBe(crm.config.senderEmail);
    expect(envOf('stream')[ENV.emailFrom]).toBeUndefined();
    expect(statementsOfRole(roleOf('stream')).flatMap((s) => asArray(s.Action))).not.toContain('sns:Publish');
    const ses = iamStatements(t).filter(({ statement }) => asArray(statement.Action).some((a: string) => a.startsWith('ses:')));
    expect(ses.length).toBe(3);
    const domain = crm.config.senderEmail.split('@')[1];
    for (const { statement } of ses) {
      expect(statement.Action).toBe('ses:SendEmail');
      const resources = JSON.stringify(statement.Resource);
      for (const part of [`:identity/${crm.config.senderEmail}`, `:identity/${domain}`, ':configuration-set/crm-dev-mail'])
        expect(resources).toContain(part);
      expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': crm.config.senderEmail } });
    }
    for (const fn of ['api', 'erasure', 'reminders'] as const) expect(envOf(fn)[ENV.sesConfigurationSet]).toBe('crm-dev-mail');
  });

  it('references the existing SES identity unless asked to create it (a second stage would collide)', () => {
    t.resourceCountIs('AWS::SES::EmailIdentity', 0);
  });

  it("with createSenderIdentity, creates the sender's domain identity with Easy DKIM and outputs its DNS records", () => {
    const withIdentity = synthCrm({ context: { stage: 'prod', senderEmail: 'privacy@shop.test', createSenderIdentity: true } });
    try {
      const template = withIdentity.statelessTemplate;
      template.resourceCountIs('AWS::SES::EmailIdentity', 1);
      template.hasResourceProperties('AWS::SES::EmailIdentity', {
        EmailIdentity: 'shop.test',
        DkimAttributes: { SigningEnabled: true },
        DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
        ConfigurationSetAttributes: { ConfigurationSetName: { Ref: Match.anyValue() } },
      });
      const outputs = Object.keys(template.toJSON().Outputs).filter((k) => k.startsWith('SenderDkimRecord'));
      expect(outputs).toHaveLength(3);
    } finally {
      withIdentity.cleanup();
    }
  }, 60_000);

  it('sends through a configuration set: TLS required, suppression on, bounces and complaints counted, no tracking', () => {
    t.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'crm-dev-mail',
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    const [[, set]] = resourcesOf(t, 'AWS::SES::ConfigurationSet');
    expect(set.Properties?.TrackingOptions).toBeUndefined();
    const [[, destination]] = resourcesOf(t, 'AWS::SES::ConfigurationSetEventDestination');
    expect(destination.Properties?.EventDestination).toMatchObject({
      Enabled: true,
      MatchingEventTypes: expect.arrayContaining(['send', 'bounce', 'complaint']),
      CloudWatchDestination: {
        DimensionConfigurations: [
          { DimensionName: 'ses:configuration-set', DimensionValueSource: 'messageTag', DefaultDimensionValue: 'crm-dev-mail' },
        ],
      },
    });
  });

  it('alarms on the SES bounce and complaint rates where SES starts reviewing the account', () => {
    for (const [metric, threshold] of [
      ['Reputation.BounceRate', 0.05],
      ['Reputation.ComplaintRate', 0.001],
    ] as const) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SES',
        MetricName: metric,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: id(crm.stateless.alarms.topic) }],
      });
    }
  });
});

describe('erasure scheduler', () => {
  const schedulerRoleId = () => id(crm.stateless.scheduler.role);
  const groupId = () => crm.stateless.getLogicalId(crm.stateless.scheduler.group);

  it('has a schedule group of its own', () => {
    t.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'crm-dev-erasures' });
  });

  it('its role can be assumed only by EventBridge Scheduler, for schedules of this group in this account', () => {
    expect(resource(schedulerRoleId()).Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': { 'Fn::GetAtt': [groupId(), 'Arn'] } },
        },
      },
    ]);
  });

  it('its role may only invoke the erasure function and dead-letter into its own queue', () => {
    const statements = statementsOfRole(schedulerRoleId());
    expect(statements).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [fnId('erasure'), 'Arn'] } },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id(crm.stateless.scheduler.dlq.queue), 'Arn'] } },
    ]);
  });

  it('the API may create and delete schedules only in that group, and pass only that role, only to Scheduler', () => {
    const statements = statementsOfRole(roleOf('api'));
    const scheduler = statements.filter((s) => asArray(s.Action).some((a: string) => a.startsWith('scheduler:')));
    expect(scheduler).toEqual([
      {
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        Effect: 'Allow',
        Resource: {
          'Fn::Join': ['', [`arn:aws:scheduler:${crm.config.region}:`, { Ref: 'AWS::AccountId' }, ':schedule/', { Ref: groupId() }, '/*']],
        },
      },
    ]);
    const passRole = statements.filter((s) => asArray(s.Action).includes('iam:PassRole'));
    expect(passRole).toEqual([
      {
        Action: 'iam:PassRole',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [schedulerRoleId(), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    for (const fn of ['erasure', 'stream', 'reminders'] as const) {
      expect(statementsOfRole(roleOf(fn)).flatMap((s) => asArray(s.Action))).not.toContain('iam:PassRole');
    }
  });

  it('the API is told everything it needs to schedule an erasure, through the names in lambdas/config.ts', () => {
    expect(envOf('api')).toMatchObject({
      [ENV.schedulerGroup]: { Ref: groupId() },
      [ENV.schedulerRoleArn]: { 'Fn::GetAtt': [schedulerRoleId(), 'Arn'] },
      [ENV.schedulerDlqArn]: { 'Fn::GetAtt': [id(crm.stateless.scheduler.dlq.queue), 'Arn'] },
      [ENV.erasureFunctionArn]: { 'Fn::GetAtt': [fnId('erasure'), 'Arn'] },
      [ENV.erasureGraceDays]: String(crm.config.erasureGraceDays),
      [ENV.emailFrom]: crm.config.senderEmail,
      [ENV.stage]: crm.config.stage,
    });
  });

  it('the schedule group survives a destroy or a replacement (every pending erasure lives in it)', () => {
    t.hasResource('AWS::Scheduler::ScheduleGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('the daily reconcile finds open requests through the receipts index (no scan) and may read, create and replace schedules', () => {
    expect(dynamoGrants('reconcile')).toEqual({
      onTable: { customers: ['dynamodb:GetItem'], receipts: ['dynamodb:GetItem'] },
      onIndex: { receipts: ['dynamodb:Query'] },
    });
    const indexArns = JSON.stringify(
      statementsOfRole(roleOf('reconcile'))
        .filter((s) => asArray(s.Action).includes('dynamodb:Query'))
        .map((s) => s.Resource),
    );
    expect(indexArns).toContain('/index/openRequests');
    const scheduler = statementsOfRole(roleOf('reconcile')).filter((s) =>
      asArray(s.Action).some((a: string) => a.startsWith('scheduler:')),
    );
    expect(scheduler.map((s) => s.Action)).toEqual([['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule']]);
    expect(JSON.stringify(scheduler[0].Resource)).toContain(`:schedule/",{"Ref":"${groupId()}"},"/*`);
    expect(envOf('reconcile')[ENV.schedulerGroup]).toEqual({ Ref: groupId() });
    expect(envOf('reconcile')[ENV.kmsKeyId]).toBeUndefined();
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId('reconcile'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('outputs the arguments reapply-erasures needs to re-create schedules after a restore', () => {
    const value = JSON.stringify(t.toJSON().Outputs.ReapplyErasuresArgs.Value);
    for (const flag of [
      '--aws',
      '--kms-key-id',
      '--ledger-prefix crm-dev-',
      '--scheduler-group',
      '--scheduler-role-arn',
      '--scheduler-dlq-arn',
      '--erasure-function-arn',
    ]) {
      expect(value).toContain(flag);
    }
    expect(value).toContain(groupId());
  });

  it('the erasure function itself retries twice and then dead-letters', () => {
    const erasure = resource(fnId('erasure'));
    const queue = id(crm.stateless.node.findChild('ErasureDeadLetters').node.findChild('Queue') as never);
    expect(erasure.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } });
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: fnId('erasure') }, MaximumRetryAttempts: 2 });
  });
});

describe('dead-letter queues and alarms', () => {
  it('every queue is encrypted and refuses plain HTTP', () => {
    const queues = resourcesOf(t, 'AWS::SQS::Queue');
    expect(queues.length).toBe(5);
    for (const [qid, q] of queues) {
      expect(q.Properties?.SqsManagedSseEnabled === true || q.Properties?.KmsMasterKeyId !== undefined, qid).toBe(true);
      t.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: qid }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('every dead-letter queue has an alarm on its first visible message', () => {
    for (const [qid] of resourcesOf(t, 'AWS::SQS::Queue')) {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [qid, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  it('erasure errors and stream-handler errors and lag are alarmed', () => {
    const fnAlarm = (fn: string, metric: string) =>
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
        ComparisonOperator: 'GreaterThanThreshold',
      });
    fnAlarm(fnId('erasure'), 'Errors');
    fnAlarm(fnId('stream'), 'Errors');
    fnAlarm(fnId('stream'), 'IteratorAge');
  });

  it.each([
    ['api', 'sign-in code not delivered'],
    ['api', 'sign-in time budget exceeded'],
    ['api', 'notice not sent'],
    ['reminders', 'notice not sent'],
    ['erasure', 'notice not sent'],
  ] as const)('the %s function\'s log line "%s" is counted by a metric filter and alarmed on the first one', (fn, message) => {
    const logGroupId = id(crm.stateless.functions[fn].logGroup);
    const filters = resourcesOf(t, 'AWS::Logs::MetricFilter').filter(
      ([, f]) => f.Properties?.LogGroupName?.Ref === logGroupId && f.Properties?.FilterPattern === `{ $.message = "${message}" }`,
    );
    expect(filters).toHaveLength(1);
    const [transformation] = filters[0][1].Properties!.MetricTransformations;
    expect(transformation).toEqual({
      MetricNamespace: expect.stringMatching(new RegExp(`^PrivacyCrm/crm-${crm.config.stage}-${fn}$`)),
      MetricName: expect.any(String),
      MetricValue: '1',
    });
    expect(transformation.DefaultValue).toBeUndefined();
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: transformation.MetricNamespace,
      MetricName: transformation.MetricName,
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: id(crm.stateless.alarms.topic) }],
    });
  });

  it('log-line alarms exist exactly where the code paths log: no sign-in alarms outside the API, none on the TTL stream', () => {
    const filters = resourcesOf(t, 'AWS::Logs::MetricFilter').map(
      ([, f]) => `${f.Properties?.LogGroupName?.Ref} ${f.Properties?.FilterPattern}`,
    );
    expect(filters).toHaveLength(6);
    expect(filters.filter((f) => f.startsWith(id(crm.stateless.functions.stream.logGroup)))).toEqual([]);
  });

  it('the alarmed messages are the exact texts the domain code logs', () => {
    for (const failure of Object.values(LOGGED_FAILURES)) {
      const logged = ['portal/sign-in.ts', 'customer/notice-sender.ts', 'forgetting/erasure-schedules.ts'].some((file) =>
        readFileSync(join(REPO_ROOT, 'lambdas/core', file), 'utf8').includes(`log.warn('${failure.message}'`),
      );
      expect(logged, failure.message).toBe(true);
    }
  });

  it('every alarm notifies the KMS-encrypted alarm topic, which has no subscriber unless alarmEmail is set', () => {
    const topicId = id(crm.stateless.alarms.topic);
    for (const [aid, alarm] of resourcesOf(t, 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties?.AlarmActions, aid).toEqual([{ Ref: topicId }]);
    }
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [id(crm.stateless.opsKey), 'Arn'] } });
    t.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('the alarm topic lets CloudWatch alarms of this account publish, and nothing else', () => {
    const topicId = id(crm.stateless.alarms.topic);
    const policies = resourcesOf(t, 'AWS::SNS::TopicPolicy').filter(
      ([, p]) => JSON.stringify(p.Properties?.Topics) === JSON.stringify([{ Ref: topicId }]),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0][1].Properties?.PolicyDocument.Statement as Record<string, any>[];
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'CloudWatchAlarmsOfThisAccount',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': { 'Fn::Join': ['', [`arn:aws:cloudwatch:${crm.config.region}:`, { Ref: 'AWS::AccountId' }, ':alarm:*']] },
          },
        },
      },
    ]);
    // The TLS-only deny stays.
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('with alarmEmail set, the alarms are e-mailed', () => {
    const withEmail = synthCrm({ context: { alarmEmail: 'ops@example.com' } });
    try {
      withEmail.statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    } finally {
      withEmail.cleanup();
    }
  }, 60_000);

  it("the key behind logs and alarms admits CloudWatch Logs for this deployment's log groups and CloudWatch alarms, nothing else", () => {
    const statements = resource(id(crm.stateless.opsKey)).Properties.KeyPolicy.Statement as Record<string, any>[];
    const services = statements.filter((s) => s.Principal?.Service).map((s) => s.Principal.Service);
    expect(services).toEqual([`logs.${crm.config.region}.amazonaws.com`, 'cloudwatch.amazonaws.com']);
    const logs = statements.find((s) => s.Principal?.Service?.startsWith('logs.'))!;
    expect(JSON.stringify(logs.Condition.ArnLike)).toContain('/aws/lambda/crm-dev-*');
  });
});

describe('API', () => {
  let methods: Map<string, Record<string, any>>;
  beforeAll(() => {
    methods = apiMethods(t);
  });

  it('exposes exactly the routes of the route list, and no /dev route', () => {
    // Besides each route resource's ANY, which only ever answers 405 (method-not-allowed.test.ts).
    const declared = [...methods.keys()].filter((k) => !k.startsWith('ANY '));
    expect(declared.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const localOnly = Object.values(LOCAL_ROUTES).map((r) => `${r.method} ${r.path}`);
    expect([...methods.keys()].filter((k) => k.includes(DEV_PREFIX) || localOnly.includes(k))).toEqual([]);
  });

  it('deploys every route the Lambda router defines, with the same auth and body', () => {
    for (const route of ROUTES) {
      const m = methods.get(`${route.method} ${route.path}`);
      expect(m, `${route.method} ${route.path}`).toBeDefined();
      expect(m!.AuthorizationType === 'COGNITO_USER_POOLS', `${route.method} ${route.path} auth`).toBe(route.auth === 'staff');
    }
    expect(API_ROUTES).toEqual(ROUTES.map(toDeployedRoute));
  });

  it("API Gateway holds one invoke permission per function, for this API's stage only (not one per route)", () => {
    const permissions = resourcesOf(t, 'AWS::Lambda::Permission');
    const byFunction = new Map<string, number>();
    for (const [, p] of permissions) {
      const fn = JSON.stringify(p.Properties?.FunctionName);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
    }
    for (const [fn, count] of byFunction) expect(count, fn).toBe(1);
    const fromApi = permissions.filter(([, p]) => p.Properties?.Principal === 'apigateway.amazonaws.com');
    expect(API_ROUTES.length).toBeGreaterThan(20);
    expect(fromApi).toHaveLength(1);
    const restApiId = crm.stateless.getLogicalId(crm.stateless.api.api.node.defaultChild as never);
    expect(fromApi[0][1].Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId('api'), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Join': [
          '',
          [`arn:aws:execute-api:${crm.config.region}:`, { Ref: 'AWS::AccountId' }, ':', { Ref: restApiId }, `/${crm.config.stage}/*/*`],
        ],
      },
    });
  });

  it('puts the Cognito authorizer on every staff route', () => {
    const authorizer = crm.stateless.getLogicalId(crm.stateless.api.node.findChild('StaffAuthorizer').node.defaultChild as never);
    for (const route of API_ROUTES.filter((r) => r.auth === 'staff')) {
      expect(methods.get(`${route.method} ${route.path}`), route.path).toMatchObject({
        AuthorizationType: 'COGNITO_USER_POOLS',
        AuthorizerId: { Ref: authorizer },
        RequestParameters: expect.objectContaining({ 'method.request.header.Authorization': true }),
      });
    }
  });

  it('puts no gateway authorizer on any portal or public route', () => {
    const open = API_ROUTES.filter((r) => r.auth !== 'staff');
    expect(open.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        '/v1/portal/login',
        '/v1/me',
        '/v1/erasure-receipts/{receiptId}',
        '/portal',
        '/v1/privacy/inventory',
        '/v1/openapi.json',
      ]),
    );
    for (const route of open) {
      const m = methods.get(`${route.method} ${route.path}`)!;
      expect(m.AuthorizationType, route.path).toBe('NONE');
      expect(m.AuthorizerId).toBeUndefined();
    }
  });

  it('validates requests: required path parameters, and JSON bodies must be objects', () => {
    const [[validatorId]] = resourcesOf(t, 'AWS::ApiGateway::RequestValidator');
    t.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    for (const route of API_ROUTES) {
      const m = methods.get(`${route.method} ${route.path}`)!;
      expect(m.RequestValidatorId).toEqual({ Ref: validatorId });
      for (const p of route.path.match(/\{\w+\}/g) ?? []) expect(m.RequestParameters[`method.request.path.${p.slice(1, -1)}`]).toBe(true);
      if (route.jsonBody) expect(m.RequestModels).toEqual({ 'application/json': expect.anything() });
    }
  });

  it('throttles the stage and logs execution errors only, never request data', () => {
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: crm.config.stage,
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: crm.config.apiRateLimit,
          ThrottlingBurstLimit: crm.config.apiBurstLimit,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
    });
  });

  it('access logs are JSON with route, method, status, latency and size only: nothing personal', () => {
    const [[, stage]] = resourcesOf(t, 'AWS::ApiGateway::Stage');
    const format: string = stage.Properties?.AccessLogSetting.Format;
    const line = JSON.parse(format);
    expect(Object.keys(line).sort()).toEqual(['httpMethod', 'latency', 'requestId', 'resourcePath', 'responseLength', 'status']);
    expect(line).toEqual(ACCESS_LOG_FIELDS);
    for (const personal of [
      '$context.identity',
      'sourceIp',
      'userAgent',
      'requestBody',
      '$input',
      'querystring',
      '$context.path',
      'authorizer',
      'caller',
      'user',
    ]) {
      expect(format).not.toContain(personal);
    }
    expect(stage.Properties?.AccessLogSetting.DestinationArn).toBeDefined();
  });

  it("gateway-made errors are problem+json like the Lambda's", () => {
    const responses = resourcesOf(t, 'AWS::ApiGateway::GatewayResponse');
    expect(responses.map(([, r]) => r.Properties?.ResponseType)).toEqual(
      expect.arrayContaining(['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED', 'ACCESS_DENIED', 'THROTTLED', 'WAF_FILTERED']),
    );
    for (const [, r] of responses) {
      expect(r.Properties?.ResponseParameters).toEqual({ 'gatewayresponse.header.Content-Type': "'application/problem+json'" });
      const body = r.Properties?.ResponseTemplates['application/json'] as string;
      const parsed = JSON.parse(body.replace('$context.error.messageString', '"gateway message"'));
      expect(parsed).toMatchObject({
        status: Number(r.Properties?.StatusCode),
        type: expect.stringContaining(parsed.code),
        title: expect.any(String),
      });
    }
    const unknownRoute = responses.find(([, r]) => r.Properties?.ResponseType === 'MISSING_AUTHENTICATION_TOKEN')![1].Properties!;
    expect(unknownRoute.StatusCode).toBe('404');
    expect(JSON.parse(unknownRoute.ResponseTemplates['application/json'])).toMatchObject({
      status: 404,
      code: 'not_found',
      detail: 'There is no such route.',
    });
  });

  it('staff sign in to a Cognito pool with MFA, no self sign-up, threat protection, and one group per role', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      UserPoolTier: 'PLUS',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
    });
    const groups = resourcesOf(t, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties?.GroupName);
    expect(groups.sort()).toEqual([...ROLES].sort());
  });

  it('outputs the API URL, the portal URL, the user pool id and the client id', () => {
    const outputs = t.toJSON().Outputs;
    for (const key of ['ApiUrl', 'PortalUrl', 'UserPoolId', 'UserPoolClientId']) expect(outputs[key], key).toBeDefined();
    expect(JSON.stringify(outputs.PortalUrl.Value)).toContain('/portal');
  });
});

describe('WAF', () => {
  it('is associated with the API stage', () => {
    const [[stageId]] = resourcesOf(t, 'AWS::ApiGateway::Stage');
    const [[aclId]] = resourcesOf(t, 'AWS::WAFv2::WebACL');
    const [[, association]] = resourcesOf(t, 'AWS::WAFv2::WebACLAssociation');
    expect(association.Properties?.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(JSON.stringify(association.Properties?.ResourceArn)).toContain(`{"Ref":"${stageId}"}`);
    expect(JSON.stringify(association.Properties?.ResourceArn)).toContain('/restapis/');
  });

  it('rate-limits sign-in per client IP, and only sign-in', () => {
    const [[, acl]] = resourcesOf(t, 'AWS::WAFv2::WebACL');
    const rule = acl.Properties?.Rules.find((r: any) => r.Statement.RateBasedStatement);
    expect(rule.Action.Block.CustomResponse.ResponseCode).toBe(429);
    const rate = rule.Statement.RateBasedStatement;
    expect(rate).toMatchObject({ AggregateKeyType: 'IP', Limit: crm.config.signInRateLimit, EvaluationWindowSec: 300 });
    const pattern = new RegExp(rate.ScopeDownStatement.RegexMatchStatement.RegexString);
    expect(rate.ScopeDownStatement.RegexMatchStatement.RegexString).toBe(signInPathPattern(SIGN_IN_PATHS));
    for (const path of ['/dev/v1/portal/login', '/prod/v1/portal/verify', '/v1/portal/login', '/dev/v1/portal/login/'])
      expect(path).toMatch(pattern);
    for (const path of ['/dev/v1/portal/logout', '/dev/v1/customers', '/dev/v1/me', '/dev/v1/portal/login/extra', '/dev/portal'])
      expect(path).not.toMatch(pattern);
  });

  it("blocks bodies above the API's limit before they reach the function", () => {
    const [[, acl]] = resourcesOf(t, 'AWS::WAFv2::WebACL');
    const rule = acl.Properties?.Rules.find((r: any) => r.Statement.SizeConstraintStatement);
    expect(rule.Action.Block.CustomResponse.ResponseCode).toBe(413);
    expect(rule.Statement.SizeConstraintStatement).toMatchObject({
      ComparisonOperator: 'GT',
      FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
    });
    const inspected = acl.Properties?.AssociationConfig?.RequestBody?.API_GATEWAY?.DefaultSizeInspectionLimit ?? 'KB_16';
    expect(Number(inspected.slice(3)) * 1024).toBeGreaterThanOrEqual(rule.Statement.SizeConstraintStatement.Size);
  });
});
