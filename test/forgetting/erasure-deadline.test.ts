/** GDPR Art. 12(3): an erasure request is carried out within one calendar month, whatever the grace setting. */
import { describe, expect, it } from 'vitest';
import { erasureDeadline } from '../../lambdas/core/forgetting/erasure-common';
import { RetentionPolicy } from '../../lambdas/core/policy/retention-policy';
import { oneCalendarMonthAfter } from '../../lambdas/core/policy/time';
import { DAY, memoryHome, officer, populate } from './memory/support';

const at = (iso: string) => new Date(iso);
const deadline = (iso: string, graceDays: number) => erasureDeadline(at(iso), graceDays * DAY).toISOString();

describe('the erasure deadline', () => {
  it('runs a 30-day grace requested on 1 February by 1 March', () => {
    expect(deadline('2026-02-01T10:00:00.000Z', 30)).toBe('2026-03-01T10:00:00.000Z');
    expect(deadline('2028-02-01T10:00:00.000Z', 30)).toBe('2028-03-01T10:00:00.000Z');
  });

  it('caps a request of 31 January at the end of February, in leap years too', () => {
    expect(deadline('2026-01-31T23:30:00.000Z', 30)).toBe('2026-02-28T23:30:00.000Z');
    expect(deadline('2028-01-31T08:00:00.000Z', 30)).toBe('2028-02-29T08:00:00.000Z');
    expect(oneCalendarMonthAfter(at('2026-03-31T12:00:00.000Z')).toISOString()).toBe('2026-04-30T12:00:00.000Z');
    expect(oneCalendarMonthAfter(at('2026-12-15T12:00:00.000Z')).toISOString()).toBe('2027-01-15T12:00:00.000Z');
  });

  it('keeps the grace when it ends first, rounded up to a whole second', () => {
    expect(deadline('2026-03-01T10:00:00.000Z', 30)).toBe('2026-03-31T10:00:00.000Z');
    expect(deadline('2026-02-01T10:00:00.250Z', 7)).toBe('2026-02-08T10:00:01.000Z');
  });

  it('is never later than one calendar month, however long a deployment sets the grace, and never after the request month plus one', () => {
    expect(deadline('2026-02-01T10:00:00.250Z', 90)).toBe('2026-03-01T10:00:00.000Z');
    for (let day = 0; day < 366; day += 1) {
      const requested = new Date(Date.UTC(2027, 0, 1, 17, 45, 30, 500) + day * DAY * 1000);
      const runs = erasureDeadline(requested, 30 * DAY);
      expect(runs.getTime()).toBeGreaterThan(requested.getTime());
      expect(runs.getTime()).toBeLessThanOrEqual(oneCalendarMonthAfter(requested).getTime());
    }
  });

  it('is what a request returns and schedules', async () => {
    const home = memoryHome({ policy: new RetentionPolicy({ erasureGraceSeconds: 30 * DAY }) });
    home.clock.advance((Date.parse('2026-02-01T09:00:00.000Z') - home.clock.now().getTime()) / 1000);
    const p = await populate(home);
    const { receiptId, scheduledFor } = await home.app.erasure.request(officer, p.customerId);
    expect(scheduledFor).toBe('2026-03-01T09:00:00.000Z');
    expect((await home.app.erasure.receipt(receiptId)).scheduledFor).toBe(scheduledFor);
    expect([...home.scheduler.pending.values()].map((s) => s.at.toISOString())).toEqual([scheduledFor]);
  });
});
