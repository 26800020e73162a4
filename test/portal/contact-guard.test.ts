/** The per-contact guard on its own, over the in-memory store and a clock the test moves: locks, their length, what resets. */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lambdas/adapters/memory/store';
import { ContactGuard, type GuardSettings } from '../../lambdas/core/portal/contact-guard';
import { RateLimitedError } from '../../lambdas/core/shared/errors';
import { DEFAULT_SIGN_IN_SETTINGS } from '../../lambdas/core/portal/sign-in';

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;

function guardWith(settings: Partial<GuardSettings> = {}) {
  let ms = Date.parse('2026-05-04T08:00:00.000Z');
  const clock = { now: () => new Date(ms) };
  const store = new MemoryStore();
  const guard = new ContactGuard({ store, clock }, { ...DEFAULT_SIGN_IN_SETTINGS, ...settings });
  return {
    guard,
    store,
    advance: (seconds: number) => void (ms += seconds * 1000),
    /** One wrong try: 'wrong' when compared, or the Retry-After of the 429 that refused it uncompared. */
    async wrong(key = 'k'): Promise<'wrong' | number> {
      try {
        await guard.failed(await guard.claim(key));
        return 'wrong';
      } catch (e) {
        if (e instanceof RateLimitedError) return e.retryAfterSeconds;
        throw e;
      }
    },
  };
}

describe('the contact guard', () => {
  it('locks after 10 wrong codes in 24 hours, however they are paced, and until the count falls below 10', async () => {
    const g = guardWith();
    const answers: ('wrong' | number)[] = [];
    // 4 per 10-minute code window: never 5 in one window.
    for (let window = 0; window < 4; window++) {
      for (let i = 0; i < 4; i++) answers.push(await g.wrong());
      g.advance(10 * MIN + 1);
    }
    expect(answers.slice(0, 10)).toEqual(Array(10).fill('wrong'));
    const retry = answers[10] as number;
    expect(typeof retry).toBe('number');
    // The first wrong code was ~30 minutes before the lock: it leaves the 24 hours ~23.5 hours later.
    expect(retry).toBeGreaterThan(23 * HOUR);
    expect(retry).toBeLessThanOrEqual(DAY);
    expect(answers.slice(11).every((a) => typeof a === 'number')).toBe(true);
  });

  it('makes each further lock last longer, up to a day, and forgets that after a day without a lock', async () => {
    // Only the per-code allowance here, so each lock is the escalation alone.
    const g = guardWith({ dailyMaxAttempts: 10_000 });
    const locks: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 5; i++) expect(await g.wrong()).toBe('wrong');
      const retry = await g.wrong();
      expect(typeof retry).toBe('number');
      locks.push(retry as number);
      g.advance(retry as number);
    }
    expect(locks).toEqual([15 * MIN, HOUR, 4 * HOUR, 16 * HOUR, DAY, DAY]);

    g.advance(DAY + 1);
    for (let i = 0; i < 5; i++) expect(await g.wrong()).toBe('wrong');
    expect(await g.wrong()).toBe(15 * MIN);
  });

  it('starts the counts over after a right code, but keeps the escalation', async () => {
    const g = guardWith();
    for (let i = 0; i < 5; i++) await g.wrong();
    const first = await g.wrong();
    expect(first).toBe(15 * MIN);
    g.advance(first as number);
    await g.guard.claim('k');
    await g.guard.succeeded('k');
    // 9 wrong codes in the day before; after the right one, a fresh allowance of 5 per code.
    for (let i = 0; i < 5; i++) expect(await g.wrong()).toBe('wrong');
    expect(await g.wrong()).toBe(HOUR);
  });

  it('counts each contact on its own, and refuses a login of a locked contact with the time left', async () => {
    const g = guardWith();
    for (let i = 0; i < 5; i++) await g.wrong('a');
    await expect(g.guard.assertNotLocked('a')).rejects.toMatchObject({ retryAfterSeconds: 15 * MIN });
    await expect(g.guard.assertNotLocked('b')).resolves.toBeUndefined();
    expect(await g.wrong('b')).toBe('wrong');
    g.advance(5 * MIN);
    await expect(g.guard.assertNotLocked('a')).rejects.toMatchObject({ retryAfterSeconds: 10 * MIN });
  });

  it('kills the pending code when it locks, and leaves rows that expire', async () => {
    const g = guardWith();
    await g.store.put('sessions', { id: 'code#k', kind: 'code', codeHash: 'ab', expiresAt: 1 });
    for (let i = 0; i < 5; i++) await g.wrong();
    expect(await g.store.get('sessions', { id: 'code#k' })).toBeUndefined();
    const row = await g.store.get('sessions', { id: 'guard#k' });
    expect(row?.expiresAt).toBeGreaterThan(row?.lockedUntil as number);
  });
});
