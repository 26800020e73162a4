/** Time as the tables store it: TTLs are whole epoch seconds, and a row past its TTL is absent. */

export const DAY_SECONDS = 86_400;

/** Epoch seconds, as DynamoDB's TTL attribute wants them. */
export const epoch = (d: Date): number => Math.floor(d.getTime() / 1000);

/**
 * Whether a row's TTL has passed. DynamoDB deletes expired rows within days, not seconds, so every
 * read treats such a row as absent. A row without a TTL (legal hold) never expires.
 */
export function isExpired<T extends { expiresAt?: unknown }>(row: T | undefined, now: Date): row is T & { expiresAt: number } {
  return typeof row?.expiresAt === 'number' && row.expiresAt <= epoch(now);
}

/** EventBridge Scheduler's `at()` has whole seconds: round up so nothing runs early. */
export function ceilToSecond(ms: number): Date {
  return new Date(Math.ceil(ms / 1000) * 1000);
}

/**
 * The same moment one calendar month later (UTC); when that month is shorter, the same time on its last
 * day: 1 Feb → 1 Mar, 31 Jan → 28 (or 29) Feb, 31 Mar → 30 Apr. The legal reckoning (Regulation
 * 1182/71) would end the period at the end of that day; the same time of day is the safe side of it.
 */
export function oneCalendarMonthAfter(d: Date): Date {
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return new Date(Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
}
