/**
 * What the API needs to schedule an erasure `grace` days ahead: a schedule group of its own, the role
 * EventBridge Scheduler assumes (it may only invoke the erasure function and dead-letter into its
 * queue), and that encrypted dead-letter queue. `bindTo` hands all of it to a function in one call.
 */
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config';
import { acknowledge } from './acknowledge';
import type { CrmFunction } from './crm-function';
import { DeadLetterQueue } from './dead-letter-queue';
import { ManagedPolicyRole } from './managed-policy-role';
import type { OpsAlarms } from './ops-alarms';

export interface ErasureSchedulerProps {
  groupName: string;
  dlqName: string;
  /** The function every schedule in the group targets. */
  erasure: CrmFunction;
  graceDays: number;
  alarms: OpsAlarms;
}

export class ErasureScheduler extends Construct {
  readonly group: CfnScheduleGroup;
  readonly role: ManagedPolicyRole;
  readonly dlq: DeadLetterQueue;
  private readonly erasure: CrmFunction;
  private readonly graceDays: number;

  constructor(scope: Construct, id: string, props: ErasureSchedulerProps) {
    super(scope, id);
    this.erasure = props.erasure;
    this.graceDays = props.graceDays;

    this.group = new CfnScheduleGroup(this, 'Group', { name: props.groupName });
    // Deleting the group deletes every pending erasure in it: a destroy or a logical-id change must not.
    // (The daily reconcile re-creates missing schedules from the receipts, but only of a group that exists.)
    this.group.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.dlq = new DeadLetterQueue(this, 'DeadLetters', {
      queueName: props.dlqName,
      purpose: 'erasure schedules that could not invoke the erasure function',
      alarms: props.alarms,
      deadLetterOf: 'scheduler',
    });

    // Only schedules of this group, in this account, can make Scheduler act as this role.
    this.role = new ManagedPolicyRole(this, 'Role', {
      description: 'Assumed by EventBridge Scheduler to run erasure schedules',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account, 'aws:SourceArn': this.group.attrArn },
      }),
    });
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.erasure.functionArn] }));
    // Scheduler delivers dead letters with the execution role (SSE-SQS: no KMS permission needed).
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.dlq.queue.queueArn] }));
  }

  /** ARN pattern of the schedules in this group (names are per erasure, made at request time). */
  get scheduleArns(): string {
    const stack = Stack.of(this);
    return stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.group.ref}/*` });
  }

  /** The schedule ARN pattern as cdk-nag prints it: unresolved parts as <Ref>, concrete parts literal. */
  private scheduleArnsAsNagSeesThem(): string {
    const stack = Stack.of(this);
    const literal = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    const [partition, region, account] = [
      literal(stack.partition, 'AWS::Partition'),
      literal(stack.region, 'AWS::Region'),
      literal(stack.account, 'AWS::AccountId'),
    ];
    return `arn:${partition}:scheduler:${region}:${account}:schedule/<${stack.getLogicalId(this.group)}>/*`;
  }

  /**
   * Lets `fn` create and cancel erasure schedules in this group, and tells it everything it needs to.
   * `lookUp`: it may also read a schedule (the reconcile asks whether one exists).
   */
  bindTo(fn: CrmFunction, opts: { lookUp?: boolean } = {}): void {
    fn.setEnvironment(ENV.schedulerGroup, this.group.ref)
      .setEnvironment(ENV.schedulerRoleArn, this.role.roleArn)
      .setEnvironment(ENV.schedulerDlqArn, this.dlq.queue.queueArn)
      .setEnvironment(ENV.erasureFunctionArn, this.erasure.functionArn)
      .setEnvironment(ENV.erasureGraceDays, String(this.graceDays));
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', ...(opts.lookUp ? ['scheduler:GetSchedule'] : [])],
        resources: [this.scheduleArns],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    acknowledge(
      fn.role.permissions!.node.defaultChild!,
      `AwsSolutions-IAM5[Resource::${this.scheduleArnsAsNagSeesThem()}]`,
      'Each erasure gets its own one-time schedule named at request time; the grant is limited to CreateSchedule/DeleteSchedule ' +
        '(and GetSchedule for the reconcile) on schedules inside this one schedule group.',
    );
  }
}
