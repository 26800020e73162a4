/**
 * The local home's clock-driven jobs, standing in for what AWS runs on its own:
 * - due schedules (EventBridge Scheduler): fire the same erasure handler Lambda runs, then delete the
 *   schedule (ActionAfterCompletion DELETE); a failure leaves it to fire again on the next run;
 * - the TTL reaper (DynamoDB TTL + Streams): an expired customer row is handed to the same stream
 *   handler as a TTL REMOVE record, whose cascade deletes it; a failure leaves the row for the next
 *   run (AWS retries the record). Expired rows of the other tables are deleted;
 * - the daily reminders and the erasure-schedule reconcile (EventBridge rules): at most once per day of
 *   the home's clock.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { toStreamImage } from '../lambdas/adapters/dynamodb/stream-image';
import { keyOf } from '../lambdas/core/forgetting/cascade';
import { ConditionFailedError } from '../lambdas/core/shared/errors';
import type { Item } from '../lambdas/core/shared/ports';
import { ALL_TABLES, type TableId } from '../lambdas/core/policy/tables';
import { createErasureHandler, type ErasureHandler } from '../lambdas/jobs/erasure';
import { createReconcileHandler, type ReconcileHandler } from '../lambdas/jobs/reconcile';
import { createRemindersHandler, type RemindersHandler } from '../lambdas/jobs/reminders';
import { createStreamHandler, TTL_PRINCIPAL, type StreamHandler } from '../lambdas/jobs/stream';
import type { App } from '../lambdas/core/app';
import type { Clock } from '../lambdas/core/shared/ports';
import type { LocalScheduler } from './scheduler';
import { epoch, isExpired } from '../lambdas/core/policy/time';

/** What a job needs of the home (the home satisfies it; jobs do not know the home). */
export interface JobContext {
  app: App;
  clock: Clock;
  scheduler: LocalScheduler;
}

export type Job = (home: JobContext) => Promise<void>;

interface JobState {
  erasure: ErasureHandler;
  stream: StreamHandler;
  reminders: RemindersHandler;
  reconcile: ReconcileHandler;
  sequence: number;
  lastReminderDay?: string;
  lastReconcileDay?: string;
}

const states = new WeakMap<JobContext, JobState>();

function stateOf(home: JobContext): JobState {
  let state = states.get(home);
  if (!state) {
    state = {
      erasure: createErasureHandler(home.app),
      stream: createStreamHandler(home.app),
      reminders: createRemindersHandler(home.app),
      reconcile: createReconcileHandler(home.app),
      sequence: 0,
    };
    states.set(home, state);
  }
  return state;
}

const errorName = (e: unknown) => (e as Error)?.name;

/** A DynamoDB Streams record for a TTL deletion, shaped as Lambda receives it. */
export function ttlDeletionRecord(row: Item, sequence: number, at: Date): DynamoDBRecord {
  return {
    eventID: `local-${sequence}`,
    eventName: 'REMOVE',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'local',
    dynamodb: {
      ApproximateCreationDateTime: epoch(at),
      Keys: { customerId: { S: String(row.customerId) } },
      OldImage: toStreamImage(row),
      SequenceNumber: String(sequence).padStart(21, '0'),
      SizeBytes: 0,
      StreamViewType: 'OLD_IMAGE',
    },
    userIdentity: { type: 'Service', principalId: TTL_PRINCIPAL },
    eventSourceARN: 'arn:local:dynamodb:local:000000000000:table/customers/stream/local',
  };
}

async function fireDueSchedules(home: JobContext): Promise<void> {
  const state = stateOf(home);
  const { store, log } = home.app.ports;
  for (const due of await home.scheduler.due()) {
    try {
      await state.erasure(due.payload);
    } catch (e) {
      log.error('schedule failed; it fires again on the next run', { schedule: due.name, errorName: errorName(e) });
      const row = await store.get('schedules', { name: due.name }, { consistent: true });
      if (row)
        await store
          .put('schedules', { ...row, attempts: (typeof row.attempts === 'number' ? row.attempts : 0) + 1 })
          .catch(() => undefined);
      continue;
    }
    // Delete what fired, not the same request's schedule moved meanwhile (a lifted legal hold).
    const row = await store.get('schedules', { name: due.name }, { consistent: true });
    const payload = row?.payload as Record<string, string> | undefined;
    if (row && payload?.receiptId === due.payload.receiptId) {
      await store.delete('schedules', { name: due.name }, { kind: 'equals', values: { at: String(row.at) } }).catch((e) => {
        if (!(e instanceof ConditionFailedError)) throw e;
      });
    }
  }
}

async function reapExpired(home: JobContext): Promise<void> {
  const state = stateOf(home);
  const { store, clock, log } = home.app.ports;
  const now = clock.now();
  // Customers first: their cascade still needs the key and index rows that expire alongside.
  for await (const row of store.scan('customers')) {
    if (!isExpired(row, now)) continue;
    const result = await state.stream({ Records: [ttlDeletionRecord(row, ++state.sequence, now)] });
    if (result.batchItemFailures.length > 0)
      log.error('ttl cascade failed; retried on the next run', { customerId: String(row.customerId) });
  }
  for (const spec of ALL_TABLES) {
    const table = spec.name as TableId;
    if (table === 'customers' || !spec.ttlAttribute) continue;
    for await (const row of store.scan(table)) {
      if (!isExpired(row, now)) continue;
      await store.delete(table, keyOf(table, row), { kind: 'equals', values: { expiresAt: row.expiresAt } }).catch((e) => {
        if (!(e instanceof ConditionFailedError)) throw e;
      });
    }
  }
}

async function dailyReminders(home: JobContext): Promise<void> {
  const state = stateOf(home);
  const day = home.clock.now().toISOString().slice(0, 10);
  if (state.lastReminderDay === day) return;
  // Once a day even when it fails (as the daily rule would): reminders are recorded, tomorrow resumes.
  state.lastReminderDay = day;
  await state.reminders();
}

async function dailyScheduleReconcile(home: JobContext): Promise<void> {
  const state = stateOf(home);
  const day = home.clock.now().toISOString().slice(0, 10);
  if (state.lastReconcileDay === day) return;
  state.lastReconcileDay = day;
  await state.reconcile();
}

/** Run by local/home.ts, in this order. */
export const forgettingJobs: readonly Job[] = [fireDueSchedules, reapExpired, dailyReminders, dailyScheduleReconcile];
