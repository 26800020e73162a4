/**
 * A dead-letter queue that cannot be forgotten: encrypted, TLS-only, kept 14 days, and alarmed from
 * the moment it exists.
 *
 * Encryption is SQS-managed (SSE-SQS). The messages are invocation records that carry ids
 * (customerId, receiptId, stream positions), never contact data, and SSE-SQS lets the services that
 * deliver them (EventBridge Scheduler, EventBridge, Lambda) write without any KMS permission.
 */
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';
import type { OpsAlarms } from './ops-alarms';

export interface DeadLetterQueueProps {
  queueName: string;
  /** What fails into this queue, for the alarm text. */
  purpose: string;
  alarms: OpsAlarms;
  /** Who dead-letters into it: a function's own DeadLetterConfig, or a service destination. */
  deadLetterOf: 'function' | 'event-source-mapping' | 'scheduler';
}

export class DeadLetterQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    props.alarms.onDeadLetters(`${id}Alarm`, this.queue, props.purpose);
    // cdk-nag recognises a function's DeadLetterConfig as dead-letter use, not service destinations.
    if (props.deadLetterOf === 'function') return;
    acknowledge(
      this.queue.node.defaultChild!,
      'AwsSolutions-SQS3',
      `This queue is itself the dead-letter destination of a ${props.deadLetterOf} (${props.purpose}); a queue behind it would only ` +
        `move the same alarm one step further.`,
    );
  }
}
