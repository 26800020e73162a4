/**
 * Consent as an append-only history; the current status per purpose is derived, never stored, so it
 * cannot drift: `never`, `active`, `withdrawn`, or `expired` (communications lapses after a year).
 */
import { POLICY } from './inventory';

export const CONSENT_PURPOSES = ['communications', 'analytics'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
export type ConsentStatus = 'never' | 'active' | 'withdrawn' | 'expired';

export interface ConsentEvent {
  purpose: ConsentPurpose;
  granted: boolean;
  source: string;
  at: string;
}

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
