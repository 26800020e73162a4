/**
 * The daily reminders, without a scan: once, `reminderLeadSeconds` before retention ends, and once that
 * long before communications consent lapses, the customer is told.
 *
 * - Finding them: each customer row carries the day its next reminder is due and a fixed shard
 *   (customer/reminder-day.ts), kept up to date by every write of the row. The job asks each shard of the
 *   sparse `byRemindOn` index for the rows due by today: it reads the customers due and nobody else, and
 *   a day it missed (an outage) is caught up by the next run. The index projects whole rows, so a
 *   reminder costs two item reads: the index item and the customer's wrapped key (to open the contact).
 * - Recording: what was sent is recorded on the row, keyed by the date it announced, in the same write
 *   that moves `remindOn` to the next reminder (or out of the index), so the row leaves the range the job
 *   reads. Sent, then recorded: a crash in between repeats a reminder rather than losing one.
 * - Resuming: after each page the checkpoint (row `job#reminders` of the sessions table, the system's
 *   short-lived operational rows, expiring after two days) records today's position
 *   (shard and cursor); a run cut short and retried the same day goes on from there. Whatever it could
 *   not handle stays due, and the next day's run, which starts from the top, reads it again.
 */
import { customerFromItem, type CustomerRow } from '../customer/record';
import {
  pendingReminders,
  REMIND_ON_INDEX,
  REMINDER_SHARDS,
  reminderSlot,
  type PendingReminder,
  type ReminderTopic,
} from '../customer/reminder-day';
import { itemFor, loadRaw, updateRow } from '../customer/rows';
import type { RetentionPolicy } from '../policy/retention-policy';
import { DAY_SECONDS, dayOf, epoch } from '../policy/time';
import { ConditionFailedError, DependencyUnavailableError, PermanentDeliveryError } from '../shared/errors';
import type { Metrics } from '../shared/metrics';
import type { Clock, Item, Log, Store } from '../shared/ports';
import { forEachRow } from '../shared/scan';
import type { Cascade } from './cascade';
import { notices, type Notice, type NoticeSender } from './notices';

export interface ReminderRun {
  retention: number;
  communications: number;
  /** Customers whose contact was refused for good in this run (recorded, not tried again until it changes). */
  rejected: number;
  failed: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ReminderRunFailed extends Error {
  constructor(readonly failed: number) {
    super(`${failed} customer(s) could not be reminded; the run is safe to repeat.`);
  }
}

export interface ReminderDeps {
  store: Store;
  clock: Clock;
  policy: RetentionPolicy;
  log: Log;
  cascade: Cascade;
  notices: NoticeSender;
  metrics?: Metrics;
  /** Waits before each retry of one customer's reminders after a transient fault (default 0.5 s, then 2 s). */
  retryDelaysMs?: readonly number[];
}

/** The checkpoint's row in the sessions table. */
export const REMINDERS_CHECKPOINT = 'job#reminders';
/** A checkpoint is only about today's run; an old one just goes. */
const CHECKPOINT_TTL_SECONDS = 2 * DAY_SECONDS;
/** Index items per query page, and customers handled at once: bounded work in flight, a run well within its timeout. */
const PAGE_SIZE = 25;

/** Where today's run got to: the shard, and the cursor within it (none: from its start). */
interface Position {
  day: string;
  shard: number;
  cursor?: string;
}

export class Reminders {
  constructor(private readonly deps: ReminderDeps) {}

  async daily(): Promise<ReminderRun> {
    const run: ReminderRun = { retention: 0, communications: 0, rejected: 0, failed: 0 };
    const today = dayOf(this.deps.clock.now());
    const saved = await this.checkpoint();
    const resume = saved?.day === today ? saved : undefined;
    for (let shard = resume?.shard ?? 0; shard < REMINDER_SHARDS; shard++) {
      let cursor = shard === resume?.shard ? resume.cursor : undefined;
      do {
        const page = await this.deps.store.queryIndex('customers', REMIND_ON_INDEX, shard, { atMost: today, cursor, limit: PAGE_SIZE });
        // Every customer of the page finishes (sent and recorded) before an outage fails the run.
        const outcomes = await Promise.allSettled(page.items.map((item) => this.remindOne(item, run)));
        const outage = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (outage) throw outage.reason;
        cursor = page.cursor;
        await this.saveCheckpoint(cursor ? { day: today, shard, cursor } : { day: today, shard: shard + 1 });
      } while (cursor);
    }
    this.deps.metrics?.count('ReminderSent', run.retention + run.communications);
    this.deps.metrics?.count('ReminderRejected', run.rejected);
    this.deps.log.info('reminders run', { ...run });
    if (run.failed > 0) throw new ReminderRunFailed(run.failed);
    return run;
  }

  private async remindOne(item: Item, run: ReminderRun): Promise<void> {
    const row = customerFromItem(item);
    try {
      const sent = await this.remindWithRetries(row);
      for (const topic of sent) run[topic]++;
    } catch (e) {
      if (e instanceof PermanentDeliveryError) {
        run.rejected++;
        await this.markUndeliverable(row.customerId, e);
        return;
      }
      // Still unavailable after this customer's retries: the dependency is down, the run fails (and is retried).
      if (e instanceof DependencyUnavailableError) throw e;
      run.failed++;
      this.deps.log.error('reminder failed', { customerId: row.customerId, errorName: (e as Error)?.name });
    }
  }

  /** One customer's reminders; a transient fault is retried for this customer alone, on a fresh read of the row. */
  private async remindWithRetries(row: CustomerRow): Promise<ReminderTopic[]> {
    const delays = this.deps.retryDelaysMs ?? [500, 2_000];
    for (let attempt = 0; ; attempt++) {
      try {
        const current = attempt === 0 ? row : await loadRaw(this.deps.store, row.customerId);
        return current ? await this.remind(current) : [];
      } catch (e) {
        if (!(e instanceof DependencyUnavailableError) || attempt >= delays.length) throw e;
        await sleep(delays[attempt]!);
      }
    }
  }

  private async remind(row: CustomerRow): Promise<ReminderTopic[]> {
    const now = this.deps.clock.now();
    const today = dayOf(now);
    const due = pendingReminders(row, this.deps.policy, now).filter((p) => p.dueDay <= today);
    const sealed = due.length > 0 ? await this.deps.cascade.unseal(row) : undefined;
    const sent: ReminderTopic[] = [];
    const done: PendingReminder[] = [];
    try {
      for (const reminder of sealed ? due : []) {
        if (await this.deps.notices.send(row.customerId, sealed!.contact, row.consent ?? [], noticeOf(reminder))) sent.push(reminder.topic);
        done.push(reminder);
      }
    } catch (e) {
      // What went out before the failure is recorded, so a retry does not send it twice.
      if (done.length > 0) await this.record(row, done, now);
      throw e;
    }
    // A record that cannot be opened (its key gone: the customer is being erased) has nothing to send to.
    await this.record(row, sealed ? due : [], now);
    return sent;
  }

  /** Records the refusal on the row (when, and the provider's error name); a contact change clears it. */
  private async markUndeliverable(customerId: string, e: PermanentDeliveryError): Promise<void> {
    const now = this.deps.clock.now();
    await updateRow(
      this.deps,
      customerId,
      () => now,
      (r) => ({ ...r, undeliverable: { since: now.toISOString(), reason: e.reason } }),
    );
    this.deps.log.warn('reminder refused for good; contact marked undeliverable', { customerId, channel: e.channel, errorName: e.reason });
  }

  /**
   * Records what was announced and moves `remindOn` on, in one conditional write of the row as the index
   * gave it (no second read). When the row changed since (or the index copy lags), the usual read-modify-write.
   */
  private async record(row: CustomerRow, due: PendingReminder[], now: Date): Promise<void> {
    const announced = Object.fromEntries(due.map((p) => [p.topic, p.announces]));
    const apply = (r: CustomerRow): CustomerRow => (due.length === 0 ? r : { ...r, reminders: { ...(r.reminders ?? {}), ...announced } });
    const item = itemFor(this.deps.policy, { ...apply(row), v: row.v + 1 }, now);
    if (due.length === 0 && item.remindOn === row.remindOn && item.remindShard === row.remindShard) return;
    try {
      await this.deps.store.put('customers', item, { kind: 'equals', values: { v: row.v } });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
      await updateRow(this.deps, row.customerId, () => now, apply);
    }
  }

  /**
   * Operator command, once after upgrading from the scanning job (rows written before carry no
   * `remindOn`) and after a policy change that moves reminder days: a scan in parallel segments that
   * rewrites every row whose reminder day is not what it should be. Idempotent.
   */
  async reindex(segments?: number): Promise<{ rows: number; updated: number }> {
    const result = { rows: 0, updated: 0 };
    await forEachRow(
      this.deps.store,
      'customers',
      async (item) => {
        const row = customerFromItem(item);
        const now = this.deps.clock.now();
        result.rows++;
        const slot = reminderSlot(row, this.deps.policy, now);
        if (slot?.remindOn === row.remindOn && slot?.remindShard === row.remindShard && row.lookup === undefined) return;
        // The usual read-modify-write: the row as it is now, its reminder day recomputed on the way out.
        if (
          await updateRow(
            this.deps,
            row.customerId,
            () => now,
            (r) => r,
          )
        )
          result.updated++;
      },
      segments,
    );
    this.deps.log.info('reminder days re-indexed', { ...result });
    return result;
  }

  private async checkpoint(): Promise<Position | undefined> {
    const item = await this.deps.store.get('sessions', { id: REMINDERS_CHECKPOINT }, { consistent: true });
    const from = item?.position;
    if (!from || typeof from !== 'object' || Array.isArray(from) || from instanceof Uint8Array) return undefined;
    const { day, shard, cursor } = from;
    if (typeof day !== 'string' || typeof shard !== 'number') return undefined;
    return { day, shard, ...(typeof cursor === 'string' ? { cursor } : {}) };
  }

  private async saveCheckpoint(position: Position): Promise<void> {
    const now = this.deps.clock.now();
    const row = { id: REMINDERS_CHECKPOINT, kind: 'job', position: { ...position }, updatedAt: now.toISOString() };
    await this.deps.store.put('sessions', { ...row, expiresAt: epoch(now) + CHECKPOINT_TTL_SECONDS });
  }
}

function noticeOf(reminder: PendingReminder): Notice {
  return reminder.topic === 'retention' ? notices.retentionEnding(reminder.announces) : notices.consentLapsing(reminder.announces);
}
