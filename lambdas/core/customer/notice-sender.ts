/**
 * Sending a notice to a customer's contact through the consent module's one gate (`messageAllowed`).
 * The texts live with the paths that send them (forgetting/notices.ts, customer/contact-change.ts).
 */
import type { RetentionPolicy } from '../policy/retention-policy';
import { DependencyUnavailableError } from '../shared/errors';
import type { Clock, Log, Notifier } from '../shared/ports';
import { messageAllowed, type ConsentEvent, type MessageKind } from './consent';
import type { Contact } from './contact';

export interface Notice {
  kind: MessageKind;
  /** What the message is, for logs: never its text. */
  topic: string;
  subject: string;
  body: string;
  /** SMS: one short paragraph. */
  sms: string;
}

export class NoticeSender {
  constructor(private readonly deps: { notifier: Notifier; clock: Clock; policy: RetentionPolicy; log: Log }) {}

  /**
   * Sends `notice` to the customer's `contact` if the consent gate allows it; returns whether it was
   * sent. Notifier faults propagate. `customerId` travels with the message (never to SES or SNS) so a
   * notifier that keeps copies, the local outbox, can drop them when the customer is erased.
   */
  async send(customerId: string, contact: Contact, consent: readonly ConsentEvent[], notice: Notice): Promise<boolean> {
    if (!messageAllowed(notice.kind, consent, this.deps.clock.now(), this.deps.policy.consent)) return false;
    await this.deps.notifier.send(
      contact.type === 'email'
        ? { customerId, to: contact.value, channel: 'email', subject: notice.subject, body: notice.body }
        : { customerId, to: contact.value, channel: 'sms', body: notice.sms },
    );
    return true;
  }

  /**
   * For confirmations that must not undo what they confirm: a failure is logged (topic and error
   * name only) and swallowed. A dependency outage is retried by whoever retries the caller instead.
   */
  async sendBestEffort(
    customerId: string,
    contact: Contact,
    consent: readonly ConsentEvent[],
    notice: Notice,
    opts: { rethrowUnavailable?: boolean } = {},
  ): Promise<boolean> {
    try {
      return await this.send(customerId, contact, consent, notice);
    } catch (e) {
      if (opts.rethrowUnavailable && e instanceof DependencyUnavailableError) throw e;
      this.deps.log.warn('notice not sent', { topic: notice.topic, errorName: (e as Error)?.name });
      return false;
    }
  }
}
