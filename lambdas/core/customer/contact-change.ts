/**
 * Changing a customer's contact method is changing who can sign in as them: whoever holds the new
 * contact gets the portal (the unmasked record, erasure and its cancellation). So it is a privacy
 * officer's act with a stated purpose (logged like a reveal), and afterwards:
 * - the portal access tied to the old contact ends: every session, every pending code, the old
 *   contact's wrong-code guard (`endPortalAccess`, wired to the portal in app.ts);
 * - the old contact is told (a takeover is noticed by the one who loses access) and the new one gets
 *   a confirmation. Service messages through the consent gate; plain text, no link, and the old
 *   contact's notice does not name the new one.
 */
import { ForbiddenError, ValidationError } from '../shared/errors';
import type { Principal } from '../shared/principal';
import type { ConsentEvent } from './consent';
import type { Contact } from './contact';
import type { Notice, NoticeSender } from './notice-sender';

export interface ContactChangeDeps {
  notices?: NoticeSender;
  /** Ends the customer's portal sessions and pending codes, and forgets `oldContact`'s sign-in rows. */
  endPortalAccess?: (customerId: string, oldContact?: Contact) => Promise<void>;
}

const CONTACT_ROLES: readonly string[] = ['privacy_officer', 'admin'];

/**
 * Checks a change request before anything is read or written. Returns the purpose to log (trimmed).
 * A name-only change stays open to every staff role.
 */
export function authoriseContactChange(
  principal: Principal,
  input: { email?: string; phone?: string; purpose?: string },
): string | undefined {
  const purpose = input.purpose?.trim();
  if (input.email === undefined && input.phone === undefined) return purpose || undefined;
  if (principal.kind !== 'staff' || !CONTACT_ROLES.includes(principal.role)) {
    throw new ForbiddenError('Changing the contact method needs the privacy_officer or admin role.');
  }
  if (!purpose || purpose.length < 3) {
    throw new ValidationError('Changing the contact method needs a purpose.', [
      { field: 'purpose', message: 'state why the contact method changes (3 to 500 characters)' },
    ]);
  }
  return purpose;
}

const what = (c: Contact) => (c.type === 'email' ? 'email address' : 'phone number');

export const contactNotices = {
  /** To the contact that was replaced. */
  replaced: (old: Contact): Notice => ({
    kind: 'service',
    topic: 'contact-replaced',
    subject: 'Your contact details with us were changed',
    body: [
      `Our staff have replaced this ${what(old)} in your customer record with another way to reach you.`,
      `From now on we send our messages there, and this ${what(old)} can no longer sign in to our customer portal. ` +
        'Any portal session that was open has been ended.',
      'If you did not ask for this change, contact our customer service at once by the usual means; do not answer this message.',
    ].join('\n\n'),
    sms:
      `Our staff replaced this ${what(old)} in your customer record. It can no longer sign in to our portal. ` +
      'If you did not ask for this, contact our customer service at once.',
  }),

  /** To the contact that now stands in the record. */
  confirmed: (now: Contact): Notice => ({
    kind: 'service',
    topic: 'contact-confirmed',
    subject: 'Your contact details with us were changed',
    body: [
      `This ${what(now)} is now the one we use to reach you, and the one you sign in with to our customer portal.`,
      'If you did not expect this message, contact our customer service by the usual means; do not answer this message.',
    ].join('\n\n'),
    sms:
      `This ${what(now)} is now the one we use to reach you and to sign in to our portal. ` +
      'If you did not expect this, contact our customer service.',
  }),
};

/**
 * After the new contact is stored: portal access first (it must not outlive the change; a failure
 * here fails the request), then the notices (best effort: they confirm a change that has happened).
 * `changed` false: the contact given is the one stored, e.g. the retry of a change that failed after
 * its write; nothing is told, but the customer's portal access still ends, so the retry completes it.
 */
export async function afterContactChange(
  deps: ContactChangeDeps,
  change: { customerId: string; old: Contact; now: Contact; changed: boolean; consent: readonly ConsentEvent[] },
): Promise<void> {
  await deps.endPortalAccess?.(change.customerId, change.changed ? change.old : undefined);
  if (!deps.notices || !change.changed) return;
  await deps.notices.sendBestEffort(change.customerId, change.old, change.consent, contactNotices.replaced(change.old));
  await deps.notices.sendBestEffort(change.customerId, change.now, change.consent, contactNotices.confirmed(change.now));
}
