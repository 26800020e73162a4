/**
 * Fixed-window counters in the sessions table (rows `rate#<bucket>#<key>`), shared by every Lambda
 * instance through conditional writes. Keys are hashes chosen by the caller, never a contact or an
 * address in clear; rows expire with their window.
 */
import { ConditionFailedError, DependencyUnavailableError, RateLimitedError } from '../shared/errors';
import type { Clock, Store } from '../shared/ports';
import { epoch } from '../policy/time';

export interface Limit {
  limit: number;
  windowSeconds: number;
}

export class RateLimiter {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** Counts one request against `bucket`/`key`; throws RateLimitedError (with Retry-After) past the limit. */
  async hit(bucket: string, key: string, { limit, windowSeconds }: Limit): Promise<void> {
    const id = `rate#${bucket}#${key}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = epoch(this.deps.clock.now());
      const row = await this.deps.store.get('sessions', { id }, { consistent: true });
      const start = typeof row?.windowStart === 'number' ? row.windowStart : undefined;
      const count = typeof row?.count === 'number' ? row.count : 0;
      const live = start !== undefined && start + windowSeconds > now;
      if (live && count >= limit) {
        throw new RateLimitedError('Too many requests; try again later.', start + windowSeconds - now);
      }
      const next = live
        ? { id, kind: 'rate', count: count + 1, windowStart: start, expiresAt: start + windowSeconds }
        : { id, kind: 'rate', count: 1, windowStart: now, expiresAt: now + windowSeconds };
      try {
        await this.deps.store.put(
          'sessions',
          next,
          row
            ? { kind: 'equals', values: { windowStart: start, count: typeof row.count === 'number' ? row.count : undefined } }
            : { kind: 'notExists' },
        );
        return;
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
      }
    }
    throw new DependencyUnavailableError('sessions table (contention)');
  }
}
