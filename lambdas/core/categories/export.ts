/**
 * The customer's export (GDPR Art. 15 access, Art. 20 portability): everything held about one customer,
 * one section per exported category of the inventory, each section carrying that category's purpose,
 * legal basis, retention, recipients and source next to the data. Schema version 1 is described by
 * `CustomerExportSchema` (lambdas/http/schemas-categories.ts) and docs/export.md; a change to the shape
 * is a new version.
 */
import type { AccessAction, AccessLog } from '../shared/access-log';
import type { Behaviour, BehaviourEventView } from './behaviour';
import { expiryOf } from './common';
import { consentState, type ConsentEvent, type ConsentStateView } from '../customer/consent';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { Customers } from '../customer/customers';
import { CATEGORIES, type Category, type CategoryId } from '../policy/inventory';
import type { InteractionView, Interactions } from './interactions';
import type { Clock, Store } from '../shared/ports';
import type { Principal } from '../shared/principal';
import type { PurchaseView, Purchases } from './purchases';
import type { Vault } from '../shared/vault';
import { isExpired } from '../policy/time';

export const EXPORT_SCHEMA_VERSION = '1';

/** The inventory's facts about a category, as the customer sees them in the export. */
export interface CategoryFacts {
  category: CategoryId;
  title: string;
  fields: string[];
  purpose: string;
  legalBasis: string;
  retention: { label: string; days: number; from: 'last-activity' | 'creation' | 'completion' };
  recipients: string[];
  source: string;
  onErasure: string;
}

export type ExportSection<T> = CategoryFacts & { data: T };

export interface ExportedAccessEntry {
  at: string;
  actor: string;
  role: string;
  action: AccessAction;
  /** null once the customer key is destroyed. */
  purpose?: string | null;
  /** Absent while a legal hold suspends deletion. */
  expiresAt?: string;
}

export interface ExportedContact {
  name: string;
  email?: string;
  phone?: string;
  createdAt: string;
  lastActivityAt: string;
  /** When the record (and everything kept "with the customer record") is deleted unless there is new activity. */
  retentionExpiresAt?: string;
  erasure?: { status: string; scheduledFor: string; receiptId: string };
  legalHold?: boolean;
}

export interface CustomerExport {
  schemaVersion: typeof EXPORT_SCHEMA_VERSION;
  generatedAt: string;
  customerId: string;
  categories: {
    contact: ExportSection<ExportedContact>;
    consent: ExportSection<{ state: ConsentStateView; history: ConsentEvent[] }>;
    interactions: ExportSection<{ items: InteractionView[] }>;
    purchases: ExportSection<{ items: PurchaseView[] }>;
    behaviour: ExportSection<{ items: BehaviourEventView[] }>;
    accessLog: ExportSection<{ items: ExportedAccessEntry[] }>;
  };
}

export type ExportedCategoryId = keyof CustomerExport['categories'];

export function categoryFacts(c: Category): CategoryFacts {
  return {
    category: c.id,
    title: c.title,
    fields: [...c.fields],
    purpose: c.purpose,
    legalBasis: c.legalBasis,
    retention: { label: c.retention.label, days: Math.round((c.retention.seconds / 86_400) * 1000) / 1000, from: c.retention.from },
    recipients: [...c.recipients],
    source: c.source,
    onErasure: c.onErasureReason,
  };
}

export interface ExportDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  customers: Customers;
  accessLog: AccessLog;
  interactions: Interactions;
  purchases: Purchases;
  behaviour: Behaviour;
  policy: RetentionPolicy;
}

export class Exports {
  constructor(private readonly deps: ExportDeps) {}

  /**
   * Gathers every exported category for one customer (404 when absent, erased or expired). With a
   * principal, the export is written to the customer's access log before it is returned.
   */
  async forCustomer(customerId: string, principal?: Principal): Promise<CustomerExport> {
    const { customers, clock, policy } = this.deps;
    const now = clock.now();
    const row = await customers.require(customerId);
    const sealed = await customers.unseal(row);
    const [interactions, purchases, behaviour, access] = await Promise.all([
      this.deps.interactions.read(row, sealed),
      this.deps.purchases.read(customerId),
      this.deps.behaviour.read(row, sealed),
      this.accessEntries(customerId),
    ]);
    const history = (row.consent ?? []).map((e) => ({ purpose: e.purpose, granted: e.granted, source: e.source, at: e.at }));

    const categories: CustomerExport['categories'] = {
      contact: {
        ...categoryFacts(policy.category('contact')),
        data: {
          name: sealed.name,
          [sealed.contact.type]: sealed.contact.value,
          createdAt: row.createdAt,
          lastActivityAt: row.lastActivityAt,
          ...(typeof row.expiresAt === 'number' ? { retentionExpiresAt: new Date(row.expiresAt * 1000).toISOString() } : {}),
          ...(row.erasure
            ? { erasure: { status: row.erasure.status, scheduledFor: row.erasure.scheduledFor, receiptId: row.erasure.receiptId } }
            : {}),
          ...(row.legalHold ? { legalHold: true } : {}),
        },
      },
      consent: { ...categoryFacts(policy.category('consent')), data: { state: consentState(history, now, policy.consent), history } },
      interactions: { ...categoryFacts(policy.category('interactions')), data: { items: interactions } },
      purchases: { ...categoryFacts(policy.category('purchases')), data: { items: purchases } },
      behaviour: { ...categoryFacts(policy.category('behaviour')), data: { items: behaviour } },
      accessLog: { ...categoryFacts(policy.category('accessLog')), data: { items: access } },
    };
    // The inventory decides what is exported: a category it marks as exported without a section here is a bug.
    const missing = CATEGORIES.filter((c) => c.exported && !(c.id in categories)).map((c) => c.id);
    if (missing.length > 0) throw new Error(`export has no section for: ${missing.join(', ')}`);

    if (principal) await this.deps.accessLog.append(customerId, principal, 'export', undefined, !!row.legalHold);
    return { schemaVersion: EXPORT_SCHEMA_VERSION, generatedAt: now.toISOString(), customerId, categories };
  }

  /** The whole access log, oldest first, every page (AccessLog.list stops at one page). */
  private async accessEntries(customerId: string): Promise<ExportedAccessEntry[]> {
    const { store, clock } = this.deps;
    const out: ExportedAccessEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.query('access-log', customerId, { cursor, consistent: true });
      for (const r of page.items) {
        if (isExpired(r, clock.now())) continue;
        out.push({ ...(await this.deps.accessLog.decode(customerId, r)), ...expiryOf(r) });
      }
      cursor = page.cursor;
    } while (cursor);
    return out;
  }
}
