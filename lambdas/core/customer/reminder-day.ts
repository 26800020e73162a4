/**
 * When a customer's next reminder is due, kept on the row as the key of the sparse `byRemindOn` index the
 * daily job reads instead of scanning the table: `remindShard` (a fixed shard, 0 to REMINDER_SHARDS - 1,
 * spreading the index over that many partitions) and `remindOn` (the day, YYYY-MM-DD, its sort key). The
 * job asks each shard for `remindOn <= today`, so a day it missed is caught up by the next run. Every
 * write of the row recomputes both (rows.ts), so they follow the TTL, consent and what was already
 * announced; a row with nothing to announce (an erasure requested, past its TTL, a contact refused for
 * good, a legal hold without consent to renew) carries neither and is not in the index.
 */
import { createHash } from 'node:crypto';
import type { RetentionPolicy } from '../policy/retention-policy';
import { REMIND_ON_INDEX_SPEC } from '../policy/tables';
import { dayOf, isExpired } from '../policy/time';
import { consentStatus } from './consent';
import { isUndeliverable, type CustomerRow } from './record';

export const REMIND_ON_INDEX = REMIND_ON_INDEX_SPEC.name;
export const REMINDER_SHARDS = 16;

export type ReminderTopic = 'retention' | 'communications';

export interface PendingReminder {
  topic: ReminderTopic;
  /** The date the reminder announces (retention end, consent lapse); recorded once sent. */
  announces: string;
  /** The day it is due: `reminderLeadSeconds` before the date it announces. */
  dueDay: string;
}

/**
 * Reminders not yet sent for the dates the row has now. None once an erasure is requested (it says more
 * than any of them), nor to a contact refused for good (until it changes).
 */
export function pendingReminders(row: CustomerRow, policy: RetentionPolicy, now: Date): PendingReminder[] {
  if (row.erasure || isExpired(row, now) || isUndeliverable(row)) return [];
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

/** The shard of a customer: fixed, so rewriting a row never moves it to another partition of the index. */
export function shardOf(customerId: string): number {
  return createHash('sha256').update(customerId).digest().readUInt32BE(0) % REMINDER_SHARDS;
}

/** The row's place in the reminder index: its shard and the earliest day a reminder is due; none without one. */
export function reminderSlot(row: CustomerRow, policy: RetentionPolicy, now: Date): { remindShard: number; remindOn: string } | undefined {
  const days = pendingReminders(row, policy, now).map((p) => p.dueDay);
  if (days.length === 0) return undefined;
  // YYYY-MM-DD days sort as strings.
  return { remindShard: shardOf(row.customerId), remindOn: [...days].sort()[0]! };
}
