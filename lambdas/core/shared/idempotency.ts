/**
 * Idempotency-Key, written once for every write that takes one (customers, purchases).
 *
 * A claim row in the idempotency table names the request (a keyed fingerprint of actor, scope and
 * key, so the table holds no key a client sent), the body it came with (a keyed fingerprint of the
 * normalised body, so "same body" ignores formatting), and the result it produced. A retry with the
 * same body gets that result; another body gets 422. A claim past its TTL is absent, as every expired
 * row is, and is replaced even before DynamoDB deletes it.
 */
import type { RetentionPolicy } from '../policy/retention-policy';
import { ConditionFailedError, IdempotencyMismatchError } from './errors';
import type { Clock, Item, Store } from './ports';
import { isExpired } from '../policy/time';
import type { Vault } from './vault';

export interface IdempotentRequest {
  /** Keyed fingerprint of scope, actor and the client's key. */
  key: string;
  /** Keyed fingerprint of the normalised body. */
  fingerprint: string;
  /** The same two under older live beacon keys (during an index rebuild): a claim made before it is still found. */
  older?: { key: string; fingerprint: string }[];
}

export class Idempotency {
  constructor(private readonly deps: { store: Store; clock: Clock; vault: Vault; policy: RetentionPolicy }) {}

  /** The fingerprints of one request: `scope` and `actor` keep keys of different writes and staff apart. */
  async request(scope: string, actor: string, idempotencyKey: string, body: unknown): Promise<IdempotentRequest> {
    const { vault } = this.deps;
    const [keys, fingerprints] = await Promise.all([
      vault.fingerprints('idempotency-key', [scope, actor, idempotencyKey].join('\u0000')),
      vault.fingerprints('idempotency-body', JSON.stringify(body)),
    ]);
    const older = keys.slice(1).map((key, i) => ({ key, fingerprint: fingerprints[i + 1]! }));
    return { key: keys[0]!, fingerprint: fingerprints[0]!, ...(older.length > 0 ? { older } : {}) };
  }

  /**
   * The result an earlier attempt of this request claimed, or undefined when there is none (absent or
   * expired). The same key with another body, or for another customer, is an IdempotencyMismatchError.
   */
  async find(request: IdempotentRequest, customerId?: string): Promise<string | undefined> {
    for (const r of [request, ...(request.older ?? [])]) {
      const prior = await this.live(r.key);
      if (prior) return resultOf(prior, r, customerId);
    }
    return undefined;
  }

  /**
   * Claims the key for `resultId`, or returns the result of the attempt that holds it. An expired claim
   * is replaced only if nobody replaced it meanwhile; a concurrent claim that wins is answered with its
   * result, so parallel attempts all end with one. `customerId` scopes a write to one customer (a
   * purchase); without it the result is the customer (a create), and the row names it for the cascade.
   */
  async claim(request: IdempotentRequest, resultId: string, customerId?: string): Promise<string> {
    const { store, clock } = this.deps;
    for (const r of request.older ?? []) {
      const prior = await this.live(r.key);
      if (prior) return resultOf(prior, r, customerId);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await store.get('idempotency', { key: request.key }, { consistent: true });
      if (stored && !isExpired(stored, clock.now())) return resultOf(stored, request, customerId);
      const now = clock.now();
      const row = {
        key: request.key,
        fingerprint: request.fingerprint,
        customerId: customerId ?? resultId,
        resultId,
        createdAt: now.toISOString(),
        expiresAt: this.deps.policy.ttlFor('idempotency', now),
      };
      try {
        await store.put(
          'idempotency',
          row,
          stored
            ? { kind: 'equals', values: { fingerprint: String(stored.fingerprint), createdAt: String(stored.createdAt) } }
            : { kind: 'notExists' },
        );
        return resultId;
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
      }
    }
    throw new ConditionFailedError('The Idempotency-Key is being claimed by concurrent requests; retry shortly.');
  }

  private async live(key: string): Promise<Item | undefined> {
    const stored = await this.deps.store.get('idempotency', { key }, { consistent: true });
    return stored && !isExpired(stored, this.deps.clock.now()) ? stored : undefined;
  }
}

function resultOf(stored: Item, request: { fingerprint: string }, customerId: string | undefined): string {
  if (stored.fingerprint !== request.fingerprint) throw new IdempotencyMismatchError();
  if (customerId !== undefined && stored.customerId !== customerId) throw new IdempotencyMismatchError();
  // Claims of customer creates written before `resultId` existed name their result as customerId (24 h at most).
  const result = typeof stored.resultId === 'string' ? stored.resultId : stored.customerId;
  if (typeof result !== 'string') throw new IdempotencyMismatchError();
  return result;
}
