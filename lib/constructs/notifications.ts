/**
 * Send-only messaging: e-mail through one SES identity, SMS through SNS. `bindTo` sets the sender
 * variable and grants exactly these sends, nothing that reads, lists or configures.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/config';
import { acknowledge } from './acknowledge';
import type { CrmFunction } from './crm-function';

/** Every SNS resource with an ARN (topics, platform applications and endpoints), in any region and account. */
export const SNS_ARNS = `arn:${Aws.PARTITION}:sns:*:*:*`;

export interface NotificationsProps {
  senderEmail: string;
}

export class Notifications extends Construct {
  readonly identity: EmailIdentity;
  readonly senderEmail: string;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    this.identity = new EmailIdentity(this, 'Sender', { identity: Identity.email(props.senderEmail) });
  }

  bindTo(fn: CrmFunction): void {
    fn.setEnvironment(ENV.emailFrom, this.senderEmail);
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [this.identity.emailIdentityArn],
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
      'sns:Publish to a phone number (SMS one-time codes and reminders) has no resource ARN, so SNS requires "*"; limited by aws:RequestedRegion. X-Ray tracing actions likewise have no resource-level permissions.',
    );
  }
}
