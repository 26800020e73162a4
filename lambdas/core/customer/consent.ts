/**
 * Consent as an append-only history; the current status per purpose is derived, never stored, so it
 * cannot drift: `never`, `active`, `withdrawn`, or `expired` (communications lapses after a year).
 */
import * as z from 'zod';
import { POLICY } from '../policy/inventory';

export const CONSENT_PURPOSES = ['communications', 'analytics'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
export type ConsentStatus = 'never' | 'active' | 'withdrawn' | 'expired';

export const ConsentEventSchema = z.object({
  purpose: z.enum(CONSENT_PURPOSES),
  granted: z.boolean(),
  source: z.string(),
  at: z.string(),
});
export type ConsentEvent = z.infer<typeof ConsentEventSchema>;

export interface ConsentView {
  status: ConsentStatus;
  grantedAt?: string;
  expiresAt?: string;
  withdrawnAt?: string;
  source?: string;
}

export interface ConsentSettings {
  communicationsConsentSeconds: number;
}

const defaultSettings: ConsentSettings = { communicationsConsentSeconds: POLICY.communicationsConsentSeconds };

function lifetimeSeconds(purpose: ConsentPurpose, settings: ConsentSettings): number | undefined {
  return purpose === 'communications' ? settings.communicationsConsentSeconds : undefined;
}

export function consentStatus(
  history: readonly ConsentEvent[],
  purpose: ConsentPurpose,
  now: Date,
  settings: ConsentSettings = defaultSettings,
): ConsentView {
  const last = [...history].reverse().find((e) => e.purpose === purpose);
  if (!last) return { status: 'never' };
  if (!last.granted) return { status: 'withdrawn', withdrawnAt: last.at, source: last.source };
  const lifetime = lifetimeSeconds(purpose, settings);
  const expiresAt = lifetime === undefined ? undefined : new Date(Date.parse(last.at) + lifetime * 1000).toISOString();
  const status: ConsentStatus = expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime() ? 'expired' : 'active';
  return { status, grantedAt: last.at, source: last.source, ...(expiresAt ? { expiresAt } : {}) };
}

export function consentState(history: readonly ConsentEvent[], now: Date, settings: ConsentSettings = defaultSettings) {
  return {
    communications: consentStatus(history, 'communications', now, settings),
    analytics: consentStatus(history, 'analytics', now, settings),
  };
}

/** Appends one event per purpose that actually changes; re-granting an expired consent reconfirms it. */
export function recordConsent(
  history: readonly ConsentEvent[],
  change: Partial<Record<ConsentPurpose, boolean>>,
  source: string,
  now: Date,
  settings: ConsentSettings = defaultSettings,
): ConsentEvent[] {
  const next = [...history];
  for (const purpose of CONSENT_PURPOSES) {
    const granted = change[purpose];
    if (granted === undefined) continue;
    const current = consentStatus(next, purpose, now, settings).status;
    const unchanged = granted ? current === 'active' && purpose !== 'communications' : current === 'withdrawn' || current === 'never';
    if (unchanged) continue;
    next.push({ purpose, granted, source, at: now.toISOString() });
  }
  return next;
}

/** "May we contact this customer now?": the one check every send path of the system uses. */
export function mayContact(history: readonly ConsentEvent[], now: Date, settings: ConsentSettings = defaultSettings): boolean {
  return consentStatus(history, 'communications', now, settings).status === 'active';
}

/**
 * What kind of message a send path wants to send. `service` messages are part of a service the customer
 * asked for or that the law requires (sign-in codes, erasure notices, retention reminders) and need no
 * consent; `marketing` (anything else sent on our initiative) needs active communications consent.
 */
export type MessageKind = 'service' | 'marketing';

/** The one gate every send path calls before handing a message to the notifier. */
export function messageAllowed(
  kind: MessageKind,
  history: readonly ConsentEvent[],
  now: Date,
  settings: ConsentSettings = defaultSettings,
): boolean {
  return kind === 'service' || mayContact(history, now, settings);
}

/**
 * Where a consent change came from. A fixed list, because the history is stored beside the customer
 * row without field encryption: a free-text source could carry personal details.
 */
export const CONSENT_SOURCES = ['portal', 'staff-entry', 'email', 'phone', 'chat', 'in_person', 'paper_form'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];
/** What staff may record; `portal` is reserved to the customer's own session. */
export const STAFF_CONSENT_SOURCES = CONSENT_SOURCES.filter((s): s is Exclude<ConsentSource, 'portal'> => s !== 'portal');

export type ConsentChange = Partial<Record<ConsentPurpose, boolean>>;
export type ConsentStateView = ReturnType<typeof consentState>;
