/**
 * The functions of the stateless stack, each with its trigger, retries, dead-letter queue, tables and
 * keys. Created in the stack's own scope (logical ids do not depend on this file). Every function gets
 * the same settings environment (lib/function-environment.ts); the rest comes with its bindings.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { namePrefix, type CrmConfig } from './config';
import { CrmFunction, type CrmFunctionProps, type CrmTable, type TableAccess } from './constructs/crm-function';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import type { OpsAlarms } from './constructs/ops-alarms';
import { FUNCTION_TABLES, type TableGrants } from './function-access';
import { FUNCTION_KEYS, functionName } from './function-roles';
import { settingsEnvironment } from './function-environment';
import type { AwsTableId } from './stateful-stack';

/** What the stateless stack needs from the stateful one. */
export interface StatefulResources {
  readonly tables: Readonly<Record<AwsTableId, CrmTable>>;
  readonly dataKey: IKey;
  readonly macKey: IKey;
}

export type FunctionName = keyof typeof FUNCTION_TABLES;
export type CrmFunctions = Readonly<Record<FunctionName, CrmFunction>>;

export interface FunctionsProps {
  config: CrmConfig;
  stateful: StatefulResources;
  alarms: OpsAlarms;
  logKey: IKey;
}

function bindTables(fn: CrmFunction, grants: TableGrants, stateful: StatefulResources): void {
  for (const [id, access] of Object.entries(grants) as [AwsTableId, TableAccess][]) fn.bindTable({ table: stateful.tables[id], access });
}

export function createFunctions(stack: Stack, props: FunctionsProps): CrmFunctions {
  const { config, stateful, alarms } = props;
  const prefix = namePrefix(config);
  const make = (id: string, name: FunctionName, p: Omit<CrmFunctionProps, 'logRetention' | 'logKey' | 'environment'>): CrmFunction => {
    const fn = new CrmFunction(stack, id, {
      ...p,
      logRetention: config.logRetentionDays,
      logKey: props.logKey,
      environment: settingsEnvironment(config),
    });
    bindTables(fn, FUNCTION_TABLES[name], stateful);
    // The direct key use FUNCTION_KEYS gives it: the same list the stateful stack's key policies admit.
    const keys = FUNCTION_KEYS[name];
    if (keys.data) fn.bindKey({ key: stateful.dataKey, use: keys.data });
    if (keys.mac) fn.bindKey({ key: stateful.macKey, use: keys.mac });
    return fn;
  };
  const dlq = (id: string, queueName: string, purpose: string, deadLetterOf: 'function' | 'event-source-mapping') =>
    new DeadLetterQueue(stack, id, { queueName: `${prefix}${queueName}`, purpose, alarms, deadLetterOf }).queue;

  const erasure = make('Erasure', 'erasure', {
    entry: 'lambdas/handlers/erasure.ts',
    functionName: functionName(prefix, 'erasure'),
    description: 'Runs a scheduled erasure: deletes the customer rows and shreds the customer key (idempotent).',
    timeout: Duration.minutes(2),
    deadLetterQueue: dlq('ErasureDeadLetters', 'erasure-dlq', 'erasures that failed after every retry', 'function'),
    retryAttempts: 2,
  });

  const streamPurpose = 'TTL expiry cascades that failed after every retry (records of stream positions)';
  const streamDlq = dlq('StreamDeadLetters', 'ttl-stream-dlq', streamPurpose, 'event-source-mapping');
  const stream = make('TtlStream', 'stream', {
    entry: 'lambdas/handlers/stream.ts',
    functionName: functionName(prefix, 'stream'),
    description: 'Cascades a TTL expiry of a customer row: the same deletions and key shredding as an erasure.',
    timeout: Duration.minutes(2),
    noDeadLetterQueueBecause:
      'Invoked synchronously by its DynamoDB stream event source mapping, which sends failed batches to its own encrypted ' +
      'on-failure queue (alarmed).',
  });
  stream.fn.addEventSource(
    new DynamoEventSource(stateful.tables.customers.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 10,
      bisectBatchOnError: true,
      retryAttempts: 10,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(streamDlq),
      // Only deletions made by TTL; an erasure deletes rows itself and runs its own cascade.
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('REMOVE'),
          userIdentity: { type: FilterRule.isEqual('Service'), principalId: FilterRule.isEqual('dynamodb.amazonaws.com') },
        }),
      ],
    }),
  );

  const remindersDlq = dlq('RemindersDeadLetters', 'reminders-dlq', 'daily reminder runs that failed after every retry', 'function');
  const reminders = make('Reminders', 'reminders', {
    entry: 'lambdas/handlers/reminders.ts',
    functionName: functionName(prefix, 'reminders'),
    description: 'Daily: reminds customers before retention expiry and before communications consent lapses, once each.',
    timeout: Duration.minutes(10),
    deadLetterQueue: remindersDlq,
    retryAttempts: 2,
  });
  new Rule(stack, 'DailyReminders', {
    description: 'Runs the reminders function once a day',
    schedule: Schedule.cron({ minute: '0', hour: '8' }),
    targets: [new LambdaFunction(reminders.fn, { retryAttempts: 2, maxEventAge: Duration.hours(6), deadLetterQueue: remindersDlq })],
  });

  const reconcilePurpose = 'daily erasure-schedule reconcile runs that failed after every retry';
  const reconcileDlq = dlq('ReconcileDeadLetters', 'erasure-reconcile-dlq', reconcilePurpose, 'function');
  const reconcile = make('ErasureReconcile', 'reconcile', {
    entry: 'lambdas/handlers/reconcile.ts',
    functionName: functionName(prefix, 'reconcile'),
    description: 'Daily: re-creates the missing schedule of every open erasure request (receipts are the ledger).',
    timeout: Duration.minutes(5),
    deadLetterQueue: reconcileDlq,
    retryAttempts: 2,
  });
  new Rule(stack, 'DailyErasureReconcile', {
    description: 'Runs the erasure-schedule reconcile once a day',
    schedule: Schedule.cron({ minute: '30', hour: '3' }),
    targets: [new LambdaFunction(reconcile.fn, { retryAttempts: 2, maxEventAge: Duration.hours(6), deadLetterQueue: reconcileDlq })],
  });

  const api = make('Api', 'api', {
    entry: 'lambdas/handlers/api.ts',
    functionName: functionName(prefix, 'api'),
    description: 'Staff API, customer portal and public privacy endpoints behind API Gateway.',
    memorySize: 1024,
    timeout: Duration.seconds(25),
    noDeadLetterQueueBecause:
      'Invoked synchronously by API Gateway; a failure is answered to the caller as problem+json, there is no event to keep.',
  });

  // Run by an operator (npm run rebuild-index / rewrap-keys in AWS): rotates the beacon or the branch keys.
  const keys = make('KeyMaintenance', 'keys', {
    entry: 'lambdas/handlers/key-maintenance.ts',
    functionName: functionName(prefix, 'keys'),
    description: 'Operator-invoked: rotates the beacon key (index rebuild) or the branch keys (re-wrap), in scan segments.',
    memorySize: 1024,
    timeout: Duration.minutes(15),
    noDeadLetterQueueBecause: 'Invoked synchronously by an operator, who sees the result or the error; a failed step is run again.',
  });

  return { api, erasure, stream, reminders, reconcile, keys };
}
