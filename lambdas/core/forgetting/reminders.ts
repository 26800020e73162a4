/**
 * The daily reminders, without a scan: once, `reminderLeadSeconds` before retention ends, and once that
 * long before communications consent lapses, the customer is told.
 *
 * - Finding them: each customer row carries `remindOn` = the day its next reminder is due and a fixed
 *   shard (customer/reminder-day.ts), kept up to date by every write of the row. The job queries the
 *   sparse `byRemindOn` index for each shard of each day from its checkpoint to today: it reads the
 *   customers due and nobody else. The index projects whole rows, so a reminder costs two item reads:
 *   the index item and the customer's wrapped key (to open the contact).
 * - Recording: what was sent is recorded on the row, keyed by the date it announced, in the same write
 *   that moves `remindOn` to the next reminder (or drops it), so the row leaves the day it was found
 *   under. Sent, then recorded: a crash in between repeats a reminder rather than losing one.
 * - Resuming: a row handled has left its day, so a run cut short (timeout, outage) and retried goes on
 *   with what is left. The checkpoint (table `jobs`, row `reminders`) is the first day not known to be
 *   done; a past day is done once every customer under it was handled. Today is never done: a row
 *   written later today may still become due today, and tomorrow's run looks at today again.
 */
import { customerFromItem, type CustomerRow } from '../customer/record';
import {
  pendingReminders,
  REMIND_ON_INDEX,
  REMINDER_SHARDS,
  remindOnFor,
  remindOnKey,
  type PendingReminder,
  type ReminderTopic,
} from '../customer/reminder-day';
import { itemFor, updateRow } from '../customer/rows';
import type { RetentionPolicy } from '../policy/retention-policy';
import { ConditionFailedError, DependencyUnavailableError } from '../shared/errors';
import type { Clock, Item, Log, Store } from '../shared/ports';
import { forEachRow } from '../shared/scan';
import { dayOf, isExpired, startOfDay } from '../policy/time';
import type { Cascade } from './cascade';
import { notices, type Notice, type NoticeSender } from './notices';

export interface ReminderRun {
  retention: number;
  communications: number;
  failed: number;
}

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
}

/** The checkpoint's row in the `jobs` table. */
export const REMINDERS_JOB = 'reminders';
/** Without a checkpoint (the first run), the days looked back for rows whose day has passed. */
export const FIRST_RUN_LOOKBACK_DAYS = 7;
/**
 * How far a run catches up after the job was down (16 queries a day). Longer outages are an incident:
 * the run says so in the log (alarmed) and `npm run reindex-reminders` re-dates the rows of the days
 * skipped to today.
 */
export const MAX_CATCH_UP_DAYS = 31;
/** Index items per query page, and customers handled at once: bounded work in flight, a run well within its timeout. */
const PAGE_SIZE = 25;

const nextDay = (day: string): string => dayOf(startOfDay(day, 1));

export class Reminders {
  constructor(private readonly deps: ReminderDeps) {}

  async daily(): Promise<ReminderRun> {
    const run: ReminderRun = { retention: 0, communications: 0, failed: 0 };
    const today = dayOf(this.deps.clock.now());
    const saved = await this.checkpoint();
    const earliest = dayOf(startOfDay(today, -(saved === undefined ? FIRST_RUN_LOOKBACK_DAYS : MAX_CATCH_UP_DAYS)));
    // YYYY-MM-DD days sort as strings: from the checkpoint (never later than today), at most MAX_CATCH_UP_DAYS back.
    let day = saved === undefined ? earliest : [[saved, today].sort()[0]!, earliest].sort()[1]!;
    if (saved !== undefined && saved < earliest) {
      this.deps.log.error('reminder days skipped', { from: saved, until: earliest, remedy: 'npm run reindex-reminders' });
    }
    let pastDaysDone = true;
    for (; day <= today; day = nextDay(day)) {
      const failedBefore = run.failed;
      for (let shard = 0; shard < REMINDER_SHARDS; shard++) await this.remindPartition(remindOnKey(day, shard), run);
      pastDaysDone &&= run.failed === failedBefore;
      if (pastDaysDone && day < today) await this.saveCheckpoint(nextDay(day));
    }
    this.deps.log.info('reminders run', { ...run });
    if (run.failed > 0) throw new ReminderRunFailed(run.failed);
    return run;
  }

  private async remindPartition(remindOn: string, run: ReminderRun): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.queryIndex('customers', REMIND_ON_INDEX, remindOn, { cursor, limit: PAGE_SIZE });
      // Every customer of the page finishes (sent and recorded) before an outage fails the run.
      const outcomes = await Promise.allSettled(page.items.map((item) => this.remindOne(item, run)));
      const outage = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (outage) throw outage.reason;
      cursor = page.cursor;
    } while (cursor);
  }

  private async remindOne(item: Item, run: ReminderRun): Promise<void> {
    const row = customerFromItem(item);
    const now = this.deps.clock.now();
    // Past its TTL: the deletion (and its cascade) is on its way; nothing to announce any more.
    if (isExpired(row, now)) return;
    try {
      const today = dayOf(now);
      const due = pendingReminders(row, this.deps.policy, now).filter((p) => p.dueDay <= today);
      const sent = due.length > 0 ? await this.send(row, due) : [];
      await this.record(row, due, now);
      for (const topic of sent) run[topic]++;
    } catch (e) {
      // An outage fails the run (retried as a whole, from where it stopped); anything else is one customer's problem.
      if (e instanceof DependencyUnavailableError) throw e;
      run.failed++;
      this.deps.log.error('reminder failed', { customerId: row.customerId, errorName: (e as Error)?.name });
    }
  }

  /** Sends the due reminders; the topics whose message went out (a consent reminder needs consent still active). */
  private async send(row: CustomerRow, due: PendingReminder[]): Promise<ReminderTopic[]> {
    const sealed = await this.deps.cascade.unseal(row);
    if (!sealed) return [];
    const sent: ReminderTopic[] = [];
    for (const reminder of due) {
      if (await this.deps.notices.send(sealed.contact, row.consent ?? [], noticeOf(reminder))) sent.push(reminder.topic);
    }
    return sent;
  }

  /**
   * Records what was announced and moves `remindOn` on, in one conditional write of the row as the index
   * gave it (no second read). When the row changed since (or the index copy lags), the usual read-modify-write.
   */
  private async record(row: CustomerRow, due: PendingReminder[], now: Date): Promise<void> {
    const announced = Object.fromEntries(due.map((p) => [p.topic, p.announces]));
    const apply = (r: CustomerRow): CustomerRow => (due.length === 0 ? r : { ...r, reminders: { ...(r.reminders ?? {}), ...announced } });
    const item = itemFor(this.deps.policy, { ...apply(row), v: row.v + 1 }, now);
    if (due.length === 0 && item.remindOn === row.remindOn) return;
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
        if (remindOnFor(row, this.deps.policy, now) === row.remindOn && row.lookup === undefined) return;
        // The usual read-modify-write: the row as it is now, its reminder day recomputed on the way out.
        if (await updateRow(this.deps, row.customerId, () => now, (r) => r)) result.updated++;
      },
      segments,
    );
    this.deps.log.info('reminder days re-indexed', { ...result });
    return result;
  }

  private async checkpoint(): Promise<string | undefined> {
    const item = await this.deps.store.get('jobs', { job: REMINDERS_JOB }, { consistent: true });
    return typeof item?.from === 'string' ? item.from : undefined;
  }

  private async saveCheckpoint(from: string): Promise<void> {
    await this.deps.store.put('jobs', { job: REMINDERS_JOB, from, updatedAt: this.deps.clock.now().toISOString() });
  }
}

function noticeOf(reminder: PendingReminder): Notice {
  return reminder.topic === 'retention' ? notices.retentionEnding(reminder.announces) : notices.consentLapsing(reminder.announces);
}
