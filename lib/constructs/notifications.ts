/**
 * Send-only messaging: e-mail through SES, SMS through SNS. `bindTo` sets the sender variables and
 * grants exactly these sends, nothing that reads, lists or configures.
 *
 * - The SES identity is created here only when asked (`createIdentity`: the sender's domain, Easy DKIM;
 *   its three CNAME records are stack outputs). Otherwise the verified identity that already exists is
 *   used (the address's own identity, or its domain's): an identity exists once per account and region.
 * - Every e-mail goes through a configuration set of this deployment: TLS required to the receiving
 *   server, the account's suppression list applied to bounces and complaints, reputation metrics on, and
 *   sends, bounces and complaints counted in CloudWatch (no open or click tracking: no pixel, no
 *   rewritten link). Bounce and complaint rates are alarmed at the levels where SES starts reviewing an
 *   account (5 % and 0.1 %), well before it pauses sending.
 */
import { Aws, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  CloudWatchDimensionSource,
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  DkimIdentity,
  EasyDkimSigningKeyLength,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config';
import { acknowledge } from './acknowledge';
import type { CrmFunction } from './crm-function';
import type { OpsAlarms } from './ops-alarms';

/** Every SNS resource with an ARN (topics, platform applications and endpoints), in any region and account. */
export const SNS_ARNS = `arn:${Aws.PARTITION}:sns:*:*:*`;

/** The CloudWatch dimension the configuration set's events are counted under. */
export const SES_DIMENSION = 'ses:configuration-set';

/** SES reviews an account at a 5 % bounce rate or a 0.1 % complaint rate (and may pause it at 10 % / 0.5 %). */
export const SES_REPUTATION_LIMITS = { bounceRate: 0.05, complaintRate: 0.001 } as const;

export interface NotificationsProps {
  senderEmail: string;
  /** Create the sender's domain identity (Easy DKIM) here, instead of using the existing one. */
  createIdentity: boolean;
  configurationSetName: string;
  alarms: OpsAlarms;
}

export class Notifications extends Construct {
  readonly senderEmail: string;
  readonly configurationSet: ConfigurationSet;
  readonly configurationSetName: string;
  /** The domain identity, when this stack creates it. */
  readonly identity?: EmailIdentity;
  /** ARNs of the identities a send may be authorised by: the address's own, and its domain's. */
  readonly identityArns: readonly string[];

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    this.configurationSetName = props.configurationSetName;
    const domain = props.senderEmail.split('@')[1];
    const stack = Stack.of(this);
    const identityArn = (name: string) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    this.identityArns = [identityArn(props.senderEmail), identityArn(domain)];

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.configurationSetName,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('ToCloudWatch', {
      destination: EventDestination.cloudWatchDimensions([
        { name: SES_DIMENSION, source: CloudWatchDimensionSource.MESSAGE_TAG, defaultValue: props.configurationSetName },
      ]),
      events: [EmailSendingEvent.SEND, EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.REJECT],
    });

    if (props.createIdentity) {
      this.identity = new EmailIdentity(this, 'SenderDomain', {
        identity: Identity.domain(domain),
        dkimSigning: true,
        dkimIdentity: DkimIdentity.easyDkim(EasyDkimSigningKeyLength.RSA_2048_BIT),
        configurationSet: this.configurationSet,
      });
      this.identity.dkimRecords.forEach((record, i) => {
        new CfnOutput(stack, `SenderDkimRecord${i + 1}`, {
          value: `${record.name} CNAME ${record.value}`,
          description: `DNS record ${i + 1} of 3 that verifies ${domain} for SES (Easy DKIM)`,
        });
      });
    }

    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    props.alarms.add('SesBounceRate', reputation('Reputation.BounceRate'), {
      description:
        `SES: the account's bounce rate is above ${SES_REPUTATION_LIMITS.bounceRate * 100} % ` +
        '(SES reviews the account; at 10 % it may pause sending). Check the addresses being mailed.',
      threshold: SES_REPUTATION_LIMITS.bounceRate,
    });
    props.alarms.add('SesComplaintRate', reputation('Reputation.ComplaintRate'), {
      description:
        `SES: the account's complaint rate is above ${SES_REPUTATION_LIMITS.complaintRate * 100} % ` +
        '(SES reviews the account; at 0.5 % it may pause sending).',
      threshold: SES_REPUTATION_LIMITS.complaintRate,
    });
  }

  /** This deployment's own e-mail events (sends, bounces, complaints, rejects), counted by the configuration set. */
  metric(event: 'Send' | 'Bounce' | 'Complaint' | 'Reject'): Metric {
    return new Metric({
      namespace: 'AWS/SES',
      metricName: event,
      dimensionsMap: { [SES_DIMENSION]: this.configurationSetName },
      statistic: 'Sum',
      period: Duration.hours(1),
    });
  }

  /** This deployment's bounce (or complaint) rate, for the dashboard. */
  rate(event: 'Bounce' | 'Complaint'): MathExpression {
    const e = event.toLowerCase();
    return new MathExpression({
      expression: `IF(${e}Sends > 0, 100 * ${e}s / ${e}Sends, 0)`,
      usingMetrics: { [`${e}s`]: this.metric(event), [`${e}Sends`]: this.metric('Send') },
      label: `${event} rate (%)`,
      period: Duration.hours(1),
    });
  }

  bindTo(fn: CrmFunction): void {
    fn.setEnvironment(ENV.emailFrom, this.senderEmail).setEnvironment(ENV.sesConfigurationSet, this.configurationSetName);
    // The variable holds a plain name: without this, the function could be live before its configuration set.
    fn.fn.node.addDependency(this.configurationSet);
    // SESv2 SendEmail is authorised against the identity and against the configuration set it names.
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          ...this.identityArns,
          Stack.of(this).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSetName }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': this.senderEmail } },
      }),
    );
    // An SMS to a phone number has no ARN to name: SNS authorises direct publishing against "*".
    // The region condition keeps the grant to this deployment's region.
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
      }),
    );
    // "*" would also match every topic, the alarm topic among them: topics (and platform endpoints)
    // have ARNs, so an explicit deny on those leaves only publishing to a phone number.
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.DENY,
        actions: ['sns:Publish'],
        resources: [SNS_ARNS],
      }),
    );
    acknowledge(
      fn.role.permissions!.node.defaultChild!,
      'AwsSolutions-IAM5[Resource::*]',
      'sns:Publish to a phone number (SMS one-time codes and reminders) has no resource ARN, so SNS requires "*"; limited by ' +
        'aws:RequestedRegion. X-Ray tracing actions likewise have no resource-level permissions.',
    );
  }
}
