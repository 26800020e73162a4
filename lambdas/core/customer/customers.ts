/**
 * Customers: the minimal record (a name and one contact method), sealed under the customer's own key.
 * Create lives in ./create.ts; this is reading, searching, revealing and changing one.
 */
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessEntry, AccessLog } from '../shared/access-log';
import { ConditionFailedError, ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { Idempotency } from '../shared/idempotency';
import type { Metrics } from '../shared/metrics';
import type { ListPage, PageRequest } from '../shared/paging';
import type { Clock, Store } from '../shared/ports';
import type { Principal } from '../shared/principal';
import { isExpired } from '../policy/time';
import { KeyShreddedError, type Vault } from '../shared/vault';
import { consentState } from './consent';
import type { CreateCustomerInput, CustomerSettings, MaskedCustomer, RevealedCustomer } from './views';
import { maskContact, maskName, normaliseContact, type Contact } from './contact';
import { afterContactChange, authoriseContactChange, type ContactChangeDeps } from './contact-change';
import { claimIndex, releaseIndex } from './contact-index';
import { createCustomer, type CreateDeps } from './create';
import { normaliseName } from './name';
import type { CustomerRow, SealedCustomer } from './record';
import { itemFor, loadRaw, updateRow } from './rows';

export interface CustomerDeps extends ContactChangeDeps {
  policy: RetentionPolicy;
  store: Store;
  vault: Vault;
  clock: Clock;
  accessLog: AccessLog;
  idempotency: Idempotency;
  settings?: CustomerSettings;
  metrics?: Metrics;
}

export class Customers {
  constructor(private readonly deps: CustomerDeps) {}

  private get now(): Date {
    return this.deps.clock.now();
  }

  /** The live row, or undefined when absent or past its TTL (DynamoDB deletes expired rows lazily). */
  async load(customerId: string): Promise<CustomerRow | undefined> {
    const row = await loadRaw(this.deps.store, customerId);
    return row && !isExpired(row, this.now) ? row : undefined;
  }

  /**
   * The live row for a request. Once an erasure has started nothing may read or add to the customer:
   * a write racing the cascade could leave a row (or an index entry) behind it.
   */
  async require(customerId: string): Promise<CustomerRow> {
    const row = await this.load(customerId);
    if (!row) throw new NotFoundError('No such customer.');
    refuseWhileErasing(row);
    return row;
  }

  async unseal(row: CustomerRow): Promise<SealedCustomer> {
    return this.deps.vault.open<SealedCustomer>(row.customerId, 'contact', row.sealed);
  }

  /**
   * The blind index of the customer's contact, the key of its contact-index entry: from the sealed record
   * (rows written before it moved there: from the row; records sealed before that: computed again).
   */
  async lookupOf(row: CustomerRow, sealed?: SealedCustomer): Promise<string> {
    if (!sealed && row.lookup) return row.lookup;
    const s = sealed ?? (await this.unseal(row));
    return s.lookup ?? row.lookup ?? this.deps.vault.blindIndex(s.contact.type, s.contact.value);
  }

  /** Whether the sealed contact of `row` is `contact`; false once the customer's key is gone. */
  async hasContact(row: CustomerRow, contact: Contact): Promise<boolean> {
    try {
      const s = await this.unseal(row);
      return s.contact.type === contact.type && s.contact.value === contact.value;
    } catch (e) {
      if (e instanceof KeyShreddedError) return false;
      throw e;
    }
  }

  async masked(row: CustomerRow, sealed?: SealedCustomer): Promise<MaskedCustomer> {
    const s = sealed ?? (await this.unseal(row));
    return {
      customerId: row.customerId,
      name: maskName(s.name),
      contact: { type: s.contact.type, masked: maskContact(s.contact) },
      consent: consentState(row.consent, this.now, this.deps.policy.consent),
      // No TTL under a legal hold: show when retention would end without it.
      retention: { expiresAt: this.deps.policy.retentionEnd(row) },
      ...(row.erasure
        ? { erasure: { status: row.erasure.status, scheduledFor: row.erasure.scheduledFor, receiptId: row.erasure.receiptId } }
        : {}),
      ...(row.legalHold ? { legalHold: true } : {}),
      createdAt: row.createdAt,
    };
  }

  /** Creates a customer (see customer/create.ts for the write order and Idempotency-Key). */
  async create(
    principal: Principal,
    input: CreateCustomerInput,
    idempotencyKey?: string,
  ): Promise<{ customer: MaskedCustomer; replayed: boolean }> {
    const created = await createCustomer(this.createDeps, principal, input, idempotencyKey);
    if (!created.replayed) this.deps.metrics?.count('CustomerCreated');
    return created;
  }

  private get createDeps(): CreateDeps {
    return { ...this.deps, customers: this };
  }

  /** Whether `customerId` names a live customer (the index claim takes over entries of dead ones). */
  readonly isLive = async (customerId: string): Promise<boolean> => (await this.load(customerId)) !== undefined;

  async findByContact(input: { email?: string; phone?: string }): Promise<CustomerRow | undefined> {
    const contact = normaliseContact(input, this.deps.settings?.defaultPhoneRegion);
    // Newest beacon version first; the older ones only while an index rebuild is under way.
    for await (const lookup of this.deps.vault.blindIndexes(contact.type, contact.value)) {
      const entry = await this.deps.store.get('contact-index', { lookup }, { consistent: true });
      if (!entry) continue;
      const row = await this.load(String(entry.customerId));
      // The entry may outlive a contact change cut short: only the customer whose sealed contact it is.
      if (row && (await this.hasContact(row, contact))) return row;
    }
    return undefined;
  }

  async search(principal: Principal, input: { email?: string; phone?: string }): Promise<{ customerId: string }> {
    const row = await this.findByContact(input);
    if (!row) throw new NotFoundError('No customer has this contact.');
    await this.deps.accessLog.append(row.customerId, principal, 'search', undefined, !!row.legalHold);
    return { customerId: row.customerId };
  }

  async get(principal: Principal, customerId: string): Promise<MaskedCustomer> {
    const row = await this.require(customerId);
    const view = await this.masked(row);
    await this.deps.accessLog.append(customerId, principal, 'read', undefined, !!row.legalHold);
    return view;
  }

  async reveal(principal: Principal, customerId: string, purpose: string): Promise<RevealedCustomer> {
    const row = await this.require(customerId);
    const s = await this.unseal(row);
    // Logged before anything is returned: no reveal without its trace.
    await this.deps.accessLog.append(customerId, principal, 'reveal', purpose, !!row.legalHold);
    return { name: s.name, [s.contact.type]: s.contact.value };
  }

  async patch(
    principal: Principal,
    customerId: string,
    input: { name?: string; email?: string; phone?: string; purpose?: string },
  ): Promise<MaskedCustomer> {
    if (input.name === undefined && input.email === undefined && input.phone === undefined) {
      throw new ValidationError('Nothing to change.', [{ field: 'name', message: 'give at least one of name, email, phone' }]);
    }
    // A contact change decides who can sign in as the customer: see ./contact-change.ts.
    const purpose = authoriseContactChange(principal, input);
    const contactGiven = input.email !== undefined || input.phone !== undefined;
    const row = await this.require(customerId);
    // Logged before the change, like a reveal: no contact change without its trace.
    if (contactGiven) await this.deps.accessLog.append(customerId, principal, 'change_contact', purpose, !!row.legalHold);
    const sealed = await this.unseal(row);
    const oldLookup = await this.lookupOf(row, sealed);
    const next: SealedCustomer = { ...sealed, lookup: oldLookup };
    if (input.name !== undefined) next.name = normaliseName(input.name);
    let newLookup: string | undefined;
    if (input.email !== undefined || input.phone !== undefined) {
      next.contact = normaliseContact({ email: input.email, phone: input.phone }, this.deps.settings?.defaultPhoneRegion);
      const lookup = await this.deps.vault.blindIndex(next.contact.type, next.contact.value);
      if (lookup !== oldLookup) newLookup = next.lookup = lookup;
    }
    // `lookup` of an older row is not written back (customerToItem): the sealed record carries it now.
    const updated: CustomerRow = {
      ...row,
      v: row.v + 1,
      sealed: await this.deps.vault.seal(customerId, 'contact', next),
      contactType: next.contact.type,
      // A new contact is tried again, however the old one fared.
      undeliverable: newLookup ? undefined : row.undeliverable,
    };
    if (newLookup) {
      const older = this.deps.vault.blindIndexes(next.contact.type, next.contact.value);
      await claimIndex({ ...this.deps, isLive: this.isLive }, newLookup, customerId, row.expiresAt, older);
    }
    try {
      await this.deps.store.put('customers', itemFor(this.deps.policy, updated, this.now), { kind: 'equals', values: { v: row.v } });
    } catch (e) {
      if (newLookup) await releaseIndex(this.deps.store, newLookup, customerId);
      if (e instanceof ConditionFailedError)
        throw new ConflictError('The customer changed meanwhile; read it again and retry.', 'concurrent_update');
      throw e;
    }
    // The old contact method is replaced: its index entry goes (a leftover would only point back here).
    if (newLookup) await releaseIndex(this.deps.store, oldLookup, customerId);
    if (!contactGiven) await this.deps.accessLog.append(customerId, principal, 'update', purpose, !!row.legalHold);
    if (contactGiven) {
      const changed = next.contact.type !== sealed.contact.type || next.contact.value !== sealed.contact.value;
      await afterContactChange(this.deps, { customerId, old: sealed.contact, now: next.contact, changed, consent: updated.consent });
    }
    return this.masked(updated, next);
  }

  /**
   * The access log outlives the customer (accountability): after an erasure the entries stay readable
   * to a privacy officer, purposes null and nothing naming the person. Unknown ids are still 404.
   */
  async accessLog(principal: Principal, customerId: string, request: PageRequest = {}): Promise<ListPage<AccessEntry>> {
    const row = await this.load(customerId);
    const page = await this.deps.accessLog.list(customerId, request);
    if (!row && page.items.length === 0) throw new NotFoundError('No such customer.');
    await this.deps.accessLog.append(customerId, principal, 'read_access_log', undefined, !!row?.legalHold);
    return page;
  }

  /**
   * Conditional read-modify-write of a live customer row (the shared retry loop of customer-rows);
   * refused like `require` when the customer is absent or being erased. `v` is bumped there.
   */
  async update(customerId: string, mutate: (row: CustomerRow) => CustomerRow | Promise<CustomerRow>): Promise<CustomerRow> {
    const next = await updateRow(
      this.deps,
      customerId,
      () => this.now,
      async (r) => {
        refuseWhileErasing(r);
        return mutate(r);
      },
    );
    if (!next) throw new NotFoundError('No such customer.');
    return next;
  }
}

function refuseWhileErasing(row: CustomerRow): void {
  if (row.erasure?.startedAt) throw new ConflictError('This customer is being erased.', 'erasure_in_progress');
}
