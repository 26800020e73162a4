/**
 * The access log: every staff read of a customer (and every self-service action) is appended before
 * the data is returned. The stated purpose is sealed under the customer key, so after erasure the row
 * names nobody and says nothing personal.
 */
import { randomToken, type Vault, KeyShreddedError } from './vault';
import type { RetentionPolicy } from '../policy/retention-policy';
import { actorOf, type Principal } from './principal';
import { livePage, type ListPage, type PageRequest } from './paging';
import type { Clock, Item, Store } from './ports';

export type AccessAction =
  | 'create'
  | 'read'
  | 'update'
  | 'change_contact'
  | 'reveal'
  | 'search'
  | 'read_access_log'
  | 'read_interactions'
  | 'create_interaction'
  | 'read_purchases'
  | 'create_purchase'
  | 'record_event'
  | 'update_consent'
  | 'request_erasure'
  | 'cancel_erasure'
  | 'legal_hold'
  | 'lift_legal_hold'
  | 'export'
  | 'sign_in'
  | 'sign_out';

export interface AccessEntry {
  at: string;
  actor: string;
  role: string;
  action: AccessAction;
  purpose?: string | null;
}

export class AccessLog {
  constructor(private readonly deps: { store: Store; vault: Vault; clock: Clock; policy: RetentionPolicy }) {}

  /** `held`: the customer is under legal hold, so the entry gets no TTL (lifting the hold sets it from `at`). */
  async append(customerId: string, principal: Principal, action: AccessAction, purpose?: string, held = false): Promise<void> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const { actor, role } = actorOf(principal);
    await this.deps.store.put('access-log', {
      customerId,
      sk: `${at}#${randomToken(6)}`,
      at,
      actor,
      role,
      action,
      purpose: purpose === undefined ? undefined : await this.deps.vault.seal(customerId, 'accessLog', purpose),
      expiresAt: held ? undefined : this.deps.policy.ttlFor('accessLog', now),
    });
  }

  /** One page, newest first. A purpose whose key was shredded reads as null. */
  async list(customerId: string, request: PageRequest = {}): Promise<ListPage<AccessEntry>> {
    const page = await livePage(this.deps.store, 'access-log', customerId, this.deps.clock.now(), `access-log:${customerId}`, request);
    const items = await Promise.all(page.items.map((r) => this.decode(customerId, r)));
    return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
  }

  /** One row as the customer and staff see it: the purpose opened, or null once the key is shredded. */
  async decode(customerId: string, r: Item): Promise<AccessEntry> {
    let purpose: string | null | undefined;
    if (r.purpose instanceof Uint8Array) {
      try {
        purpose = await this.deps.vault.open<string>(customerId, 'accessLog', r.purpose);
      } catch (e) {
        if (!(e instanceof KeyShreddedError)) throw e;
        purpose = null;
      }
    }
    return {
      at: String(r.at),
      actor: String(r.actor),
      role: String(r.role),
      action: r.action as AccessAction,
      ...(purpose !== undefined ? { purpose } : {}),
    };
  }
}
