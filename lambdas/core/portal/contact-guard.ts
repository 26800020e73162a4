/**
 * The per-contact guard against guessing sign-in codes: one row `guard#<contact key>` in the sessions
 * table, the same for known and unknown contacts, so what it answers tells nothing about either.
 *
 * - Every try is claimed (a conditional write) before any code is compared: parallel guesses each need
 *   a claim, and none is compared once the allowance is used.
 * - Two allowances: `maxAttempts` per code lifetime, and `dailyMaxAttempts` over a rolling 24 hours.
 *   The second stops pacing (4 tries per 10-minute code window never reached the first).
 * - Using either up locks the contact (and kills its code). Each further lock lasts `lockEscalation`
 *   times longer, up to `maxLockSeconds`; a lock of the daily allowance lasts at least until the
 *   rolling count drops below it, so Retry-After is the truth. A day without a lock forgets the escalation.
 * - A right code resets the counts (it proves the contact), not the escalation.
 */
import { ConditionFailedError, RateLimitedError } from '../shared/errors';
import type { Metrics } from '../shared/metrics';
import type { Item, Store, Clock, WriteCondition } from '../shared/ports';
import { DAY_SECONDS, epoch, isExpired } from '../policy/time';

export interface GuardSettings {
  codeTtlSeconds: number;
  /** Tries per code lifetime. */
  maxAttempts: number;
  /** Tries per rolling 24 hours. */
  dailyMaxAttempts: number;
  /** The first lock. */
  lockSeconds: number;
  /** Each further lock lasts this many times longer than the one before. */
  lockEscalation: number;
  maxLockSeconds: number;
}

/** One claimed try. `last`: it used up an allowance, so if the code is wrong the contact locks. */
export interface Claim {
  key: string;
  last: boolean;
}

interface GuardState {
  attempts: number;
  windowStart?: number;
  /** When each try of the last 24 hours was claimed (epoch seconds), oldest first. */
  failures: number[];
  locks: number;
  lockedUntil?: number;
  expiresAt?: number;
}

export const codeId = (key: string) => `code#${key}`;
export const guardId = (key: string) => `guard#${key}`;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function stateOf(row: Item | undefined): GuardState {
  const failures = Array.isArray(row?.failures) ? row.failures.filter((t): t is number => typeof t === 'number') : [];
  return {
    attempts: num(row?.attempts) ?? 0,
    windowStart: num(row?.windowStart),
    failures,
    locks: num(row?.locks) ?? 0,
    lockedUntil: num(row?.lockedUntil),
    expiresAt: num(row?.expiresAt),
  };
}

export const lockedError = (seconds: number) =>
  new RateLimitedError('Sign-in for this contact is locked after too many wrong codes; try again later.', Math.max(1, seconds));

export class ContactGuard {
  constructor(
    private readonly deps: { store: Store; clock: Clock; metrics?: Metrics },
    private readonly settings: GuardSettings,
  ) {}

  private now(): number {
    return epoch(this.deps.clock.now());
  }

  /** The row as stored: conditions compare against it, expired or not. */
  private read(key: string): Promise<Item | undefined> {
    return this.deps.store.get('sessions', { id: guardId(key) }, { consistent: true });
  }

  /** What the row says now: past its TTL (DynamoDB deletes lazily) it says nothing. */
  private live(row: Item | undefined): GuardState {
    return stateOf(isExpired(row, this.deps.clock.now()) ? undefined : row);
  }

  async assertNotLocked(key: string): Promise<void> {
    const { lockedUntil } = this.live(await this.read(key));
    const now = this.now();
    if (lockedUntil !== undefined && lockedUntil > now) throw lockedError(lockedUntil - now);
  }

  /** Counts one try, or refuses (429, nothing compared) while locked or once an allowance is used. */
  async claim(key: string): Promise<Claim> {
    const { maxAttempts, dailyMaxAttempts, codeTtlSeconds } = this.settings;
    for (let i = 0; i < 8; i++) {
      const now = this.now();
      const row = await this.read(key);
      const g = this.live(row);
      if (g.lockedUntil !== undefined && g.lockedUntil > now) throw lockedError(g.lockedUntil - now);
      const windowLive = g.windowStart !== undefined && g.windowStart + codeTtlSeconds > now;
      const used = windowLive ? g.attempts : 0;
      const recent = g.failures.filter((t) => t > now - DAY_SECONDS);
      if (used >= maxAttempts || recent.length >= dailyMaxAttempts) {
        // Used up without a lock (its write failed, or a race): lock now.
        throw lockedError((await this.lock(key)) - now);
      }
      const windowStart = windowLive ? g.windowStart! : now;
      const failures = [...recent, now];
      const next = {
        id: guardId(key),
        kind: 'guard',
        attempts: used + 1,
        windowStart,
        failures,
        locks: g.locks || undefined,
        expiresAt: Math.max(windowStart + codeTtlSeconds, now + DAY_SECONDS, g.expiresAt ?? 0),
      };
      try {
        await this.deps.store.put('sessions', next, this.unchanged(row));
        return { key, last: used + 1 >= maxAttempts || failures.length >= dailyMaxAttempts };
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
      }
    }
    // Many requests racing on one contact's counter is itself a sign of guessing: refuse, compare nothing.
    throw new RateLimitedError('Too many sign-in attempts for this contact at once; try again shortly.', 5);
  }

  /** A claimed try was wrong: the last one allowed locks the contact. */
  async failed(claim: Claim): Promise<void> {
    if (claim.last) await this.lock(claim.key);
  }

  /** A right code: the counts start over; the escalation is remembered until it lapses. */
  async succeeded(key: string): Promise<void> {
    const g = this.live(await this.read(key));
    if (g.locks === 0) return this.forget(key);
    await this.deps.store.put('sessions', {
      id: guardId(key),
      kind: 'guard',
      locks: g.locks,
      expiresAt: g.expiresAt ?? this.now() + DAY_SECONDS,
    });
  }

  /** Drops the contact's guard (it no longer belongs to the customer). */
  async forget(key: string): Promise<void> {
    await this.deps.store.delete('sessions', { id: guardId(key) });
  }

  /** Kills the contact's code and locks sign-in for it; returns until when. Already locked: unchanged. */
  private async lock(key: string): Promise<number> {
    const { lockSeconds, lockEscalation, maxLockSeconds, dailyMaxAttempts } = this.settings;
    const now = this.now();
    const g = this.live(await this.read(key));
    if (g.lockedUntil !== undefined && g.lockedUntil > now) return g.lockedUntil;
    const recent = g.failures.filter((t) => t > now - DAY_SECONDS);
    const escalated = Math.min(maxLockSeconds, lockSeconds * lockEscalation ** g.locks);
    // Until the rolling count is below the daily allowance again, a lock would only be renewed.
    const dailyEnd = recent.length >= dailyMaxAttempts ? recent[recent.length - dailyMaxAttempts] + DAY_SECONDS : 0;
    const until = Math.max(now + escalated, dailyEnd);
    await this.deps.store.put('sessions', {
      id: guardId(key),
      kind: 'guard',
      attempts: 0,
      windowStart: now,
      failures: recent,
      locks: g.locks + 1,
      lockedUntil: until,
      expiresAt: until + DAY_SECONDS,
    });
    await this.deps.store.delete('sessions', { id: codeId(key) });
    this.deps.metrics?.count('SignInLocked');
    return until;
  }

  /** The row as read is still there: every claim changes attempts or windowStart. */
  private unchanged(row: Item | undefined): WriteCondition {
    if (!row) return { kind: 'notExists' };
    return {
      kind: 'equals',
      values: { attempts: num(row.attempts), windowStart: num(row.windowStart), lockedUntil: num(row.lockedUntil), locks: num(row.locks) },
    };
  }
}
