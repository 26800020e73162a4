/**
 * When a customer's next reminder is due, kept on the row as `remindOn` = `YYYY-MM-DD#shard`: the key of
 * the sparse `byRemindOn` index the daily job reads instead of scanning the table. Every write of the
 * row recomputes it (rows.ts), so it follows the TTL, consent and what was already announced; rows with
 * nothing to announce (an erasure requested, a legal hold without consent to renew) carry none. The
 * shard spreads one day's customers over REMINDER_SHARDS index partitions, so no partition runs hot.
 */
import { createHash } from 'node:crypto';
import type { RetentionPolicy } from '../policy/retention-policy';
import { dayOf } from '../policy/time';
import { consentStatus } from './consent';
import type { CustomerRow } from './record';

export const REMIND_ON_INDEX = 'byRemindOn';
export const REMINDER_SHARDS = 16;

export type ReminderTopic = 'retention' | 'communications';

export interface PendingReminder {
  topic: ReminderTopic;
  /** The date the reminder announces (retention end, consent lapse); recorded once sent. */
  announces: string;
  /** The day it is due: `reminderLeadSeconds` before the date it announces. */
  dueDay: string;
}

/** Reminders not yet sent for the dates the row has now (an erasure requested says more than any of them). */
export function pendingReminders(row: CustomerRow, policy: RetentionPolicy, now: Date): PendingReminder[] {
  if (row.erasure) return [];
  const lead = policy.reminderLeadSeconds * 1000;
  const pending: PendingReminder[] = [];
  if (typeof row.expiresAt === 'number') {
    const endsAt = new Date(row.expiresAt * 1000);
    const announces = endsAt.toISOString();
    const dueDay = dayOf(new Date(endsAt.getTime() - lead));
    if (row.reminders?.retention !== announces) pending.push({ topic: 'retention', announces, dueDay });
  }
  const consent = consentStatus(row.consent, 'communications', now, policy.consent);
  if (consent.status === 'active' && consent.expiresAt && row.reminders?.communications !== consent.expiresAt) {
    const dueDay = dayOf(new Date(Date.parse(consent.expiresAt) - lead));
    pending.push({ topic: 'communications', announces: consent.expiresAt, dueDay });
  }
  return pending;
}

/** The shard of a customer: fixed, so rewriting a row never moves it to another shard. */
export function shardOf(customerId: string): number {
  return createHash('sha256').update(customerId).digest().readUInt32BE(0) % REMINDER_SHARDS;
}

export const remindOnKey = (day: string, shard: number): string => `${day}#${shard}`;

/** The row's `remindOn`: the earliest pending due day, today at the earliest (a late one is due now); none without. */
export function remindOnFor(row: CustomerRow, policy: RetentionPolicy, now: Date): string | undefined {
  const days = pendingReminders(row, policy, now).map((p) => p.dueDay);
  if (days.length === 0) return undefined;
  // YYYY-MM-DD days sort as strings: the earliest due day, but not before today.
  const earliest = [...days].sort()[0]!;
  const day = [earliest, dayOf(now)].sort()[1]!;
  return remindOnKey(day, shardOf(row.customerId));
}
