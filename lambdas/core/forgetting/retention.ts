/**
 * Retention by TTL: activity extends it, expiry cascades.
 *
 * - `touch`: an interaction, a purchase, a consent change or a portal sign-in moves the customer's TTL
 *   (row, key and index entry) to a full retention period from the end of today. Writes are throttled:
 *   only when the TTL moves by at least a day.
 * - `onExpired`: the TTL deletion of a customer row (DynamoDB stream, or the local reaper) runs the
 *   erasure cascade, unless the row was under a legal hold, which is then put back.
 *
 * The reminders before both happen are the daily job's (reminders.ts).
 */
import type { Cascade } from './cascade';
import { itemFor, loadRaw, setCompanionTtl, Unchanged, updateRow, withoutTtl } from '../customer/rows';
import type { CustomerRow } from '../customer/record';
import { DAY_SECONDS, dayOf, isExpired } from '../policy/time';
import { ConditionFailedError } from '../shared/errors';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { LegalHolds } from './legal-hold';
import type { Clock, Log, Store } from '../shared/ports';

export interface RetentionDeps {
  store: Store;
  clock: Clock;
  policy: RetentionPolicy;
  log: Log;
  cascade: Cascade;
  holds: LegalHolds;
}

export class Retention {
  constructor(private readonly deps: RetentionDeps) {}

  /**
   * The hook the activity paths call (interactions, purchases, consent, sign-in): `touch`, but a
   * failure only logs. The activity itself has happened; a retry of it must not be provoked by this.
   */
  readonly onActivity = async (customerId: string): Promise<void> => {
    try {
      await this.touch(customerId);
    } catch (e) {
      this.deps.log.warn('retention not extended', { customerId, errorName: (e as Error)?.name });
    }
  };

  /** Activity: extends the customer's retention. A no-op for an absent, expired or erasing customer. */
  async touch(customerId: string): Promise<void> {
    const { store } = this.deps;
    const now = this.deps.clock.now();
    const row = await loadRaw(store, customerId);
    if (!row || isExpired(row, now) || row.erasure?.startedAt) return;
    if (row.legalHold) {
      // Whatever the activity wrote carries a TTL: under a hold it must not.
      await this.deps.holds.preserve(row);
      return;
    }
    // Whole days (the day of the activity, and a TTL counted from its end): written in the same request
    // as a pseudonymous row, a finer time would let a copy of the tables match the two.
    const today = dayOf(now);
    const next = this.deps.policy.contactTtl(today);
    const moves = (r: CustomerRow) => typeof r.expiresAt === 'number' && next - r.expiresAt >= DAY_SECONDS;
    if (!moves(row)) return;
    // Companions first: they may outlive the row for a while, never the other way round.
    const lookup = await this.deps.cascade.lookupOf(row);
    await setCompanionTtl(store, customerId, lookup, next, { keyMarginSeconds: this.deps.policy.keyMarginSeconds, onlyExtend: true });
    await updateRow(
      this.deps,
      customerId,
      () => now,
      (r) => {
        if (r.legalHold || r.erasure?.startedAt || !moves(r)) throw new Unchanged();
        return { ...r, lastActivityAt: today, expiresAt: next };
      },
    );
  }

  /**
   * A customer row was deleted by TTL (`old` is its last image). Cascades, or under a legal hold (a
   * TTL deletion racing the hold) puts the row back without its TTL.
   */
  async onExpired(old: CustomerRow): Promise<'cascaded' | 'restored'> {
    if (old.legalHold) {
      const item = itemFor(this.deps.policy, withoutTtl(old), this.deps.clock.now());
      await this.deps.store.put('customers', item, { kind: 'notExists' }).catch((e) => {
        if (!(e instanceof ConditionFailedError)) throw e;
      });
      this.deps.log.warn('ttl deletion of a customer under legal hold undone', { customerId: old.customerId });
      return 'restored';
    }
    await this.deps.cascade.run(old.customerId, old);
    this.deps.log.info('ttl expiry cascaded', { customerId: old.customerId });
    return 'cascaded';
  }
}
