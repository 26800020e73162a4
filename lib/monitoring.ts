/**
 * What a human is told, and what they look at: the alarms on the functions, the API and the tables
 * (all to the alarm topic), and one CloudWatch dashboard with the same signals plus the business events
 * the functions count (EMF, lambdas/adapters/metrics.ts). Dead-letter and SES alarms are made next to
 * their queues and configuration set.
 */
import { Duration, type Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { BUSINESS_EVENTS, METRICS_NAMESPACE } from '../lambdas/core/shared/metrics';
import { AWS_TABLES, physicalName, type TableId } from '../lambdas/core/policy/tables';
import { namePrefix, type CrmConfig } from './config';
import type { CrmApi } from './constructs/crm-api';
import type { Notifications } from './constructs/notifications';
import type { OpsAlarms } from './constructs/ops-alarms';
import type { CrmFunctions, FunctionName } from './functions';

/**
 * Failures the code survives and only logs (Powertools JSON, the text in `message`); each is alarmed
 * on the log groups of the functions whose code paths log it. The texts are those in lambdas/core.
 */
export const LOGGED_FAILURES = {
  SignInCodeNotDelivered: {
    message: 'sign-in code not delivered',
    functions: ['api'],
    what: 'Portal sign-in: a one-time code could not be sent',
  },
  SignInTimeBudgetExceeded: {
    message: 'sign-in time budget exceeded',
    functions: ['api'],
    what: 'Portal sign-in: a login took longer than its time budget',
  },
  NoticeNotSent: {
    message: 'notice not sent',
    functions: ['api', 'reminders', 'erasure'],
    what: 'A notice to a customer could not be sent',
  },
  ErasureScheduleRecreated: {
    message: 'erasure schedule re-created',
    functions: ['reconcile'],
    what: 'An open erasure request had lost its schedule (re-created); find out what deleted it',
  },
} as const satisfies Record<string, { message: string; functions: readonly FunctionName[]; what: string }>;

/** Alarm levels, in one place. */
export const ALARM_LEVELS = {
  /** Per cent of API requests answered 5xx in 5 minutes, once at least `minRequests` came in. */
  api5xxPercent: 1,
  api5xxMinRequests: 10,
  /** API p99 latency, three 5-minute periods in a row. */
  apiP99Ms: 3_000,
} as const;

const FIVE_MINUTES = Duration.minutes(5);

export interface MonitoringProps {
  config: CrmConfig;
  alarms: OpsAlarms;
  functions: CrmFunctions;
  api: CrmApi;
  notifications: Notifications;
}

/** Sum of one metric over several resources, as one alarmable expression (at most 10 metrics). */
function total(id: string, label: string, metrics: IMetric[]): MathExpression {
  // Ids are unique per expression: two expressions may share a graph.
  const usingMetrics = Object.fromEntries(metrics.map((m, i) => [`${id}${i}`, m]));
  return new MathExpression({ expression: `SUM([${Object.keys(usingMetrics).join(',')}])`, usingMetrics, label, period: FIVE_MINUTES });
}

export function addMonitoring(stack: Stack, props: MonitoringProps): Dashboard {
  const { alarms, functions, config } = props;
  const prefix = namePrefix(config);
  const api = props.api.api;

  alarms.onErrors('ErasureErrors', functions.erasure.fn, 'Erasure function');
  alarms.onErrors('StreamErrors', functions.stream.fn, 'TTL-stream cascade');
  alarms.onIteratorAge('StreamIteratorAge', functions.stream.fn, 'TTL-stream cascade', Duration.hours(1));
  alarms.onErrors('ReminderErrors', functions.reminders.fn, 'Daily reminders');
  alarms.onErrors('ReconcileErrors', functions.reconcile.fn, 'Daily erasure-schedule reconcile');
  alarms.onErrors('KeyMaintenanceErrors', functions.keys.fn, 'Key maintenance (operator-invoked)');
  for (const [name, failure] of Object.entries(LOGGED_FAILURES)) {
    for (const fn of failure.functions) {
      const tag = fn.charAt(0).toUpperCase() + fn.slice(1);
      alarms.onLogMessage(`${tag}${name}`, functions[fn].logGroup, failure.message, {
        namespace: `PrivacyCrm/${prefix}${fn}`,
        description: `${failure.what} (${fn} function)`,
      });
    }
  }

  const fns = Object.entries(functions) as [FunctionName, CrmFunctions[FunctionName]][];
  const fnThrottles = fns.map(([, f]) => f.fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }));
  const throttles = total('throttles', 'Lambda throttles, all functions', fnThrottles);
  alarms.add('LambdaThrottles', throttles, {
    description: 'Lambda: an invocation was throttled (account or function concurrency exhausted). See the dashboard for which function.',
    threshold: 0,
  });

  const requests = api.metricCount({ statistic: 'Sum', period: FIVE_MINUTES });
  const serverErrors = api.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES });
  const errorRate = new MathExpression({
    expression: `IF(requests >= ${ALARM_LEVELS.api5xxMinRequests}, 100 * errors / requests, 0)`,
    usingMetrics: { requests, errors: serverErrors },
    label: 'API 5xx (% of requests)',
    period: FIVE_MINUTES,
  });
  alarms.add('ApiServerErrorRate', errorRate, {
    description:
      `API: more than ${ALARM_LEVELS.api5xxPercent} % of requests answered 5xx in 5 minutes ` +
      `(at least ${ALARM_LEVELS.api5xxMinRequests} requests).`,
    threshold: ALARM_LEVELS.api5xxPercent,
  });
  const p99 = api.metricLatency({ statistic: 'p99', period: FIVE_MINUTES });
  alarms.add('ApiLatencyP99', p99, {
    description: `API: p99 latency above ${ALARM_LEVELS.apiP99Ms} ms for 15 minutes.`,
    threshold: ALARM_LEVELS.apiP99Ms,
    evaluationPeriods: 3,
  });

  const tableMetric = (metricName: string, id: TableId) =>
    new Metric({
      namespace: 'AWS/DynamoDB',
      metricName,
      dimensionsMap: { TableName: physicalName(prefix, id) },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
  // An alarm's math may hold 10 metrics. key-store is read once per instance per cache period (branch and
  // beacon keys); a throttle there shows as API errors and latency, which alarm on their own.
  const tables = AWS_TABLES.map((t) => t.name as TableId).filter((id) => id !== 'key-store');
  const readThrottles = total(
    'reads',
    'DynamoDB read throttle events',
    tables.map((id) => tableMetric('ReadThrottleEvents', id)),
  );
  const writeThrottles = total(
    'writes',
    'DynamoDB write throttle events',
    tables.map((id) => tableMetric('WriteThrottleEvents', id)),
  );
  alarms.add('DynamoReadThrottles', readThrottles, {
    description: 'DynamoDB: a read was throttled on a table of this deployment.',
    threshold: 0,
  });
  alarms.add('DynamoWriteThrottles', writeThrottles, {
    description: 'DynamoDB: a write was throttled on a table of this deployment.',
    threshold: 0,
  });

  const business = (event: string) =>
    new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: event,
      dimensionsMap: { service: `crm-${config.stage}` },
      statistic: 'Sum',
      period: Duration.hours(1),
    });
  const perFunction = (label: string, metric: (f: CrmFunctions[FunctionName]) => IMetric) =>
    new GraphWidget({ title: label, width: 8, left: fns.map(([, f]) => metric(f)) });

  const widgets: IWidget[][] = [
    [
      new TextWidget({
        markdown: `# privacy-crm ${config.stage}\nAlarms go to the alarm topic; a business event counts what happened, never who.`,
        width: 24,
        height: 2,
      }),
    ],
    [
      new GraphWidget({ title: 'API requests and 5xx', width: 8, left: [requests, serverErrors], right: [errorRate] }),
      new GraphWidget({
        title: 'API latency p50 / p99 (ms)',
        width: 8,
        left: [api.metricLatency({ statistic: 'p50', period: FIVE_MINUTES }), p99],
      }),
      new GraphWidget({ title: 'DynamoDB throttle events', width: 8, left: [readThrottles, writeThrottles] }),
    ],
    [
      perFunction('Lambda errors', (f) => f.fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES })),
      perFunction('Lambda throttles', (f) => f.fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES })),
      perFunction('Lambda duration p99 (ms)', (f) => f.fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES })),
    ],
    [
      new GraphWidget({
        title: 'E-mail: sends, bounces, complaints',
        width: 12,
        left: (['Send', 'Bounce', 'Complaint', 'Reject'] as const).map((e) => props.notifications.metric(e)),
        right: [props.notifications.rate('Bounce'), props.notifications.rate('Complaint')],
      }),
      new GraphWidget({ title: 'Business events (per hour)', width: 12, left: BUSINESS_EVENTS.map(business) }),
    ],
    [new AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: alarms.all })],
  ];
  return new Dashboard(stack, 'Dashboard', { dashboardName: `${prefix}operations`, widgets });
}
