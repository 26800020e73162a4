/**
 * Where failures go: one KMS-encrypted SNS topic (optionally e-mailed) and the alarms that feed it.
 * Alarm helpers exist for each failure path so every one is wired the same way, with an action.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OpsAlarmsProps {
  topicName: string;
  /** Encrypts the topic; its key policy must let CloudWatch use it. */
  key: IKey;
  email?: string;
}

export class OpsAlarms extends Construct {
  readonly topic: Topic;
  /** Every alarm made here (the dashboard shows their state). */
  readonly all: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: 'privacy-crm alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    // Without this Allow, CloudWatch's publish is denied and no alarm reaches anyone. Confused-deputy
    // guard: only alarms of this account (in this region) may publish.
    const stack = Stack.of(this);
    const alarmArns = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': alarmArns },
        },
      }),
    );
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);
  }

  /** Any message in a dead-letter queue is a failure nobody has handled yet. */
  onDeadLetters(id: string, queue: IQueue, what: string): Alarm {
    return this.add(id, queue.metric('ApproximateNumberOfMessagesVisible', { statistic: 'Maximum', period: Duration.minutes(1) }), {
      description: `${what}: messages are waiting in the dead-letter queue. Inspect, fix the cause, then redrive.`,
      threshold: 0,
    });
  }

  onErrors(id: string, fn: IFunction, what: string): Alarm {
    return this.add(id, fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }), {
      description: `${what}: the function failed at least once in 5 minutes (it retries; a dead-letter alarm follows if it gives up).`,
      threshold: 0,
    });
  }

  /** A stream handler that falls behind risks records expiring from the stream (24 h). */
  onIteratorAge(id: string, fn: IFunction, what: string, maxAge: Duration): Alarm {
    return this.add(id, fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }), {
      description: `${what}: the oldest unprocessed stream record is older than ${maxAge.toHumanString()}.`,
      threshold: maxAge.toMilliseconds(),
    });
  }

  /**
   * A failure the code survives and only logs (a JSON log line whose `message` is `message`): counted by
   * a metric filter on the function's log group, alarmed on the first one. The metric is published only
   * when a line matches, so a quiet function costs nothing.
   */
  onLogMessage(id: string, logGroup: ILogGroup, message: string, opts: { namespace: string; description: string }): Alarm {
    const filter = new MetricFilter(this, `${id}Filter`, {
      logGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', message),
      metricNamespace: opts.namespace,
      metricName: id,
      metricValue: '1',
    });
    return this.add(id, filter.metric({ statistic: 'Sum', period: Duration.minutes(5) }), {
      description: `${opts.description} (log message "${message}" at least once in 5 minutes).`,
      threshold: 0,
    });
  }

  add(id: string, metric: IMetric, opts: { description: string; threshold: number; evaluationPeriods?: number }): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: opts.description,
      threshold: opts.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: opts.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.all.push(alarm);
    return alarm;
  }
}
