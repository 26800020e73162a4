/**
 * Everything that runs: the six functions (one of them for operators), the API in front of the staff API and the portal, the
 * erasure scheduler, notifications, staff sign-in and the alarms. It holds no data of its own; it
 * receives the tables and keys of the stateful stack as typed props.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { MAX_BODY_BYTES } from '../lambdas/http/middleware';
import { API_ROUTES, SIGN_IN_PATHS, type DeployedRoute } from './api-routes';
import { namePrefix, type CrmConfig } from './config';
import { CrmApi } from './constructs/crm-api';
import { ErasureScheduler } from './constructs/erasure-scheduler';
import { Notifications } from './constructs/notifications';
import { OpsAlarms } from './constructs/ops-alarms';
import { StaffIdentity } from './constructs/staff-identity';
import { createFunctions, type CrmFunctions, type StatefulResources } from './functions';
import { addMonitoring } from './monitoring';

export { LOGGED_FAILURES } from './monitoring';

export type { StatefulResources } from './functions';

export interface StatelessStackProps extends StackProps {
  config: CrmConfig;
  stateful: StatefulResources;
  /** The deployed route list (defaults to API.md's routes). */
  routes?: readonly DeployedRoute[];
}

export class StatelessStack extends Stack {
  readonly functions: CrmFunctions;
  readonly api: CrmApi;
  readonly staff: StaffIdentity;
  readonly scheduler: ErasureScheduler;
  readonly alarms: OpsAlarms;
  readonly opsKey: Key;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const prefix = namePrefix(config);

    this.opsKey = this.operationsKey(prefix);
    this.alarms = new OpsAlarms(this, 'Alarms', { topicName: `${prefix}alarms`, key: this.opsKey, email: config.alarmEmail });

    const functions = createFunctions(this, { config, stateful, alarms: this.alarms, logKey: this.opsKey });
    const { api, erasure, reminders, reconcile } = functions;

    this.scheduler = new ErasureScheduler(this, 'ErasureScheduler', {
      groupName: `${prefix}erasures`,
      dlqName: `${prefix}erasure-schedules-dlq`,
      erasure,
      graceDays: config.erasureGraceDays,
      alarms: this.alarms,
    });
    this.scheduler.bindTo(api);
    this.scheduler.bindTo(reconcile, { lookUp: true });

    const notifications = new Notifications(this, 'Notifications', {
      senderEmail: config.senderEmail,
      createIdentity: config.createSenderIdentity,
      configurationSetName: `${prefix}mail`,
      alarms: this.alarms,
    });
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
      apiRateLimitPerIp: config.apiRateLimitPerIp,
      staffOrigins: config.staffOrigins,
      maxBodyBytes: MAX_BODY_BYTES,
    });

    this.functions = functions;
    this.dashboard = addMonitoring(this, { config, alarms: this.alarms, functions, api: this.api, notifications });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the API stage' });
    new CfnOutput(this, 'PortalUrl', { value: `${this.api.url}portal`, description: 'The customer portal' });
    new CfnOutput(this, 'UserPoolId', { value: this.staff.userPool.userPoolId, description: 'Staff user pool (create staff users here)' });
    // After a restore: `npm run reapply-erasures -- --prefix restored-<prefix> <this>` (README, restore).
    new CfnOutput(this, 'ReapplyErasuresArgs', {
      description: 'Arguments of npm run reapply-erasures for this deployment (add --prefix of the restored tables)',
      value: [
        '--aws',
        `--kms-key-id ${stateful.dataKey.keyArn}`,
        `--ledger-prefix ${prefix}`,
        `--scheduler-group ${this.scheduler.group.ref}`,
        `--scheduler-role-arn ${this.scheduler.role.roleArn}`,
        `--scheduler-dlq-arn ${this.scheduler.dlq.queue.queueArn}`,
        `--erasure-function-arn ${erasure.functionArn}`,
      ].join(' '),
    });
    new CfnOutput(this, 'KeyMaintenanceFunction', {
      value: functions.keys.fn.functionName,
      description: 'Invoke with {"job":"rebuild-index"} or {"job":"rewrap-keys"} (docs/ARCHITECTURE.md, Key hierarchy)',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.staff.client.userPoolClientId,
      description: 'App client for the staff tool (SRP sign-in)',
    });
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
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
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
