/**
 * Legal hold: while it stands, neither an erasure nor TTL expiry destroys anything of the customer.
 *
 * Placing it removes the TTL attribute from the customer row, its key and index entry, and every row
 * linked to the customer (interactions, behaviour, purchases, access log), so DynamoDB's TTL has
 * nothing to act on; a waiting erasure stays scheduled and its receipt says `on-hold`. Lifting it puts
 * every TTL back where the inventory says (retention counted from the row's own dates, so a long hold
 * never extends retention beyond it) and lets a waiting erasure go ahead. Rows written during the hold
 * lose their TTL on the customer's next activity, or when the hold is placed again (idempotent).
 *
 * The reasons for placing and for lifting can be personal (a case about this person): they are sealed
 * under the customer's key, and the access log keeps them as the stated purpose of the action. A
 * waiting erasure's public receipt shows only that a hold was placed or lifted, and when.
 */
import type { AccessLog } from '../shared/access-log';
import type { Cascade, Pseudonyms } from './cascade';
import { keyOf } from './cascade';
import { setCompanionTtl, Unchanged, updateRow, withoutTtl } from '../customer/rows';
import type { CustomerRow, SealedCustomer } from '../customer/record';
import type { Customers } from '../customer/customers';
import { ConditionFailedError, ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { ErasureRun } from './erasure-run';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { Clock, Item, Log, Store } from '../shared/ports';
import { actorOf, type Principal } from '../shared/principal';
import { TABLES } from '../policy/tables';
import type { Vault } from '../shared/vault';

export interface LegalHoldState {
  customerId: string;
  legalHold: boolean;
  since?: string;
}

export interface LegalHoldDeps {
  policy: RetentionPolicy;
  store: Store;
  clock: Clock;
  vault: Vault;
  customers: Customers;
  accessLog: AccessLog;
  cascade: Cascade;
  erasure: ErasureRun;
  log: Log;
}

export function normaliseReason(raw: unknown, action = 'Placing'): string {
  const reason = typeof raw === 'string' ? raw.normalize('NFC').trim().replace(/\s+/g, ' ') : '';
  if (reason.length < 3 || reason.length > 500) {
    throw new ValidationError(`${action} a legal hold needs a reason of 3 to 500 characters.`, [
      { field: 'reason', message: 'must be 3 to 500 characters' },
    ]);
  }
  return reason;
}

/** When a row's retention started: the dates the category services write, earliest-meaning first. */
function retentionStart(item: Item, fallback: Date): Date {
  for (const attribute of ['createdAt', 'at', 'occurredAt']) {
    const t = typeof item[attribute] === 'string' ? Date.parse(item[attribute] as string) : NaN;
    if (!Number.isNaN(t)) return new Date(t);
  }
  return fallback;
}

export class LegalHolds {
  constructor(private readonly deps: LegalHoldDeps) {}

  private get now(): Date {
    return this.deps.clock.now();
  }

  async place(principal: Principal, customerId: string, rawReason: unknown): Promise<LegalHoldState> {
    const reason = normaliseReason(rawReason);
    const { customers, vault, store } = this.deps;
    const row = await customers.require(customerId);
    if (row.erasure?.startedAt) throw erasureUnderWay();
    const sealedReason = await vault.seal(customerId, 'accessLog', reason);
    const now = this.now;

    // Companions first: they must not expire while the row is held.
    const lookup = await customers.lookupOf(row);
    await setCompanionTtl(store, customerId, lookup, undefined, { keyMarginSeconds: this.deps.policy.keyMarginSeconds });
    const held = await updateRow(
      this.deps,
      customerId,
      () => now,
      (r) => {
        if (r.erasure?.startedAt) throw erasureUnderWay();
        return {
          ...r,
          legalHold: { since: r.legalHold?.since ?? now.toISOString(), reason: sealedReason, by: actorOf(principal).actor },
          expiresAt: undefined,
          erasure: r.erasure ? { ...r.erasure, status: 'on-hold' } : undefined,
        };
      },
    );
    if (!held) throw new NotFoundError('No such customer.');
    await this.deps.erasure.markOnHold(customerId);
    // Logged before the linked rows are preserved, so the log entry of the hold is kept with them.
    await this.deps.accessLog.append(customerId, principal, 'legal_hold', reason);
    await this.preserveLinked(held);
    return { customerId, legalHold: true, since: held.legalHold!.since };
  }

  async lift(principal: Principal, customerId: string, rawReason: unknown): Promise<LegalHoldState> {
    const reason = normaliseReason(rawReason, 'Lifting');
    const { customers, store } = this.deps;
    const row = await customers.require(customerId);
    if (!row.legalHold) {
      // Lifting twice is fine, and finishes a lift that stopped before rescheduling the erasure.
      await this.deps.erasure.resumeAfterHold(customerId);
      return { customerId, legalHold: false };
    }
    // Retention runs from the last activity, as if there had been no hold.
    const expiresAt = this.deps.policy.contactTtl(row.lastActivityAt);
    const sealed = await this.deps.cascade.unseal(row);
    // Linked rows and companions before the row: until the row says "not held", a retry redoes them.
    await this.restoreLinked(customerId, sealed?.pseudonyms);
    const lookup = sealed ? await customers.lookupOf(row, sealed) : row.lookup;
    await setCompanionTtl(store, customerId, lookup, expiresAt, { keyMarginSeconds: this.deps.policy.keyMarginSeconds });
    await updateRow(
      this.deps,
      customerId,
      () => this.now,
      (r) => {
        if (!r.legalHold) throw new Unchanged();
        return { ...r, legalHold: undefined, expiresAt };
      },
    );
    await this.deps.accessLog.append(customerId, principal, 'lift_legal_hold', reason);
    await this.deps.erasure.resumeAfterHold(customerId);
    return { customerId, legalHold: false };
  }

  /** Makes sure nothing of a held customer carries a TTL (rows written since the hold was placed). */
  async preserve(row: CustomerRow): Promise<void> {
    if (!row.legalHold) return;
    const sealed = await this.deps.cascade.unseal(row);
    const lookup = sealed ? await this.deps.customers.lookupOf(row, sealed) : row.lookup;
    await setCompanionTtl(this.deps.store, row.customerId, lookup, undefined, { keyMarginSeconds: this.deps.policy.keyMarginSeconds });
    await this.preserveLinked(row, sealed);
  }

  private async preserveLinked(row: CustomerRow, sealed?: SealedCustomer): Promise<void> {
    sealed ??= await this.deps.cascade.unseal(row);
    for await (const { table, item } of this.deps.cascade.linkedRows(row.customerId, sealed?.pseudonyms)) {
      if (typeof item.expiresAt !== 'number') continue;
      await this.deps.store.put(table, withoutTtl(item), { kind: 'equals', values: { expiresAt: item.expiresAt } }).catch(ignoreLostRace);
    }
  }

  private async restoreLinked(customerId: string, pseudonyms: Pseudonyms | undefined): Promise<void> {
    const now = this.now;
    for await (const { table, category, item } of this.deps.cascade.linkedRows(customerId, pseudonyms)) {
      if (typeof item.expiresAt === 'number') continue;
      const expiresAt = this.deps.policy.ttlFor(category, retentionStart(item, now));
      const pk = TABLES[table].partitionKey.name;
      // Conditional on the row still existing without a TTL: a row deleted meanwhile stays deleted.
      await this.deps.store
        .put(table, { ...item, expiresAt }, { kind: 'equals', values: { [pk]: keyOf(table, item)[pk], expiresAt: undefined } })
        .catch(ignoreLostRace);
    }
  }
}

function ignoreLostRace(e: unknown): void {
  if (!(e instanceof ConditionFailedError)) throw e;
}

function erasureUnderWay(): ConflictError {
  return new ConflictError('The erasure is already under way; a legal hold can no longer stop it.', 'erasure_in_progress');
}
