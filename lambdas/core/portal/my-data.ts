/**
 * The customer's own view through the portal: everything held, unmasked (it is theirs), and who
 * accessed it. The customerId always comes from the session, never from the request; each call but
 * reading the access log itself is written to the customer's own access log.
 */
import type { AccessEntry, AccessLog } from '../shared/access-log';
import type { Behaviour, BehaviourEventView } from '../categories/behaviour';
import { consentState, type ConsentSettings, type ConsentStateView } from '../customer/consent';
import type { ContactType } from '../customer/contact';
import type { Customers } from '../customer/customers';
import type { InteractionView, Interactions } from '../categories/interactions';
import type { Clock } from '../shared/ports';
import type { Principal } from '../shared/principal';
import type { PurchaseView, Purchases } from '../categories/purchases';
import { retentionEnd } from '../forgetting/retention';

export type CustomerPrincipal = Extract<Principal, { kind: 'customer' }>;

export interface MeView {
  customerId: string;
  name: string;
  contact: { type: ContactType; value: string };
  consent: ConsentStateView;
  retention: { expiresAt: string };
  erasure?: { status: string; scheduledFor: string; receiptId: string };
  legalHold?: boolean;
  createdAt: string;
  lastActivityAt: string;
  interactions: InteractionView[];
  purchases: PurchaseView[];
  behaviour: BehaviourEventView[];
}

export interface PortalDeps {
  clock: Clock;
  customers: Customers;
  accessLog: AccessLog;
  interactions: Interactions;
  purchases: Purchases;
  behaviour: Behaviour;
  consentSettings?: ConsentSettings;
}

export class Portal {
  constructor(private readonly deps: PortalDeps) {}

  async me(principal: CustomerPrincipal): Promise<MeView> {
    const { customers } = this.deps;
    const customerId = principal.customerId;
    const row = await customers.require(customerId);
    const sealed = await customers.unseal(row);
    const [interactions, purchases, behaviour] = await Promise.all([
      this.deps.interactions.read(row, sealed),
      this.deps.purchases.read(customerId),
      this.deps.behaviour.read(row, sealed),
    ]);
    await this.deps.accessLog.append(customerId, principal, 'read', undefined, !!row.legalHold);
    return {
      customerId,
      name: sealed.name,
      contact: { type: sealed.contact.type, value: sealed.contact.value },
      consent: consentState(row.consent ?? [], this.deps.clock.now(), this.deps.consentSettings),
      retention: { expiresAt: retentionEnd(row) },
      ...(row.erasure ? { erasure: { status: row.erasure.status, scheduledFor: row.erasure.scheduledFor, receiptId: row.erasure.receiptId } } : {}),
      ...(row.legalHold ? { legalHold: true } : {}),
      createdAt: row.createdAt,
      lastActivityAt: row.lastActivityAt,
      interactions,
      purchases,
      behaviour,
    };
  }

  async accessLog(principal: CustomerPrincipal): Promise<{ items: AccessEntry[] }> {
    const customerId = principal.customerId;
    await this.deps.customers.require(customerId);
    // Reading one's own access log is not logged: the log is about who else looked, and a row per
    // page load would bury the staff rows under the customer's own (docs/PORTAL.md).
    return { items: await this.deps.accessLog.list(customerId) };
  }
}
