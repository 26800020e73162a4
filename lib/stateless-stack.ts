/**
 * Everything that runs: the five functions (four serving, one for operators), the API in front of the staff API and the portal, the
 * erasure scheduler, notifications, staff sign-in and the alarms. It holds no data of its own; it
 * receives the tables and keys of the stateful stack as typed props.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/config';
import { MAX_BODY_BYTES } from '../lambdas/http/middleware';
import { API_ROUTES, SIGN_IN_PATHS, type DeployedRoute } from './api-routes';
import { namePrefix, type CrmConfig } from './config';
import { CrmApi } from './constructs/crm-api';
import { CrmFunction, type CrmTable, type TableAccess } from './constructs/crm-function';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { ErasureScheduler } from './constructs/erasure-scheduler';
import { Notifications } from './constructs/notifications';
import { OpsAlarms } from './constructs/ops-alarms';
import { StaffIdentity } from './constructs/staff-identity';
import { FUNCTION_TABLES, type TableGrants } from './function-access';
import { FUNCTION_KEYS, functionName, type FunctionId } from './function-roles';
import type { AwsTableId } from './stateful-stack';

/**
 * Carries per-category retention overrides (JSON, category id → days) to the functions that compute
 * TTLs. Not yet in lambdas/config.ts ENV; it belongs there next to the other names.
 */
export const RETENTION_DAYS_ENV = ENV.retentionDays;

/**
 * Failures the code survives and only logs (Powertools JSON, the text in `message`); each is alarmed
 * on the log groups of the functions whose code paths log it. The texts are those in lambdas/core.
 */
export const LOGGED_FAILURES = {
  SignInCodeNotDelivered: { message: 'sign-in code not delivered', functions: ['api'], what: 'Portal sign-in: a one-time code could not be sent' },
  SignInTimeBudgetExceeded: { message: 'sign-in time budget exceeded', functions: ['api'], what: 'Portal sign-in: a login took longer than its time budget' },
  NoticeNotSent: { message: 'notice not sent', functions: ['api', 'reminders', 'erasure'], what: 'A notice to a customer could not be sent' },
} as const satisfies Record<string, { message: string; functions: readonly ('api' | 'erasure' | 'stream' | 'reminders')[]; what: string }>;

/** What the stateless stack needs from the stateful one. */
export interface StatefulResources {
  readonly tables: Readonly<Record<AwsTableId, CrmTable>>;
  readonly dataKey: IKey;
  readonly macKey: IKey;
}

export interface StatelessStackProps extends StackProps {
  config: CrmConfig;
  stateful: StatefulResources;
  /** The deployed route list (defaults to API.md's routes). */
  routes?: readonly DeployedRoute[];
}

export class StatelessStack extends Stack {
  readonly functions: Readonly<Record<FunctionId, CrmFunction>>;
  readonly api: CrmApi;
  readonly staff: StaffIdentity;
  readonly scheduler: ErasureScheduler;
  readonly alarms: OpsAlarms;
  readonly opsKey: Key;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const prefix = namePrefix(config);

    this.opsKey = this.operationsKey(prefix);
    this.alarms = new OpsAlarms(this, 'Alarms', { topicName: `${prefix}alarms`, key: this.opsKey, email: config.alarmEmail });

    const common = {
      logRetention: config.logRetentionDays,
      logKey: this.opsKey,
      environment: { [ENV.stage]: config.stage },
    };
    const retention: Record<string, string> =
      Object.keys(config.retentionDays).length > 0 ? { [RETENTION_DAYS_ENV]: JSON.stringify(config.retentionDays) } : {};
    const phone: Record<string, string> = config.defaultPhoneRegion ? { [ENV.defaultPhoneRegion]: config.defaultPhoneRegion } : {};
    const branches: Record<string, string> = { [ENV.branchKeys]: String(config.branchKeys) }; // for those that make customer keys

    const erasureDlq = new DeadLetterQueue(this, 'ErasureDeadLetters', {
      queueName: `${prefix}erasure-dlq`,
      purpose: 'erasures that failed after every retry',
      alarms: this.alarms,
      deadLetterOf: 'function',
    });
    const erasure = new CrmFunction(this, 'Erasure', {
      ...common,
      entry: 'lambdas/handlers/erasure.ts',
      functionName: functionName(prefix, 'erasure'),
      description: 'Runs a scheduled erasure: deletes the customer rows and shreds the customer key (idempotent).',
      timeout: Duration.minutes(2),
      deadLetterQueue: erasureDlq.queue,
      retryAttempts: 2,
    });
    this.bindTables(erasure, FUNCTION_TABLES.erasure, stateful);
    this.bindKeys(erasure, 'erasure', stateful);

    const streamDlq = new DeadLetterQueue(this, 'StreamDeadLetters', {
      queueName: `${prefix}ttl-stream-dlq`,
      purpose: 'TTL expiry cascades that failed after every retry (records of stream positions)',
      alarms: this.alarms,
      deadLetterOf: 'event-source-mapping',
    });
    const stream = new CrmFunction(this, 'TtlStream', {
      ...common,
      entry: 'lambdas/handlers/stream.ts',
      functionName: functionName(prefix, 'stream'),
      description: 'Cascades a TTL expiry of a customer row: the same deletions and key shredding as an erasure.',
      timeout: Duration.minutes(2),
      noDeadLetterQueueBecause:
        'Invoked synchronously by its DynamoDB stream event source mapping, which sends failed batches to its own encrypted on-failure queue (alarmed).',
    });
    this.bindTables(stream, FUNCTION_TABLES.stream, stateful);
    this.bindKeys(stream, 'stream', stateful);
    stream.fn.addEventSource(
      new DynamoEventSource(stateful.tables.customers.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        retryAttempts: 10,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(streamDlq.queue),
        // Only deletions made by TTL; an erasure deletes rows itself and runs its own cascade.
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('REMOVE'),
            userIdentity: { type: FilterRule.isEqual('Service'), principalId: FilterRule.isEqual('dynamodb.amazonaws.com') },
          }),
        ],
      }),
    );

    const remindersDlq = new DeadLetterQueue(this, 'RemindersDeadLetters', {
      queueName: `${prefix}reminders-dlq`,
      purpose: 'daily reminder runs that failed after every retry',
      alarms: this.alarms,
      deadLetterOf: 'function',
    });
    const reminders = new CrmFunction(this, 'Reminders', {
      ...common,
      environment: { ...common.environment, ...retention },
      entry: 'lambdas/handlers/reminders.ts',
      functionName: functionName(prefix, 'reminders'),
      description: 'Daily: reminds customers before retention expiry and before communications consent lapses, once each.',
      timeout: Duration.minutes(10),
      deadLetterQueue: remindersDlq.queue,
      retryAttempts: 2,
    });
    this.bindTables(reminders, FUNCTION_TABLES.reminders, stateful);
    this.bindKeys(reminders, 'reminders', stateful);
    new Rule(this, 'DailyReminders', {
      description: 'Runs the reminders function once a day',
      schedule: Schedule.cron({ minute: '0', hour: '8' }),
      targets: [new LambdaFunction(reminders.fn, { retryAttempts: 2, maxEventAge: Duration.hours(6), deadLetterQueue: remindersDlq.queue })],
    });

    const api = new CrmFunction(this, 'Api', {
      ...common,
      environment: { ...common.environment, ...retention, ...phone, ...branches },
      entry: 'lambdas/handlers/api.ts',
      functionName: functionName(prefix, 'api'),
      description: 'Staff API, customer portal and public privacy endpoints behind API Gateway.',
      memorySize: 1024,
      timeout: Duration.seconds(25),
      noDeadLetterQueueBecause: 'Invoked synchronously by API Gateway; a failure is answered to the caller as problem+json, there is no event to keep.',
    });
    this.bindTables(api, FUNCTION_TABLES.api, stateful);
    this.bindKeys(api, 'api', stateful);

    const keys = new CrmFunction(this, 'KeyMaintenance', {
      ...common,
      environment: { ...common.environment, ...branches },
      entry: 'lambdas/handlers/key-maintenance.ts',
      functionName: functionName(prefix, 'keys'),
      description: 'Operator-invoked: rotates the beacon key (index rebuild) or the branch keys (re-wrap), in scan segments.',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      noDeadLetterQueueBecause: 'Invoked synchronously by an operator, who sees the result or the error; a failed step is run again.',
    });
    this.bindTables(keys, FUNCTION_TABLES.keys, stateful);
    this.bindKeys(keys, 'keys', stateful);

    this.scheduler = new ErasureScheduler(this, 'ErasureScheduler', {
      groupName: `${prefix}erasures`,
      dlqName: `${prefix}erasure-schedules-dlq`,
      erasure,
      graceDays: config.erasureGraceDays,
      alarms: this.alarms,
    });
    this.scheduler.bindTo(api);

    const notifications = new Notifications(this, 'Notifications', { senderEmail: config.senderEmail });
    notifications.bindTo(api);
    notifications.bindTo(reminders);
    // The erasure tells the customer it is happening, just before the contact is destroyed.
    notifications.bindTo(erasure);

    this.staff = new StaffIdentity(this, 'Staff', { userPoolName: `${prefix}staff` });

    this.api = new CrmApi(this, 'Api-Gateway', {
      restApiName: `${prefix}api`,
      stageName: config.stage,
      handler: api,
      staff: this.staff,
      routes: props.routes ?? API_ROUTES,
      logRetention: config.logRetentionDays,
      logKey: this.opsKey,
      rateLimit: config.apiRateLimit,
      burstLimit: config.apiBurstLimit,
      signInPaths: SIGN_IN_PATHS,
      signInRateLimit: config.signInRateLimit,
      maxBodyBytes: MAX_BODY_BYTES,
    });

    this.alarms.onErrors('ErasureErrors', erasure.fn, 'Erasure function');
    this.alarms.onErrors('StreamErrors', stream.fn, 'TTL-stream cascade');
    this.alarms.onIteratorAge('StreamIteratorAge', stream.fn, 'TTL-stream cascade', Duration.hours(1));
    this.alarms.onErrors('ReminderErrors', reminders.fn, 'Daily reminders');
    this.alarms.onErrors('KeyMaintenanceErrors', keys.fn, 'Key maintenance (operator-invoked)');
    this.alarms.add('ApiServerErrors', this.api.api.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) }), {
      description: 'API: more than 5 server errors (5xx) in 5 minutes.',
      threshold: 5,
    });

    this.functions = { api, erasure, stream, reminders, keys };
    for (const [name, failure] of Object.entries(LOGGED_FAILURES)) {
      for (const fn of failure.functions) {
        const tag = fn.charAt(0).toUpperCase() + fn.slice(1);
        this.alarms.onLogMessage(`${tag}${name}`, this.functions[fn].logGroup, failure.message, {
          namespace: `PrivacyCrm/${prefix}${fn}`,
          description: `${failure.what} (${fn} function)`,
        });
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the API stage' });
    new CfnOutput(this, 'PortalUrl', { value: `${this.api.url}portal`, description: 'The customer portal' });
    new CfnOutput(this, 'UserPoolId', { value: this.staff.userPool.userPoolId, description: 'Staff user pool (create staff users here)' });
    new CfnOutput(this, 'KeyMaintenanceFunction', { value: keys.fn.functionName, description: 'rebuild-index, rewrap-keys (docs/ARCHITECTURE.md)' });
    new CfnOutput(this, 'UserPoolClientId', { value: this.staff.client.userPoolClientId, description: 'App client for the staff tool (SRP sign-in)' });
  }

  private bindTables(fn: CrmFunction, grants: TableGrants, stateful: StatefulResources): void {
    for (const [id, access] of Object.entries(grants) as [AwsTableId, TableAccess][]) {
      fn.bindTable({ table: stateful.tables[id], access });
    }
  }

  /** The direct key use FUNCTION_KEYS gives `id`: the same list the stateful stack's key policies admit. */
  private bindKeys(fn: CrmFunction, id: FunctionId, stateful: StatefulResources): void {
    const uses = FUNCTION_KEYS[id];
    if (uses.data) fn.bindKey({ key: stateful.dataKey, use: uses.data });
    if (uses.mac) fn.bindKey({ key: stateful.macKey, use: uses.mac });
  }

  /** Encrypts log groups and the alarm topic; its policy admits exactly those two services. */
  private operationsKey(prefix: string): Key {
    const key = new Key(this, 'OpsKey', {
      alias: `alias/${prefix}ops`,
      description: 'privacy-crm: encrypts log groups and the alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    const logGroupArn = (name: string) => `arn:${Aws.PARTITION}:logs:${this.region}:${Aws.ACCOUNT_ID}:log-group:${name}`;
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchLogsForThisDeployment',
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': [
              logGroupArn(`/aws/lambda/${prefix}*`),
              logGroupArn(`/aws/apigateway/${prefix}*`),
              logGroupArn('API-Gateway-Execution-Logs_*'),
            ],
          },
        },
      }),
    );
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    return key;
  }
}
