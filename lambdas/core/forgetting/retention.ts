/**
 * Retention by TTL: activity extends it, expiry cascades, and the customer hears about both before
 * they happen.
 *
 * - `touch`: an interaction, a purchase, a consent change or a portal sign-in moves the customer's TTL
 *   (row, key and index entry) to a full retention period from now. Writes are throttled: only when
 *   the TTL moves by at least a day.
 * - `onExpired`: the TTL deletion of a customer row (DynamoDB stream, or the local reaper) runs the
 *   erasure cascade, unless the row was under a legal hold, which is then put back.
 * - `daily`: once, `reminderLeadSeconds` before retention ends, and once that long before
 *   communications consent lapses, the customer is told. What was sent is recorded on the row, keyed
 *   by the date it announced, so a retention extended by activity earns a new reminder later. A contact
 *   refused for good (PermanentDeliveryError) is recorded on the row (`undeliverable`) and not tried
 *   again until the contact changes; a transient fault is retried for that customer, and only when the
 *   retries run out (the dependency is down) does the run fail, to be retried as a whole.
 */
import type { Cascade } from './cascade';
import { consentStatus } from '../customer/consent';
import { loadRaw, setCompanionTtl, Unchanged, updateRow, withoutTtl } from '../customer/rows';
import { customerFromItem, customerToItem, type CustomerRow } from '../customer/record';
import { DAY_SECONDS, epoch, isExpired } from '../policy/time';
import { ConditionFailedError, DependencyUnavailableError, PermanentDeliveryError } from '../shared/errors';
import type { Metrics } from '../shared/metrics';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { LegalHolds } from './legal-hold';
import { notices, type Notice, type NoticeSender } from './notices';
import type { Clock, Log, Store } from '../shared/ports';

export interface RetentionDeps {
  store: Store;
  clock: Clock;
  policy: RetentionPolicy;
  log: Log;
  cascade: Cascade;
  holds: LegalHolds;
  notices: NoticeSender;
  metrics?: Metrics;
  /** Waits before each retry of one customer's reminders after a transient fault (default 0.5 s, then 2 s). */
  retryDelaysMs?: readonly number[];
}

export interface ReminderRun {
  retention: number;
  communications: number;
  /** Customers whose contact was refused for good in this run (recorded, not retried). */
  rejected: number;
  failed: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ReminderRunFailed extends Error {
  constructor(readonly failed: number) {
    super(`${failed} customer(s) could not be reminded; the run is safe to repeat.`);
  }
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
    const next = this.deps.policy.ttlFor('contact', now);
    const moves = (r: CustomerRow) => typeof r.expiresAt === 'number' && next - r.expiresAt >= DAY_SECONDS;
    if (!moves(row)) return;
    // Companions first: they may outlive the row for a while, never the other way round.
    await setCompanionTtl(store, customerId, row.lookup, next, { keyMarginSeconds: this.deps.policy.keyMarginSeconds, onlyExtend: true });
    await updateRow(store, customerId, () => now, (r) => {
      if (r.legalHold || r.erasure?.startedAt || !moves(r)) throw new Unchanged();
      return { ...r, lastActivityAt: now.toISOString(), expiresAt: next };
    });
  }

  /**
   * A customer row was deleted by TTL (`old` is its last image). Cascades, or under a legal hold (a
   * TTL deletion racing the hold) puts the row back without its TTL.
   */
  async onExpired(old: CustomerRow): Promise<'cascaded' | 'restored'> {
    if (old.legalHold) {
      await this.deps.store.put('customers', customerToItem(withoutTtl(old)), { kind: 'notExists' }).catch((e) => {
        if (!(e instanceof ConditionFailedError)) throw e;
      });
      this.deps.log.warn('ttl deletion of a customer under legal hold undone', { customerId: old.customerId });
      return 'restored';
    }
    await this.deps.cascade.run(old.customerId, old);
    this.deps.log.info('ttl expiry cascaded', { customerId: old.customerId });
    return 'cascaded';
  }

  /** The daily job: reminders before retention ends and before communications consent lapses. */
  async daily(): Promise<ReminderRun> {
    const run: ReminderRun = { retention: 0, communications: 0, rejected: 0, failed: 0 };
    for await (const item of this.deps.store.scan('customers')) {
      const row = customerFromItem(item);
      try {
        const sent = await this.remindWithRetries(row);
        for (const topic of sent) run[topic]++;
      } catch (e) {
        if (e instanceof PermanentDeliveryError) {
          run.rejected++;
          await this.markUndeliverable(row.customerId, e);
          continue;
        }
        // Still unavailable after this customer's retries: the dependency is down, the run is retried as a whole.
        if (e instanceof DependencyUnavailableError) throw e;
        run.failed++;
        this.deps.log.error('reminder failed', { customerId: row.customerId, errorName: (e as Error)?.name });
      }
    }
    this.deps.metrics?.count('ReminderSent', run.retention + run.communications);
    this.deps.metrics?.count('ReminderRejected', run.rejected);
    this.deps.log.info('reminders run', { ...run });
    if (run.failed > 0) throw new ReminderRunFailed(run.failed);
    return run;
  }

  /** One customer's reminders; a transient fault is retried for this customer alone, on a fresh read of the row. */
  private async remindWithRetries(row: CustomerRow): Promise<('retention' | 'communications')[]> {
    const delays = this.deps.retryDelaysMs ?? [500, 2_000];
    for (let attempt = 0; ; attempt++) {
      try {
        const current = attempt === 0 ? row : await loadRaw(this.deps.store, row.customerId);
        return current ? await this.remind(current) : [];
      } catch (e) {
        if (!(e instanceof DependencyUnavailableError) || attempt >= delays.length) throw e;
        await sleep(delays[attempt]);
      }
    }
  }

  /** Records the refusal on the row, for its current contact; nothing else changes. */
  private async markUndeliverable(customerId: string, e: PermanentDeliveryError): Promise<void> {
    const now = this.deps.clock.now();
    await updateRow(this.deps.store, customerId, () => now, (r) => ({
      ...r,
      undeliverable: { lookup: r.lookup, since: now.toISOString(), reason: e.reason },
    }));
    this.deps.log.warn('reminder refused for good; contact marked undeliverable', { customerId, channel: e.channel, errorName: e.reason });
  }

  private dueReminders(row: CustomerRow, now: Date): { topic: 'retention' | 'communications'; announces: string; notice: Notice }[] {
    const due: { topic: 'retention' | 'communications'; announces: string; notice: Notice }[] = [];
    const lead = this.deps.policy.reminderLeadSeconds;
    if (typeof row.expiresAt === 'number' && row.expiresAt - lead <= epoch(now)) {
      const endsAt = new Date(row.expiresAt * 1000).toISOString();
      if (row.reminders?.retention !== endsAt) due.push({ topic: 'retention', announces: endsAt, notice: notices.retentionEnding(endsAt) });
    }
    const consent = consentStatus(row.consent, 'communications', now, this.deps.policy.consent);
    if (consent.status === 'active' && consent.expiresAt && Date.parse(consent.expiresAt) - lead * 1000 <= now.getTime()) {
      if (row.reminders?.communications !== consent.expiresAt) {
        due.push({ topic: 'communications', announces: consent.expiresAt, notice: notices.consentLapsing(consent.expiresAt) });
      }
    }
    return due;
  }

  private async remind(row: CustomerRow): Promise<('retention' | 'communications')[]> {
    const now = this.deps.clock.now();
    // An erasure already requested says more than any reminder could.
    if (isExpired(row, now) || row.erasure) return [];
    // Refused for good at this contact: not retried until the contact changes.
    if (row.undeliverable && row.undeliverable.lookup === row.lookup) return [];
    const due = this.dueReminders(row, now);
    if (due.length === 0) return [];
    const sealed = await this.deps.cascade.unseal(row);
    if (!sealed) return [];
    const sent: ('retention' | 'communications')[] = [];
    for (const reminder of due) {
      // Sent, then recorded: a crash in between repeats a reminder rather than losing one.
      if (await this.deps.notices.send(row.customerId, sealed.contact, row.consent ?? [], reminder.notice)) sent.push(reminder.topic);
      await updateRow(this.deps.store, row.customerId, () => now, (r) => ({ ...r, reminders: { ...(r.reminders ?? {}), [reminder.topic]: reminder.announces } }));
    }
    return sent;
  }
}
