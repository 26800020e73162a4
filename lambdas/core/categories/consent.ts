/** Records consent changes (staff on the customer's word, or the customer in the portal) and answers "may we send this?". */
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessLog } from '../shared/access-log';
import type { Customers } from '../customer/customers';
import type { CustomerRow } from '../customer/record';
import { NotFoundError, ValidationError } from '../shared/errors';
import type { Clock } from '../shared/ports';
import type { Principal } from '../shared/principal';
import {
  CONSENT_PURPOSES,
  CONSENT_SOURCES,
  consentState,
  messageAllowed,
  recordConsent,
  type ConsentChange,
  type ConsentSource,
  type ConsentStateView,
  type MessageKind,
} from '../customer/consent';

export interface ConsentServiceDeps {
  customers: Customers;
  accessLog: AccessLog;
  clock: Clock;
  policy: RetentionPolicy;
  /** Called after analytics consent is withdrawn: events collected under it are deleted. */
  onAnalyticsWithdrawn?: (customerId: string, row: CustomerRow) => Promise<void>;
  /** A consent change is activity: it extends the customer's retention. */
  onActivity?: (customerId: string) => Promise<void>;
}

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
      throw new ValidationError('Only the customer records consent through the portal.', [
        { field: 'source', message: "portal is reserved to the customer's own session" },
      ]);
    }
    if (principal.kind === 'customer' && source !== 'portal') {
      throw new ValidationError('A customer records consent through the portal.', [
        { field: 'source', message: "must be portal for the customer's own session" },
      ]);
    }
    if (principal.kind === 'customer' && principal.customerId !== customerId) throw new NotFoundError('No such customer.');

    const { customers, clock } = this.deps;
    const now = clock.now();
    const current = await customers.require(customerId);
    let row = current;
    const history = recordConsent(current.consent ?? [], change, source, now, this.deps.policy.consent);
    if (history.length !== (current.consent ?? []).length) {
      row = await customers.update(customerId, (r) => ({
        ...r,
        consent: recordConsent(r.consent ?? [], change, source, now, this.deps.policy.consent),
      }));
      await this.deps.onActivity?.(customerId);
    }
    // Logged before the visits go: a deletion cut short by a fault still leaves the change's trace.
    await this.deps.accessLog.append(customerId, principal, 'update_consent', undefined, !!current.legalHold);
    // Also on a repeated withdrawal, so a retry finishes a deletion that was interrupted.
    if (change.analytics === false) await this.deps.onAnalyticsWithdrawn?.(customerId, row);
    return consentState(row.consent ?? [], now, this.deps.policy.consent);
  }

  async state(customerId: string): Promise<ConsentStateView> {
    const row = await this.deps.customers.require(customerId);
    return consentState(row.consent ?? [], this.deps.clock.now(), this.deps.policy.consent);
  }

  /** `messageAllowed` for a customer id; an absent (erased, expired) customer may receive nothing. */
  async mayMessage(customerId: string, kind: MessageKind): Promise<boolean> {
    const row = await this.deps.customers.load(customerId);
    return row !== undefined && messageAllowed(kind, row.consent ?? [], this.deps.clock.now(), this.deps.policy.consent);
  }
}
