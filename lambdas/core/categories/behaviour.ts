/**
 * Behavioural events: which kind of page a customer used, accepted only while analytics consent is
 * active. Rows are keyed by a random behaviour pseudonym (distinct from the interaction one, both held
 * only inside the customer's encrypted record), expire raw after 90 days and are never aggregated into
 * a profile. Staff have no route to list them; only the customer's own export shows them.
 */
import { randomUUID } from 'node:crypto';
import { expiryOf, occurredAt, queryAll } from './common';
import { livePage, livePages, type Newest } from '../shared/paging';
import { consentStatus } from '../customer/consent';
import type { Customers } from '../customer/customers';
import type { CustomerRow, SealedCustomer } from '../customer/record';
import { ConsentRequiredError, ValidationError } from '../shared/errors';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { Clock, Item, Store } from '../shared/ports';
import type { Principal } from '../shared/principal';

/**
 * The events we accept, and nothing else. A kind of interaction with a page, never its content: a
 * search event carries no search term, a cart event no product.
 */
export const BEHAVIOUR_TYPES = ['page_view', 'search', 'add_to_cart', 'remove_from_cart', 'checkout_started'] as const;
export type BehaviourType = (typeof BEHAVIOUR_TYPES)[number];
export const PATH_MAX_CHARS = 2048;

export interface BehaviourInput {
  type: string;
  path?: string;
  occurredAt?: string;
}

export interface BehaviourEventView {
  eventId: string;
  type: BehaviourType;
  path?: string;
  occurredAt: string;
  /** Absent while a legal hold suspends deletion. */
  expiresAt?: string;
}

const invalidPath = (message: string) => new ValidationError('The path is not valid.', [{ field: 'path', message }]);

/**
 * The path part of a URL, minimised: query string, fragment and `;` parameters are dropped (that is
 * where URLs carry emails, tokens and session ids), and path segments that look like an email address,
 * a long number (phone, order, account) or an opaque token are replaced by a placeholder. A full URL
 * is refused: events describe our own pages, and another site's address says where the person was.
 */
export function sanitisePath(raw: string): string {
  if (raw.length > PATH_MAX_CHARS) throw invalidPath(`must be at most ${PATH_MAX_CHARS} characters`);
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) throw invalidPath('must not contain spaces or control characters');
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//'))
    throw invalidPath('must be a path on this site starting with "/", not a full URL');
  if (!raw.startsWith('/')) throw invalidPath('must start with "/"');
  const bare = raw.split(/[?#]/, 1)[0];
  return bare
    .split('/')
    .map((segment) => redactSegment(segment.split(';', 1)[0]))
    .join('/');
}

function redactSegment(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Malformed escapes: judge the raw text.
  }
  const digits = (decoded.match(/\d/g) ?? []).length;
  if (decoded.includes('@')) return ':email';
  if (digits >= 6 && /^[+\d().-]+$/.test(decoded)) return ':number';
  const mixed = /\d/.test(decoded) && /[a-z]/i.test(decoded) && (digits >= 6 || (/[a-z]/.test(decoded) && /[A-Z]/.test(decoded)));
  if (decoded.length >= 16 && /^[A-Za-z0-9_=-]+$/.test(decoded) && mixed) return ':token';
  // A long number inside a word (an order or account number) identifies as much as one alone.
  if (digits >= 6) return ':number';
  return segment;
}

export interface BehaviourDeps {
  policy: RetentionPolicy;
  store: Store;
  clock: Clock;
  customers: Customers;
}

export class Behaviour {
  constructor(private readonly deps: BehaviourDeps) {}

  /**
   * Stores one event if analytics consent is active now; otherwise ConsentRequiredError and nothing is
   * stored. Not written to the access log: a customerId-keyed entry at the moment of a pseudonymous
   * write would let the two be matched by time, which is what the pseudonym prevents.
   */
  async record(_principal: Principal, customerId: string, input: BehaviourInput): Promise<{ eventId: string; occurredAt: string }> {
    if (!(BEHAVIOUR_TYPES as readonly string[]).includes(input.type)) {
      throw new ValidationError('Unknown event type.', [{ field: 'type', message: `must be one of ${BEHAVIOUR_TYPES.join(', ')}` }]);
    }
    const path = input.path === undefined ? undefined : sanitisePath(input.path);
    const now = this.deps.clock.now();
    const when = occurredAt(input.occurredAt, now, this.deps.policy.category('behaviour'));

    const row = await this.deps.customers.require(customerId);
    if (consentStatus(row.consent, 'analytics', now, this.deps.policy.consent).status !== 'active')
      throw new ConsentRequiredError('analytics');
    const { pseudonyms } = await this.deps.customers.unseal(row);
    const eventId = randomUUID();
    await this.deps.store.put(
      'behaviour',
      {
        pseudonym: pseudonyms.behaviour,
        sk: `${when}#${eventId}`,
        eventId,
        type: input.type,
        path,
        occurredAt: when,
        // No createdAt: a write-time stamp would let the row be matched to the customer's activity times.
        // Counted from when it happened (as lifting a legal hold does); no TTL while the customer is held.
        expiresAt: row.legalHold ? undefined : this.deps.policy.ttlFor('behaviour', new Date(when)),
      },
      { kind: 'notExists' },
    );
    return { eventId, occurredAt: when };
  }

  /** The newest `limit` live events, for the customer's own dashboard, and whether there are more. */
  async newest(row: CustomerRow, sealed: SealedCustomer, limit: number): Promise<Newest<BehaviourEventView>> {
    const page = await livePage(
      this.deps.store,
      'behaviour',
      sealed.pseudonyms.behaviour,
      this.deps.clock.now(),
      `behaviour:${row.customerId}`,
      {
        limit,
      },
    );
    return { items: page.items.map(toView), more: page.nextCursor !== undefined };
  }

  /** Every live event of a customer, newest first, for the customer's own export only. */
  async read(_row: CustomerRow, sealed: SealedCustomer): Promise<BehaviourEventView[]> {
    const out: BehaviourEventView[] = [];
    for await (const rows of livePages(this.deps.store, 'behaviour', sealed.pseudonyms.behaviour, this.deps.clock.now()))
      out.push(...rows.map(toView));
    return out;
  }

  /**
   * Deletes every event of a customer (analytics consent withdrawn: what was collected under it goes
   * too). Idempotent; a retry finishes an interrupted run.
   */
  async purge(row: CustomerRow): Promise<number> {
    const { pseudonyms } = await this.deps.customers.unseal(row);
    const rows = await queryAll(this.deps.store, 'behaviour', pseudonyms.behaviour, this.deps.clock.now(), { includeExpired: true });
    await this.deps.store.batchDelete(
      'behaviour',
      rows.map((r) => ({ pseudonym: pseudonyms.behaviour, sk: String(r.sk) })),
    );
    return rows.length;
  }
}

function toView(r: Item): BehaviourEventView {
  return {
    eventId: String(r.eventId),
    type: r.type as BehaviourType,
    ...(typeof r.path === 'string' ? { path: r.path } : {}),
    occurredAt: String(r.occurredAt),
    ...expiryOf(r),
  };
}
