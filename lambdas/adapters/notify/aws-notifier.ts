/**
 * The Notifier port over SES (email, SESv2 SendEmail) and SNS (SMS, Publish to a phone number).
 * Email is plain text only, through the deployment's configuration set when one is given (TLS required,
 * bounce and complaint metrics). SES open and click tracking need an HTML part and a configuration set
 * that enables them; ours enables neither, so a message carries no pixel and no rewritten link. SMS are
 * marked transactional.
 *
 * Failures, told apart so callers can act on each (the service's message is never kept: SES and SNS
 * quote the address or number they refused):
 * - the recipient's fault, for good: PermanentDeliveryError (SES MessageRejected or a malformed address;
 *   SNS an invalid phone number). In the SES sandbox an unverified recipient is refused the same way;
 * - throttling, a 5xx, no answer: DependencyUnavailableError (retry later);
 * - anything else is the sender's side (identity not verified, access denied, sending paused, no
 *   configuration set): MessageRejectedError, which no customer is blamed for.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DependencyUnavailableError, PermanentDeliveryError } from '../../core/shared/errors';
import type { Message, Notifier } from '../../core/shared/ports';
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

/** Refusals that concern the recipient only: SES refused the address, SNS the phone number. */
const SES_RECIPIENT = new Set(['MessageRejected', 'BadRequestException']);
const SNS_RECIPIENT = new Set(['InvalidParameterException', 'InvalidParameterValueException']);

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
      await this.call('SES', SES_FAULTS, SES_RECIPIENT, () =>
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
    await this.call('SNS', SNS_FAULTS, SNS_RECIPIENT, () =>
      this.options.sns.send(
        new PublishCommand({
          PhoneNumber: message.to,
          Message: message.body,
          MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
        }),
      ),
    );
  }

  private async call(
    service: 'SES' | 'SNS',
    faults: ReadonlySet<string>,
    recipient: ReadonlySet<string>,
    fn: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (isTransientAwsError(err, faults)) throw new DependencyUnavailableError(service, { cause: err });
      const name =
        err && typeof err === 'object' && typeof (err as { name?: unknown }).name === 'string' ? (err as { name: string }).name : 'Error';
      if (recipient.has(name)) throw new PermanentDeliveryError(service === 'SES' ? 'email' : 'sms', name);
      throw new MessageRejectedError(service, name);
    }
  }
}
