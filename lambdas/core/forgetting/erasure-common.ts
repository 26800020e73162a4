/**
 * What the erasure use cases share: the schedule's name and payload, the clock tolerances, and the
 * rule that a customer acts only on their own record.
 */
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { isUuid } from '../shared/ids';
import type { Principal } from '../shared/principal';
import { ceilToSecond, oneCalendarMonthAfter } from '../policy/time';

export interface ErasureScheduled {
  receiptId: string;
  scheduledFor: string;
}

export interface ErasurePayload {
  customerId: string;
  receiptId: string;
}

export type ErasureOutcome = 'completed' | 'on-hold' | 'ignored';

/**
 * The schedule of one erasure request. EventBridge Scheduler names have at most 64 characters: the
 * receipt id (36) fits, a customer id beside it would not; the payload carries the customer id.
 */
export const scheduleName = (receiptId: string) => `erase-${receiptId}`;

/** A schedule may fire a little early (clock skew); anything earlier is a misfire. */
export const EARLY_TOLERANCE_MS = 5 * 60_000;

/** After a legal hold is lifted late, the erasure runs this long after (a schedule needs a future time). */
export const RESUME_DELAY_SECONDS = 60;

/**
 * When a request made at `requestedAt` runs: after the grace period, but never later than one
 * calendar month after the request (GDPR Art. 12(3)), however long a deployment sets the grace.
 * Whole seconds (Scheduler's `at()`): the grace rounds up (never early), the cap down (never late).
 */
export function erasureDeadline(requestedAt: Date, graceSeconds: number): Date {
  const afterGrace = ceilToSecond(requestedAt.getTime() + graceSeconds * 1000);
  const cap = new Date(Math.floor(oneCalendarMonthAfter(requestedAt).getTime() / 1000) * 1000);
  return afterGrace.getTime() <= cap.getTime() ? afterGrace : cap;
}

export function inProgress(): ConflictError {
  return new ConflictError('The erasure is already under way and can no longer be cancelled or held.', 'erasure_in_progress');
}

/** A customer acts only on their own record; staff on anyone's. */
export function assertOwn(principal: Principal, customerId: string): void {
  if (principal.kind === 'customer' && principal.customerId !== customerId) throw new NotFoundError('No such customer.');
}

/** The schedule's payload is JSON from outside the process: checked like a request body. */
export function parsePayload(payload: unknown): ErasurePayload {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const errors = [];
  if (!isUuid(p.customerId)) errors.push({ field: 'customerId', message: 'must be a UUID' });
  if (!isUuid(p.receiptId)) errors.push({ field: 'receiptId', message: 'must be a UUID' });
  if (errors.length) throw new ValidationError('The erasure payload is not valid.', errors);
  return { customerId: p.customerId as string, receiptId: p.receiptId as string };
}
