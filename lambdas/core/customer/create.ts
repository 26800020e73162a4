/**
 * Creating a customer. Write order, so a crash or a failing dependency never leaves a visible
 * half-customer: every KMS call first (nothing written yet), then the idempotency claim, the
 * blind-index claim, the wrapped key, and the customer row last. Search goes index → customer row, so
 * until that last write nothing is findable; a retry (same Idempotency-Key) resumes with the same
 * customerId, and a later create takes over an index entry that points at no customer.
 */
import { randomUUID } from 'node:crypto';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessLog } from '../shared/access-log';
import { ConditionFailedError, ConflictError } from '../shared/errors';
import type { Idempotency, IdempotentRequest } from '../shared/idempotency';
import type { Clock, Store } from '../shared/ports';
import { actorOf, type Principal } from '../shared/principal';
import { dayOf } from '../policy/time';
import { randomToken, type Vault } from '../shared/vault';
import { recordConsent } from './consent';
import { normaliseContact } from './contact';
import { claimIndex, releaseIndex } from './contact-index';
import { normaliseName } from './name';
import type { CustomerRow, SealedCustomer } from './record';
import { itemFor } from './rows';
import type { CreateCustomerInput, CustomerSettings, MaskedCustomer } from './views';

export interface CreateDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  policy: RetentionPolicy;
  accessLog: AccessLog;
  idempotency: Idempotency;
  /** The customer service's reads (it owns create and passes itself here). */
  customers: {
    load(customerId: string): Promise<CustomerRow | undefined>;
    masked(row: CustomerRow, sealed?: SealedCustomer): Promise<MaskedCustomer>;
    isLive(customerId: string): Promise<boolean>;
  };
  settings?: CustomerSettings;
}

type Created = { customer: MaskedCustomer; replayed: boolean };

export async function createCustomer(
  deps: CreateDeps,
  principal: Principal,
  input: CreateCustomerInput,
  idempotencyKey?: string,
): Promise<Created> {
  const { vault, store, customers, idempotency, policy } = deps;
  const contact = normaliseContact(input, deps.settings?.defaultPhoneRegion);
  const name = normaliseName(input.name);

  let customerId: string = randomUUID();
  let resuming = false;
  let request: IdempotentRequest | undefined;
  if (idempotencyKey !== undefined) {
    request = await idempotency.request('customer', actorOf(principal).actor, idempotencyKey, [
      name,
      contact.type,
      contact.value,
      input.consent ?? null,
    ]);
    const prior = await idempotency.find(request);
    if (prior) {
      customerId = prior;
      resuming = true;
      const existing = await customers.load(customerId);
      if (existing) return { customer: await customers.masked(existing), replayed: true };
    }
  }

  // All KMS work before the first write: a KMS fault leaves nothing behind.
  const lookup = await vault.blindIndex(contact.type, contact.value);
  // Only a resumed attempt can find a key already stored for this id.
  const existingWrapped = resuming ? await vault.wrappedKey(customerId) : undefined;
  const key = existingWrapped
    ? { plaintext: await vault.unwrap(customerId, existingWrapped), wrapped: existingWrapped }
    : await vault.newKey(customerId);
  const now = deps.clock.now();
  const sealedValue: SealedCustomer = { name, contact, pseudonyms: { interaction: randomToken(), behaviour: randomToken() }, lookup };
  const sealed = await vault.seal(customerId, 'contact', sealedValue, key.plaintext);
  const expiresAt = policy.contactTtl(dayOf(now));
  const consent =
    input.consent?.communications === undefined
      ? []
      : recordConsent([], { communications: input.consent.communications }, 'staff-entry', now);
  const row: CustomerRow = {
    customerId,
    v: 1,
    sealed,
    contactType: contact.type,
    createdAt: now.toISOString(),
    lastActivityAt: dayOf(now),
    expiresAt,
    consent,
  };

  if (request && !resuming) {
    const owner = await idempotency.claim(request, customerId);
    if (owner !== customerId) {
      // A concurrent request with this key claimed it first: continue as its retry, so both end with
      // its customerId. Our sealed values name our id: discard them and start again from its claim.
      return createCustomer(deps, principal, input, idempotencyKey);
    }
  }

  const candidates = vault.blindIndexes(contact.type, contact.value);
  await claimIndex({ store, clock: deps.clock, isLive: customers.isLive }, lookup, customerId, expiresAt, candidates);
  let keyStoredHere = false;
  try {
    if (!existingWrapped) {
      try {
        // The key outlives the row a little, so the TTL cascade can still open the record to find its linked rows.
        await vault.storeKey(customerId, key.wrapped, key.plaintext, expiresAt + policy.keyMarginSeconds);
        keyStoredHere = true;
      } catch (e) {
        // Another attempt with the same id stored its own key first: our ciphertext is under a key that
        // will never be stored. Let that attempt finish; the client's retry then replays it.
        if (e instanceof ConditionFailedError)
          throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly.', 'request_in_progress');
        throw e;
      }
    }
    // Logged before the row becomes visible: an entry without a customer is harmless, a customer without its entry is not.
    await deps.accessLog.append(customerId, principal, 'create');
    await store.put('customers', itemFor(policy, row, now), { kind: 'notExists' });
  } catch (e) {
    if (e instanceof ConditionFailedError) {
      // The row exists: a concurrent retry with the same key finished first. Replay it, touch nothing.
      const existing = await customers.load(customerId);
      if (existing) return { customer: await customers.masked(existing), replayed: true };
    }
    if (!(e instanceof ConflictError)) await rollbackCreate(deps, lookup, customerId, keyStoredHere);
    throw e;
  }
  return { customer: await customers.masked(row, sealedValue), replayed: false };
}

async function rollbackCreate(deps: CreateDeps, lookup: string, customerId: string, keyStoredHere: boolean): Promise<void> {
  // Only when the row is surely absent: a write that timed out may still have landed, and shredding
  // the key under a live row would destroy the customer. If the check itself fails, leave the
  // leftovers: they are invisible and repaired by the next create (index entries are taken over
  // once stale, a key without a row is reused by an Idempotency-Key retry).
  const present = await deps.store.get('customers', { customerId }, { consistent: true }).then(Boolean, () => true);
  if (present) return;
  await releaseIndex(deps.store, lookup, customerId);
  if (keyStoredHere) await deps.vault.shred(customerId).catch(() => undefined);
}
