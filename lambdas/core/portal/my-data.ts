/**
 * The customer's own view through the portal: everything held, unmasked (it is theirs), and who
 * accessed it. The customerId always comes from the session, never from the request; each call but
 * reading the access log itself is written to the customer's own access log.
 */
import type { Customers } from '../customer/customers';
import { consentState, type ConsentStateView } from '../customer/consent';
import type { ContactType } from '../customer/contact';
import type { CustomerRow, SealedCustomer } from '../customer/record';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessEntry, AccessLog } from '../shared/access-log';
import type { ListPage, PageRequest } from '../shared/paging';
import type { Clock } from '../shared/ports';
import type { Principal } from '../shared/principal';

/**
 * The category rows the dashboard shows. The portal does not know the category services: app.ts
 * wires this one callback to them (interactions decrypted, purchases, behaviour events).
 */
export interface MyCategories {
  interactions: readonly unknown[];
  purchases: readonly unknown[];
  behaviour: readonly unknown[];
  /** Which lists hold only their newest rows (the export has every one). */
  more: { interactions: boolean; purchases: boolean; behaviour: boolean };
}
/** The newest `limit` rows of each category. */
export type ReadMyCategories = (row: CustomerRow, sealed: SealedCustomer, limit: number) => Promise<MyCategories>;

/**
 * Rows of each category the dashboard shows, newest first: a customer with years of history gets a
 * page that loads quickly, and the download (GET /v1/me/export) holds every row.
 */
export const MY_DATA_ROWS = 50;

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
  interactions: MyCategories['interactions'];
  purchases: MyCategories['purchases'];
  behaviour: MyCategories['behaviour'];
  more: MyCategories['more'];
}

export interface PortalDeps {
  clock: Clock;
  customers: Customers;
  accessLog: AccessLog;
  policy: RetentionPolicy;
  readCategories: ReadMyCategories;
}

export class Portal {
  constructor(private readonly deps: PortalDeps) {}

  async me(principal: CustomerPrincipal): Promise<MeView> {
    const { customers } = this.deps;
    const customerId = principal.customerId;
    const row = await customers.require(customerId);
    const sealed = await customers.unseal(row);
    const { interactions, purchases, behaviour, more } = await this.deps.readCategories(row, sealed, MY_DATA_ROWS);
    await this.deps.accessLog.append(customerId, principal, 'read', undefined, !!row.legalHold);
    return {
      customerId,
      name: sealed.name,
      contact: { type: sealed.contact.type, value: sealed.contact.value },
      consent: consentState(row.consent, this.deps.clock.now(), this.deps.policy.consent),
      retention: { expiresAt: this.deps.policy.retentionEnd(row) },
      ...(row.erasure
        ? { erasure: { status: row.erasure.status, scheduledFor: row.erasure.scheduledFor, receiptId: row.erasure.receiptId } }
        : {}),
      ...(row.legalHold ? { legalHold: true } : {}),
      createdAt: row.createdAt,
      lastActivityAt: row.lastActivityAt,
      interactions,
      purchases,
      behaviour,
      more,
    };
  }

  /** One page of the customer's own access log, newest first. */
  async accessLog(principal: CustomerPrincipal, request: PageRequest = {}): Promise<ListPage<AccessEntry>> {
    const customerId = principal.customerId;
    await this.deps.customers.require(customerId);
    // Reading one's own access log is not logged: the log is about who else looked, and a row per
    // page load would bury the staff rows under the customer's own (docs/PORTAL.md).
    return this.deps.accessLog.list(customerId, request);
  }
}
