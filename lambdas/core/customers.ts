/**
 * Customers: the minimal record (a name and one contact method), sealed under the customer's own key.
 *
 * Write order on create, so a crash or a failing dependency never leaves a visible half-customer:
 * every KMS call first (nothing written yet), then the idempotency claim, the blind-index claim, the
 * wrapped key, and the customer row last. Search goes index → customer row, so until that last write
 * nothing is findable; a retry (same Idempotency-Key) resumes with the same customerId, and a later
 * create takes over an index entry that points at no customer.
 */
import { randomUUID } from 'node:crypto';
import { AccessLog } from './access-log';
import { consentState, recordConsent, type ConsentEvent } from './consent';
import { maskContact, maskName, normaliseContact, type Contact, type ContactType } from './contact';
import { ConditionFailedError, ConflictError, IdempotencyMismatchError, NotFoundError, ValidationError } from './errors';
import { ttlFor } from './inventory';
import type { Metrics } from './metrics';
import type { Principal } from './principal';
import type { Clock, Item, Store } from './ports';
import { randomToken, type Vault } from './vault';
import { DEFAULT_KEY_MARGIN_SECONDS, retentionEnd } from './retention';
import { updateRow, type ForgettableRow } from './customer-rows';

/** What is sealed inside the customer row: the personal values and the pseudonyms that link other rows. */
export interface SealedCustomer {
  name: string;
  contact: Contact;
  pseudonyms: { interaction: string; behaviour: string };
}

export interface ErasureMark {
  status: 'pending' | 'on-hold';
  receiptId: string;
  requestedAt: string;
  scheduledFor: string;
}

export interface CustomerRow {
  customerId: string;
  v: number;
  sealed: Uint8Array;
  contactType: ContactType;
  lookup: string;
  createdAt: string;
  lastActivityAt: string;
  expiresAt: number;
  consent: ConsentEvent[];
  erasure?: ErasureMark;
  legalHold?: { since: string; reason: Uint8Array; by: string };
  reminders?: Record<string, string>;
}

export interface MaskedCustomer {
  customerId: string;
  name: string;
  contact: { type: ContactType; masked: string };
  consent: ReturnType<typeof consentState>;
  retention: { expiresAt: string };
  erasure?: { status: string; scheduledFor: string; receiptId: string };
  legalHold?: boolean;
  createdAt: string;
}

export interface RevealedCustomer {
  name: string;
  email?: string;
  phone?: string;
}

export interface CreateCustomerInput {
  name: string;
  email?: string;
  phone?: string;
  consent?: { communications?: boolean };
}

export interface CustomerSettings {
  defaultPhoneRegion?: string;
}

export interface CustomerDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  accessLog: AccessLog;
  settings?: CustomerSettings;
  metrics?: Metrics;
}

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

export function toRow(item: Item): CustomerRow {
  return item as unknown as CustomerRow;
}

export class Customers {
  constructor(private readonly deps: CustomerDeps) {}

  private get now(): Date {
    return this.deps.clock.now();
  }

  /** The live row, or undefined when absent or past its TTL (DynamoDB deletes expired rows lazily). */
  async load(customerId: string): Promise<CustomerRow | undefined> {
    const item = await this.deps.store.get('customers', { customerId }, { consistent: true });
    if (!item) return undefined;
    const row = toRow(item);
    if (typeof row.expiresAt === 'number' && row.expiresAt <= epoch(this.now)) return undefined;
    return row;
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

  async masked(row: CustomerRow, sealed?: SealedCustomer): Promise<MaskedCustomer> {
    const s = sealed ?? (await this.unseal(row));
    return {
      customerId: row.customerId,
      name: maskName(s.name),
      contact: { type: s.contact.type, masked: maskContact(s.contact) },
      consent: consentState(row.consent ?? [], this.now),
      // No TTL under a legal hold: show when retention would end without it.
      retention: { expiresAt: retentionEnd(row) },
      ...(row.erasure ? { erasure: { status: row.erasure.status, scheduledFor: row.erasure.scheduledFor, receiptId: row.erasure.receiptId } } : {}),
      ...(row.legalHold ? { legalHold: true } : {}),
      createdAt: row.createdAt,
    };
  }

  async create(principal: Principal, input: CreateCustomerInput, idempotencyKey?: string, attempt = 0): Promise<{ customer: MaskedCustomer; replayed: boolean }> {
    const contact = normaliseContact(input, this.deps.settings?.defaultPhoneRegion);
    const name = normaliseName(input.name);
    const { vault, store } = this.deps;

    // Idempotency: a keyed fingerprint of the normalised request, so "same body" ignores formatting.
    let customerId: string = randomUUID();
    let resuming = false;
    let idemKey: string | undefined;
    let fingerprint: string | undefined;
    if (idempotencyKey !== undefined) {
      const actor = principal.kind === 'staff' ? principal.staffId : principal.kind;
      idemKey = await vault.fingerprint('idempotency-key', `${actor}\u0000${idempotencyKey}`);
      fingerprint = await vault.fingerprint('idempotency-body', JSON.stringify([name, contact.type, contact.value, input.consent ?? null]));
      const prior = await store.get('idempotency', { key: idemKey }, { consistent: true });
      if (prior && typeof prior.expiresAt === 'number' && prior.expiresAt > epoch(this.now)) {
        if (prior.fingerprint !== fingerprint) throw new IdempotencyMismatchError();
        customerId = String(prior.customerId);
        resuming = true;
        const existing = await this.load(customerId);
        if (existing) return { customer: await this.masked(existing), replayed: true };
      }
    }

    // All KMS work before the first write: a KMS fault leaves nothing behind.
    const lookup = await vault.blindIndex(contact.type, contact.value);
    // Only a resumed attempt can find a key already stored for this id.
    const existingWrapped = resuming ? await vault.wrappedKey(customerId) : undefined;
    const key = existingWrapped
      ? { plaintext: await vault.unwrap(customerId, existingWrapped), wrapped: existingWrapped }
      : await vault.newKey(customerId);
    const now = this.now;
    const sealedValue: SealedCustomer = {
      name,
      contact,
      pseudonyms: { interaction: randomToken(), behaviour: randomToken() },
    };
    const sealed = await vault.seal(customerId, 'contact', sealedValue, key.plaintext);
    const expiresAt = ttlFor('contact', now);
    const consent = input.consent?.communications === undefined ? [] : recordConsent([], { communications: input.consent.communications }, 'staff-entry', now);

    const row: CustomerRow = {
      customerId,
      v: 1,
      sealed,
      contactType: contact.type,
      lookup,
      createdAt: now.toISOString(),
      lastActivityAt: now.toISOString(),
      expiresAt,
      consent,
    };

    if (idemKey && fingerprint && !resuming) {
      try {
        await store.put('idempotency', { key: idemKey, fingerprint, customerId, createdAt: now.toISOString(), expiresAt: ttlFor('idempotency', now) }, { kind: 'notExists' });
      } catch (e) {
        if (!(e instanceof ConditionFailedError) || attempt > 0) throw e;
        // A concurrent request with this key claimed it first: start again as its retry, so both
        // end with its customerId (or 422 if its body differs). Our sealed values name our id: discard them.
        return this.create(principal, input, idempotencyKey, attempt + 1);
      }
    }

    await this.claimIndex(lookup, customerId, expiresAt);
    let keyStoredHere = false;
    try {
      if (!existingWrapped) {
        try {
          // The key outlives the row a little, so the TTL cascade can still open the record to find its linked rows.
          await vault.storeKey(customerId, key.wrapped, key.plaintext, expiresAt + DEFAULT_KEY_MARGIN_SECONDS);
          keyStoredHere = true;
        } catch (e) {
          // Another attempt with the same id stored its own key first: our ciphertext is under a key that
          // will never be stored. Let that attempt finish; the client's retry then replays it.
          if (e instanceof ConditionFailedError) throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly.', 'request_in_progress');
          throw e;
        }
      }
      // Logged before the row becomes visible: an entry without a customer is harmless, a customer without its entry is not.
      await this.deps.accessLog.append(customerId, principal, 'create');
      await store.put('customers', row as unknown as Item, { kind: 'notExists' });
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        // The row exists: a concurrent retry with the same key finished first. Replay it, touch nothing.
        const existing = await this.load(customerId);
        if (existing) return { customer: await this.masked(existing), replayed: true };
      }
      if (!(e instanceof ConflictError)) await this.rollbackCreate(lookup, customerId, keyStoredHere);
      throw e;
    }
    this.deps.metrics?.count('CustomerCreated');
    return { customer: await this.masked(row, sealedValue), replayed: false };
  }

  /** How long an index entry whose customer row does not exist yet counts as a create still in flight. */
  private static readonly IN_FLIGHT_SECONDS = 60;

  /** Claims the blind-index entry, or takes over one left by a create that never finished. */
  private async claimIndex(lookup: string, customerId: string, expiresAt: number): Promise<void> {
    const { store } = this.deps;
    const entry = { lookup, customerId, createdAt: this.now.toISOString(), expiresAt };
    try {
      await store.put('contact-index', entry, { kind: 'notExists' });
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
    const current = await store.get('contact-index', { lookup }, { consistent: true });
    const owner = current ? String(current.customerId) : undefined;
    if (owner === customerId) return;
    const taken = new ConflictError('A customer with this contact already exists.', 'contact_exists');
    if (owner && (await this.load(owner))) throw taken;
    // No live owner: either a create still in flight (recent) or one that died (dangling). Only the latter is taken over.
    const age = current ? epoch(this.now) - epoch(new Date(String(current.createdAt))) : Infinity;
    const expired = typeof current?.expiresAt === 'number' && current.expiresAt <= epoch(this.now);
    if (!expired && age < Customers.IN_FLIGHT_SECONDS) throw taken;
    await store.put('contact-index', entry, current ? { kind: 'equals', values: { customerId: owner } } : { kind: 'notExists' }).catch((e) => {
      if (e instanceof ConditionFailedError) throw taken;
      throw e;
    });
  }

  private async rollbackCreate(lookup: string, customerId: string, keyStoredHere: boolean): Promise<void> {
    // Only when the row is surely absent: a write that timed out may still have landed, and shredding
    // the key under a live row would destroy the customer. If the check itself fails, leave the
    // leftovers: they are invisible and repaired by the next create (index entries are taken over
    // once stale, a key without a row is reused by an Idempotency-Key retry).
    const present = await this.deps.store.get('customers', { customerId }, { consistent: true }).then(Boolean, () => true);
    if (present) return;
    await this.deps.store.delete('contact-index', { lookup }, { kind: 'equals', values: { customerId } }).catch(() => undefined);
    if (keyStoredHere) await this.deps.vault.shred(customerId).catch(() => undefined);
  }

  async findByContact(input: { email?: string; phone?: string }): Promise<CustomerRow | undefined> {
    const contact = normaliseContact(input, this.deps.settings?.defaultPhoneRegion);
    const lookup = await this.deps.vault.blindIndex(contact.type, contact.value);
    const entry = await this.deps.store.get('contact-index', { lookup }, { consistent: true });
    if (!entry) return undefined;
    const row = await this.load(String(entry.customerId));
    return row && row.lookup === lookup ? row : undefined;
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

  async patch(principal: Principal, customerId: string, input: { name?: string; email?: string; phone?: string }): Promise<MaskedCustomer> {
    if (input.name === undefined && input.email === undefined && input.phone === undefined) {
      throw new ValidationError('Nothing to change.', [{ field: 'name', message: 'give at least one of name, email, phone' }]);
    }
    const row = await this.require(customerId);
    const sealed = await this.unseal(row);
    const next: SealedCustomer = { ...sealed };
    if (input.name !== undefined) next.name = normaliseName(input.name);
    let newLookup: string | undefined;
    if (input.email !== undefined || input.phone !== undefined) {
      next.contact = normaliseContact({ email: input.email, phone: input.phone }, this.deps.settings?.defaultPhoneRegion);
      const lookup = await this.deps.vault.blindIndex(next.contact.type, next.contact.value);
      if (lookup !== row.lookup) newLookup = lookup;
    }
    const updated: CustomerRow = {
      ...row,
      v: row.v + 1,
      sealed: await this.deps.vault.seal(customerId, 'contact', next),
      contactType: next.contact.type,
      lookup: newLookup ?? row.lookup,
    };
    if (newLookup) await this.claimIndex(newLookup, customerId, row.expiresAt);
    try {
      await this.deps.store.put('customers', updated as unknown as Item, { kind: 'equals', values: { v: row.v } });
    } catch (e) {
      if (newLookup) await this.deps.store.delete('contact-index', { lookup: newLookup }, { kind: 'equals', values: { customerId } }).catch(() => undefined);
      if (e instanceof ConditionFailedError) throw new ConflictError('The customer changed meanwhile; read it again and retry.', 'concurrent_update');
      throw e;
    }
    // The old contact method is replaced: its index entry goes (a leftover would only point back here).
    if (newLookup) await this.deps.store.delete('contact-index', { lookup: row.lookup }, { kind: 'equals', values: { customerId } }).catch(() => undefined);
    await this.deps.accessLog.append(customerId, principal, 'update', undefined, !!row.legalHold);
    return this.masked(updated, next);
  }

  /**
   * The access log outlives the customer (accountability): after an erasure the entries stay readable
   * to a privacy officer, purposes null and nothing naming the person. Unknown ids are still 404.
   */
  async accessLog(principal: Principal, customerId: string) {
    const row = await this.load(customerId);
    const items = await this.deps.accessLog.list(customerId);
    if (!row && items.length === 0) throw new NotFoundError('No such customer.');
    await this.deps.accessLog.append(customerId, principal, 'read_access_log', undefined, !!row?.legalHold);
    return { items };
  }

  /**
   * Conditional read-modify-write of a live customer row (the shared retry loop of customer-rows);
   * refused like `require` when the customer is absent or being erased. `v` is bumped there.
   */
  async update(customerId: string, mutate: (row: CustomerRow) => CustomerRow | Promise<CustomerRow>): Promise<CustomerRow> {
    const next = await updateRow(this.deps.store, customerId, () => this.now, async (r) => {
      refuseWhileErasing(r);
      return (await mutate(r as unknown as CustomerRow)) as unknown as ForgettableRow;
    });
    if (!next) throw new NotFoundError('No such customer.');
    return next as unknown as CustomerRow;
  }
}

export function normaliseName(raw: string): string {
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length < 1 || name.length > 200) {
    throw new ValidationError('The name must be 1 to 200 characters.', [{ field: 'name', message: 'must be 1 to 200 characters' }]);
  }
  return name;
}

function refuseWhileErasing(row: { erasure?: { startedAt?: string } | ErasureMark }): void {
  if ((row.erasure as { startedAt?: string } | undefined)?.startedAt) throw new ConflictError('This customer is being erased.', 'erasure_in_progress');
}
