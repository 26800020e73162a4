/**
 * The messages the forgetting paths send: erasure confirmations and the last notice, retention and
 * consent reminders. Plain text, no links, no tracking, nothing but what the customer needs to act.
 * Every send goes through the consent module's one gate (customer/notice-sender.ts).
 */
import type { Notice } from '../customer/notice-sender';

export { NoticeSender, type Notice } from '../customer/notice-sender';

const day = (iso: string) => iso.slice(0, 10);

export const notices = {
  erasureRequested: (receiptId: string, scheduledFor: string, onHold = false): Notice => ({
    kind: 'service',
    topic: 'erasure-requested',
    subject: 'Your erasure request',
    body: [
      'We have received a request to erase the personal data we hold about you.',
      onHold
        ? `A legal obligation requires us to keep your data for now. We will carry out the erasure as soon as it ends, at the earliest ` +
          `on ${day(scheduledFor)} (UTC). Until then you can cancel it by signing in to our customer portal.`
        : `It will be carried out on ${day(scheduledFor)} (UTC). Until then you can cancel it by signing in to our customer portal.`,
      `Your receipt number is ${receiptId}. With it anyone can check that the erasure was done; it says nothing about you.`,
    ].join('\n\n'),
    sms:
      `We received a request to erase your data. It will be done on ${day(scheduledFor)} unless you cancel it in our customer ` +
      `portal. Receipt ${receiptId}.`,
  }),

  erasureCancelled: (receiptId: string): Notice => ({
    kind: 'service',
    topic: 'erasure-cancelled',
    subject: 'Your erasure request was cancelled',
    body: [
      'The request to erase the personal data we hold about you has been cancelled. We keep your data as before.',
      `Receipt number: ${receiptId}.`,
    ].join('\n\n'),
    sms: `The request to erase your data was cancelled; we keep it as before. Receipt ${receiptId}.`,
  }),

  erasureHappening: (receiptId: string): Notice => ({
    kind: 'service',
    topic: 'erasure-happening',
    subject: 'We are erasing your data now',
    body: [
      'As requested, we are now erasing the personal data we hold about you. This is the last message we send to this address.',
      'Purchase records are kept, without your name or contact details, for as long as bookkeeping law requires.',
      `Receipt number: ${receiptId}. Anyone with it can check that the erasure is complete; it says nothing about you.`,
    ].join('\n\n'),
    sms: `As requested we are erasing your data now. This is our last message to this number. Receipt ${receiptId}.`,
  }),

  retentionEnding: (endsAt: string): Notice => ({
    kind: 'service',
    topic: 'retention-reminder',
    subject: 'We will delete your data soon',
    body: [
      `We have not heard from you for a while, so on ${day(endsAt)} (UTC) we will delete your name, your contact details and your ` +
        `support history.`,
      'If you want us to keep them, contact us or sign in to our customer portal before then. If you do nothing, they are deleted ' +
        'automatically.',
      'Purchase records are kept, without your name or contact details, for as long as bookkeeping law requires.',
    ].join('\n\n'),
    sms:
      `We will delete your data on ${day(endsAt)} as we have not heard from you. To keep it, contact us or sign in to our customer ` +
      `portal before then.`,
  }),

  consentLapsing: (lapsesAt: string): Notice => ({
    // Sent only while the consent is still active, so it passes the gate as an ordinary message.
    kind: 'marketing',
    topic: 'consent-reminder',
    subject: 'Your permission to hear from us ends soon',
    body: [
      `Your permission for us to send you news and offers ends on ${day(lapsesAt)} (UTC).`,
      'If you want to keep hearing from us, renew it in our customer portal. If you do nothing, we stop on that date.',
    ].join('\n\n'),
    sms: `Your permission for us to message you ends on ${day(lapsesAt)}. Renew it in our customer portal to keep hearing from us.`,
  }),
};
