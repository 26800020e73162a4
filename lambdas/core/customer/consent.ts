/**
 * Consent as an append-only history; the current status per purpose is derived, never stored, so it
 * cannot drift: `never`, `active`, `withdrawn`, or `expired` (communications lapses after a year).
 */
import type { AccessLog } from '../shared/access-log';
import type { CustomerRow, Customers } from './customers';
import { NotFoundError, ValidationError } from '../shared/errors';
import { POLICY } from '../policy/inventory';
import type { Clock } from '../shared/ports';
import type { Principal } from '../shared/principal';

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

/**
 * What kind of message a send path wants to send. `service` messages are part of a service the customer
 * asked for or that the law requires (sign-in codes, erasure notices, retention reminders) and need no
 * consent; `marketing` (anything else sent on our initiative) needs active communications consent.
 */
export type MessageKind = 'service' | 'marketing';

/** The one gate every send path calls before handing a message to the notifier. */
export function messageAllowed(kind: MessageKind, history: readonly ConsentEvent[], now: Date, settings: ConsentSettings = defaultSettings): boolean {
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

export interface ConsentServiceDeps {
  customers: Customers;
  accessLog: AccessLog;
  clock: Clock;
  settings?: ConsentSettings;
  /** Called after analytics consent is withdrawn: events collected under it are deleted. */
  onAnalyticsWithdrawn?: (customerId: string, row: CustomerRow) => Promise<void>;
  /** A consent change is activity: it extends the customer's retention. */
  onActivity?: (customerId: string) => Promise<void>;
}

/** Records consent changes (staff on the customer's word, or the customer in the portal) and answers "may we send this?". */
export class ConsentService {
  constructor(private readonly deps: ConsentServiceDeps) {}

  async set(principal: Principal, customerId: string, change: ConsentChange, source: ConsentSource): Promise<ConsentStateView> {
    if (change.communications === undefined && change.analytics === undefined) {
      throw new ValidationError('Give at least one consent to change.', [
        { field: 'communications', message: 'give communications, analytics or both' },
        { field: 'analytics', message: 'give communications, analytics or both' },
      ]);
    }
    for (const purpose of CONSENT_PURPOSES) {
      if (change[purpose] !== undefined && typeof change[purpose] !== 'boolean') {
        throw new ValidationError('Consent values are true or false.', [{ field: purpose, message: 'must be true or false' }]);
      }
    }
    if (!(CONSENT_SOURCES as readonly string[]).includes(source)) {
      throw new ValidationError('Unknown consent source.', [{ field: 'source', message: `must be one of ${CONSENT_SOURCES.join(', ')}` }]);
    }
    if (source === 'portal' && principal.kind !== 'customer') {
      throw new ValidationError('Only the customer records consent through the portal.', [{ field: 'source', message: 'portal is reserved to the customer\'s own session' }]);
    }
    if (principal.kind === 'customer' && source !== 'portal') {
      throw new ValidationError('A customer records consent through the portal.', [{ field: 'source', message: 'must be portal for the customer\'s own session' }]);
    }
    if (principal.kind === 'customer' && principal.customerId !== customerId) throw new NotFoundError('No such customer.');

    const { customers, clock } = this.deps;
    const now = clock.now();
    const current = await customers.require(customerId);
    let row = current;
    const history = recordConsent(current.consent ?? [], change, source, now, this.deps.settings);
    if (history.length !== (current.consent ?? []).length) {
      row = await customers.update(customerId, (r) => ({ ...r, consent: recordConsent(r.consent ?? [], change, source, now, this.deps.settings) }));
      await this.deps.onActivity?.(customerId);
    }
    // Also on a repeated withdrawal, so a retry finishes a deletion that was interrupted.
    if (change.analytics === false) await this.deps.onAnalyticsWithdrawn?.(customerId, row);
    await this.deps.accessLog.append(customerId, principal, 'update_consent', undefined, !!current.legalHold);
    return consentState(row.consent ?? [], now, this.deps.settings);
  }

  async state(customerId: string): Promise<ConsentStateView> {
    const row = await this.deps.customers.require(customerId);
    return consentState(row.consent ?? [], this.deps.clock.now(), this.deps.settings);
  }

  /** `messageAllowed` for a customer id; an absent (erased, expired) customer may receive nothing. */
  async mayMessage(customerId: string, kind: MessageKind): Promise<boolean> {
    const row = await this.deps.customers.load(customerId);
    return row !== undefined && messageAllowed(kind, row.consent ?? [], this.deps.clock.now(), this.deps.settings);
  }
}
