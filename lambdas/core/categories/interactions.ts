/**
 * Interactions: who contacted us, how, and (optionally) a short summary of it. Rows are keyed by the
 * customer's random interaction pseudonym, which lives only inside the customer's encrypted record, so
 * the interactions table alone names nobody and cannot be joined to the customers table.
 */
import { randomUUID } from 'node:crypto';
import type { AccessLog } from '../shared/access-log';
import { expiryOf, occurredAt, type ActivityHook } from './common';
import type { Customers } from '../customer/customers';
import type { CustomerRow, SealedCustomer } from '../customer/record';
import { ValidationError } from '../shared/errors';
import type { RetentionPolicy } from '../policy/retention-policy';
import { livePage, livePages, type ListPage, type Newest, type PageRequest } from '../shared/paging';
import type { Clock, Item, Store } from '../shared/ports';
import { actorOf, type Principal } from '../shared/principal';
import type { PseudonymSeal } from './pseudonym-seal';

export const INTERACTION_CHANNELS = ['email', 'phone', 'chat', 'in_person'] as const;
export type InteractionChannel = (typeof INTERACTION_CHANNELS)[number];
export const SUMMARY_MAX_CHARS = 500;

export interface InteractionInput {
  channel: string;
  summary?: string;
  occurredAt?: string;
}

export interface InteractionView {
  interactionId: string;
  channel: InteractionChannel;
  /** null once the customer key is destroyed. */
  summary?: string | null;
  occurredAt: string;
  recordedBy: string;
  /** Absent while a legal hold suspends deletion. */
  expiresAt?: string;
}

export interface InteractionDeps {
  policy: RetentionPolicy;
  store: Store;
  clock: Clock;
  customers: Customers;
  accessLog: AccessLog;
  seal: PseudonymSeal;
  onActivity?: ActivityHook;
}

export function normaliseSummary(raw: string): string {
  const summary = raw.normalize('NFC').trim();
  if (summary.length === 0 || summary.length > SUMMARY_MAX_CHARS) {
    throw new ValidationError(`The summary must be 1 to ${SUMMARY_MAX_CHARS} characters.`, [
      { field: 'summary', message: `must be 1 to ${SUMMARY_MAX_CHARS} characters (leave it out for none)` },
    ]);
  }
  return summary;
}

export class Interactions {
  constructor(private readonly deps: InteractionDeps) {}

  async create(principal: Principal, customerId: string, input: InteractionInput): Promise<InteractionView> {
    const { store, clock, customers } = this.deps;
    if (!(INTERACTION_CHANNELS as readonly string[]).includes(input.channel)) {
      throw new ValidationError('Unknown channel.', [{ field: 'channel', message: `must be one of ${INTERACTION_CHANNELS.join(', ')}` }]);
    }
    const summary = input.summary === undefined ? undefined : normaliseSummary(input.summary);
    const now = clock.now();
    const when = occurredAt(input.occurredAt, now, this.deps.policy.category('interactions'));

    const row = await customers.require(customerId);
    const { pseudonyms } = await customers.unseal(row);
    const interactionId = randomUUID();
    // Sealed before the write: a KMS fault leaves nothing behind.
    const sealedSummary =
      summary === undefined
        ? undefined
        : await this.deps.seal.seal(customerId, pseudonyms.interaction, 'interactions', interactionId, summary);
    const item: Item = {
      pseudonym: pseudonyms.interaction,
      sk: `${when}#${interactionId}`,
      interactionId,
      channel: input.channel,
      summary: sealedSummary,
      occurredAt: when,
      actor: actorOf(principal).actor,
      // No createdAt: a write-time stamp would let the row be matched to the customer's activity times.
      // Counted from when it happened (as lifting a legal hold does); no TTL while the customer is held.
      expiresAt: row.legalHold ? undefined : this.deps.policy.ttlFor('interactions', new Date(when)),
    };
    await store.put('interactions', item, { kind: 'notExists' });
    await this.deps.onActivity?.(customerId);
    return { ...toView(item), ...(summary !== undefined ? { summary } : {}) };
  }

  /** One page, newest first, summaries decrypted; the read is written to the customer's access log. */
  async list(principal: Principal, customerId: string, request: PageRequest = {}): Promise<ListPage<InteractionView>> {
    const row = await this.deps.customers.require(customerId);
    const { pseudonyms } = await this.deps.customers.unseal(row);
    const now = this.deps.clock.now();
    const page = await livePage(this.deps.store, 'interactions', pseudonyms.interaction, now, `interactions:${customerId}`, request);
    const items = await this.views(customerId, pseudonyms.interaction, page.items);
    await this.deps.accessLog.append(customerId, principal, 'read_interactions', undefined, !!row.legalHold);
    return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
  }

  /**
   * Every live interaction of a customer, newest first, without an access-log entry (the caller logs:
   * export, dashboard). Built one store page at a time, so the raw rows of only one page are held.
   */
  async read(row: CustomerRow, sealed: SealedCustomer): Promise<InteractionView[]> {
    const pseudonym = sealed.pseudonyms.interaction;
    const out: InteractionView[] = [];
    for await (const rows of livePages(this.deps.store, 'interactions', pseudonym, this.deps.clock.now())) {
      out.push(...(await this.views(row.customerId, pseudonym, rows)));
    }
    return out;
  }

  /** The newest `limit` live interactions (no access-log entry: the caller logs), and whether there are more. */
  async newest(row: CustomerRow, sealed: SealedCustomer, limit: number): Promise<Newest<InteractionView>> {
    const pseudonym = sealed.pseudonyms.interaction;
    const page = await livePage(this.deps.store, 'interactions', pseudonym, this.deps.clock.now(), `interactions:${row.customerId}`, {
      limit,
    });
    return { items: await this.views(row.customerId, pseudonym, page.items), more: page.nextCursor !== undefined };
  }

  private async views(customerId: string, pseudonym: string, rows: Item[]): Promise<InteractionView[]> {
    const withSummary = rows.filter((r) => r.summary instanceof Uint8Array);
    const opened = await this.deps.seal.openAll<string>(
      customerId,
      pseudonym,
      'interactions',
      withSummary.map((r) => ({ rowId: String(r.interactionId), sealed: r.summary as Uint8Array })),
    );
    const summaries = new Map(withSummary.map((r, i) => [String(r.interactionId), opened[i]]));
    return rows.map((r) => {
      const view = toView(r);
      const summary = summaries.get(view.interactionId);
      return summary !== undefined ? { ...view, summary } : view;
    });
  }
}

function toView(r: Item): InteractionView {
  return {
    interactionId: String(r.interactionId),
    channel: r.channel as InteractionChannel,
    occurredAt: String(r.occurredAt),
    recordedBy: String(r.actor),
    ...expiryOf(r),
  };
}
