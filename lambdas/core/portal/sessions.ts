/**
 * Portal sessions: an opaque 256-bit random token, held by the customer only; the sessions table keeps
 * its SHA-256 (a random 256-bit value needs no key to be unguessable, unlike a 6-digit code), bound to
 * one customerId. 15 minutes idle, 12 hours at most. Rows carry `customerId`, so the erasure cascade
 * (lambdas/core/forgetting/cascade.ts) ends them; until then a session of a customer who is gone resolves to nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ConditionFailedError } from '../shared/errors';
import { POLICY } from '../policy/inventory';
import { BY_CUSTOMER } from '../policy/tables';
import type { Clock, Item, Key, Store } from '../shared/ports';
import { epoch } from '../policy/time';

export interface SessionSettings {
  idleSeconds: number;
  absoluteSeconds: number;
  /** Sliding the idle expiry costs a write; at most one per this many seconds per session. */
  refreshAfterSeconds: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = {
  idleSeconds: POLICY.sessionIdleSeconds,
  absoluteSeconds: POLICY.sessionAbsoluteSeconds,
  refreshAfterSeconds: 60,
};

export interface NewSession {
  token: string;
  sessionId: string;
  expiresAt: string;
  absoluteExpiresAt: string;
}

export interface ResolvedSession {
  customerId: string;
  sessionId: string;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const iso = (s: number) => new Date(s * 1000).toISOString();

export function sessionIdOf(token: string): string {
  return `session#${createHash('sha256').update(token).digest('hex')}`;
}

export class Sessions {
  private readonly settings: SessionSettings;

  constructor(
    private readonly deps: { store: Store; clock: Clock; customerExists: (customerId: string) => Promise<boolean> },
    settings: Partial<SessionSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SESSION_SETTINGS, ...settings };
  }

  async create(customerId: string): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const sessionId = sessionIdOf(token);
    const now = this.deps.clock.now();
    const seen = epoch(now);
    const absolute = seen + this.settings.absoluteSeconds;
    const expiresAt = Math.min(seen + this.settings.idleSeconds, absolute);
    await this.deps.store.put(
      'sessions',
      {
        id: sessionId,
        kind: 'session',
        customerId,
        createdAt: now.toISOString(),
        lastSeenAt: seen,
        absoluteExpiresAt: absolute,
        expiresAt,
      },
      { kind: 'notExists' },
    );
    return { token, sessionId, expiresAt: iso(expiresAt), absoluteExpiresAt: iso(absolute) };
  }

  /** The session a token stands for, sliding its idle expiry; undefined when unknown, expired or its customer is gone. */
  async resolve(token: string): Promise<ResolvedSession | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const id = sessionIdOf(token);
    const row = await this.deps.store.get('sessions', { id }, { consistent: true });
    if (row?.kind !== 'session' || typeof row.customerId !== 'string') return undefined;
    const now = epoch(this.deps.clock.now());
    const { lastSeenAt, absoluteExpiresAt, expiresAt } = row;
    if (typeof lastSeenAt !== 'number' || typeof absoluteExpiresAt !== 'number' || typeof expiresAt !== 'number') return undefined;
    if (expiresAt <= now || absoluteExpiresAt <= now) return undefined;
    if (!(await this.deps.customerExists(row.customerId))) return undefined;
    if (now - lastSeenAt >= this.settings.refreshAfterSeconds) await this.slide(row, now);
    return { customerId: row.customerId, sessionId: id };
  }

  private async slide(row: Item, now: number): Promise<void> {
    const absolute = row.absoluteExpiresAt as number;
    const next = { ...row, lastSeenAt: now, expiresAt: Math.min(now + this.settings.idleSeconds, absolute) };
    await this.deps.store.put('sessions', next, { kind: 'equals', values: { lastSeenAt: row.lastSeenAt as number } }).catch((e) => {
      // Another request slid it first, or the session ended meanwhile: either way nothing to do.
      if (!(e instanceof ConditionFailedError)) throw e;
    });
  }

  /** Sign-out. Idempotent. */
  async end(sessionId: string): Promise<void> {
    await this.deps.store.delete('sessions', { id: sessionId });
  }

  /**
   * Ends every session and pending code of the customer (a contact change), found through the
   * table's customerId index. The index is eventually consistent in DynamoDB: a row written within
   * about a second before may be missed; a code is refused anyway once the contact has changed.
   */
  async endAll(customerId: string): Promise<void> {
    const keys: Key[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.store.queryIndex('sessions', BY_CUSTOMER.name, customerId, { cursor });
      for (const item of page.items) if (typeof item.id === 'string') keys.push({ id: item.id });
      cursor = page.cursor;
    } while (cursor);
    for (const key of keys) await this.deps.store.delete('sessions', key);
  }
}
