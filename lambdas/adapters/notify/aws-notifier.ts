/**
 * The Notifier port over SES (email, SESv2 SendEmail) and SNS (SMS, Publish to a phone number).
 * Email is plain text only, through the deployment's configuration set when one is given (TLS required,
 * bounce and complaint metrics). SES open and click tracking need an HTML part and a configuration set
 * that enables them; ours enables neither, so a message carries no pixel and no rewritten link. SMS are
 * marked transactional.
 *
 * Errors never carry the service's message: SES and SNS quote the address or number they refused.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DependencyUnavailableError } from '../../core/errors';
import type { Message, Notifier } from '../../core/ports';
import { isTransientAwsError } from '../aws-errors';

export interface AwsNotifierOptions {
  ses: SESv2Client;
  sns: SNSClient;
  /** Verified SES identity; undefined when this function may not send email. */
  emailFrom?: string;
  /** SES configuration set to send through. */
  configurationSetName?: string;
}

const SES_FAULTS = new Set(['TooManyRequestsException', 'LimitExceededException', 'InternalServiceErrorException']);
const SNS_FAULTS = new Set(['ThrottledException', 'InternalErrorException', 'KMSThrottlingException']);

/** The service refused this message for good (bad address, opted out, not permitted). */
export class MessageRejectedError extends Error {
  constructor(
    readonly service: 'SES' | 'SNS',
    readonly reason: string,
  ) {
    super(`${service} refused the message (${reason}).`);
    this.name = 'MessageRejectedError';
  }
}

export class AwsNotifier implements Notifier {
  constructor(private readonly options: AwsNotifierOptions) {}

  async send(message: Message): Promise<void> {
    if (message.channel === 'email') {
      const from = this.options.emailFrom;
      if (!from) throw new MessageRejectedError('SES', 'no sender configured');
      await this.call('SES', SES_FAULTS, () =>
        this.options.ses.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            ConfigurationSetName: this.options.configurationSetName,
            Destination: { ToAddresses: [message.to] },
            Content: {
              Simple: {
                Subject: { Data: message.subject ?? 'privacy-crm', Charset: 'UTF-8' },
                Body: { Text: { Data: message.body, Charset: 'UTF-8' } },
              },
            },
          }),
        ),
      );
      return;
    }
    await this.call('SNS', SNS_FAULTS, () =>
      this.options.sns.send(
        new PublishCommand({
          PhoneNumber: message.to,
          Message: message.body,
          MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
        }),
      ),
    );
  }

  private async call(service: 'SES' | 'SNS', faults: ReadonlySet<string>, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (isTransientAwsError(err, faults)) throw new DependencyUnavailableError(service, { cause: err });
      const name = err && typeof err === 'object' && typeof (err as { name?: unknown }).name === 'string' ? (err as { name: string }).name : 'Error';
      throw new MessageRejectedError(service, name);
    }
  }
}
