/**
 * Purchases: the transactional record. Kept in a table of their own, keyed by customerId and NOT
 * encrypted under the customer key: the inventory keeps them for the bookkeeping obligation after an
 * erasure, and a shredded key would destroy the tax record. So they hold no contact data at all, only
 * what was bought, for how much, and when; the total is computed here, never taken from the client.
 */
import { randomUUID } from 'node:crypto';
import type { AccessLog } from '../shared/access-log';
import { expiryOf, occurredAt, type ActivityHook } from './common';
import type { Customers } from '../customer/customers';
import { ConditionFailedError, fieldList, ValidationError, type FieldError } from '../shared/errors';
import type { RetentionPolicy } from '../policy/retention-policy';
import { livePage, livePages, type ListPage, type Newest, type PageRequest } from '../shared/paging';
import type { Clock, Item, Store } from '../shared/ports';
import { actorOf, type Principal } from '../shared/principal';
import type { Idempotency } from '../shared/idempotency';
import type { Vault } from '../shared/vault';

/**
 * ISO 4217 codes of real currencies: a fixed list (not the runtime's ICU data, which differs between
 * Node versions), including codes withdrawn recently enough to appear inside the 3-year retention.
 * Funds and units of account (XDR, XSU, XUA, BOV, ...) and test codes (XTS, XXX) are not money paid.
 */
// biome-ignore format: the codes read as a table, eighteen to a line
export const CURRENCIES = [
  'AED', 'AFN', 'ALL', 'AMD', 'ANG', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT', 'BGN', 'BHD', 'BIF', 'BMD', 'BND',
  'BOB', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHF', 'CLP', 'CNY', 'COP', 'CRC', 'CUP', 'CVE', 'CZK', 'DJF',
  'DKK', 'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL', 'GHS', 'GIP', 'GMD', 'GNF', 'GTQ', 'GYD', 'HKD',
  'HNL', 'HRK', 'HTG', 'HUF', 'IDR', 'ILS', 'INR', 'IQD', 'IRR', 'ISK', 'JMD', 'JOD', 'JPY', 'KES', 'KGS', 'KHR', 'KMF', 'KPW',
  'KRW', 'KWD', 'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL', 'LYD', 'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU',
  'MUR', 'MVR', 'MWK', 'MXN', 'MYR', 'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'OMR', 'PAB', 'PEN', 'PGK', 'PHP', 'PKR',
  'PLN', 'PYG', 'QAR', 'RON', 'RSD', 'RUB', 'RWF', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SLL', 'SOS', 'SRD',
  'SSP', 'STN', 'SVC', 'SYP', 'SZL', 'THB', 'TJS', 'TMT', 'TND', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'UGX', 'USD', 'UYU',
  'UZS', 'VED', 'VES', 'VND', 'VUV', 'WST', 'XAF', 'XCD', 'XCG', 'XOF', 'XPF', 'YER', 'ZAR', 'ZMW', 'ZWG', 'ZWL',
] as const;
export type Currency = (typeof CURRENCIES)[number];

export const PURCHASE_LIMITS = {
  maxItems: 100,
  maxQuantity: 10_000,
  /** 10 million major units of a 2-decimal currency; with the other limits the total stays an exact integer. */
  maxUnitPriceMinor: 1_000_000_000,
} as const;

/** An article number, not a description: no spaces, so no room for a name or a dedication. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface PurchaseItem {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface PurchaseInput {
  currency: string;
  items: PurchaseItem[];
  occurredAt?: string;
}

export interface PurchaseView {
  purchaseId: string;
  currency: Currency;
  items: PurchaseItem[];
  /** Sum of quantity × unitPriceMinor, in the currency's minor unit. */
  totalMinor: number;
  occurredAt: string;
  recordedBy: string;
  /** Absent while a legal hold suspends deletion. */
  expiresAt?: string;
}

export interface PurchaseDeps {
  idempotency: Idempotency;
  policy: RetentionPolicy;
  store: Store;
  clock: Clock;
  vault: Vault;
  customers: Customers;
  accessLog: AccessLog;
  onActivity?: ActivityHook;
}

const isInt = (n: unknown, min: number, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;

export function validatePurchase(input: PurchaseInput): { currency: Currency; items: PurchaseItem[]; totalMinor: number } {
  const errors: FieldError[] = [];
  if (!(CURRENCIES as readonly string[]).includes(input.currency)) {
    errors.push({ field: 'currency', message: 'must be an ISO 4217 currency code in capitals, e.g. EUR' });
  }
  const items = Array.isArray(input.items) ? input.items : [];
  if (items.length < 1 || items.length > PURCHASE_LIMITS.maxItems) {
    errors.push({ field: 'items', message: `must hold 1 to ${PURCHASE_LIMITS.maxItems} items` });
  }
  items.forEach((item, i) => {
    if (typeof item?.sku !== 'string' || !SKU_PATTERN.test(item.sku)) {
      errors.push({
        field: `items.${i}.sku`,
        message: 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      });
    }
    if (!isInt(item?.quantity, 1, PURCHASE_LIMITS.maxQuantity)) {
      errors.push({ field: `items.${i}.quantity`, message: `must be a whole number from 1 to ${PURCHASE_LIMITS.maxQuantity}` });
    }
    if (!isInt(item?.unitPriceMinor, 0, PURCHASE_LIMITS.maxUnitPriceMinor)) {
      errors.push({
        field: `items.${i}.unitPriceMinor`,
        message: `must be a whole number of minor units from 0 to ${PURCHASE_LIMITS.maxUnitPriceMinor}`,
      });
    }
  });
  if (errors.length > 0) throw new ValidationError(`Invalid field(s): ${fieldList(errors.map((e) => e.field))}.`, errors);
  const clean = items.map(({ sku, quantity, unitPriceMinor }) => ({ sku, quantity, unitPriceMinor }));
  const totalMinor = clean.reduce((sum, i) => sum + i.quantity * i.unitPriceMinor, 0);
  return { currency: input.currency as Currency, items: clean, totalMinor };
}

export class Purchases {
  constructor(private readonly deps: PurchaseDeps) {}

  /**
   * Records a purchase. With an Idempotency-Key a retried request records it once: the key is claimed
   * (with the row's sort key) before the row is written, so a retry after a crash in between writes the
   * same row, and the same key with another body is refused.
   */
  async create(
    principal: Principal,
    customerId: string,
    input: PurchaseInput,
    idempotencyKey?: string,
  ): Promise<{ purchase: PurchaseView; replayed: boolean }> {
    const { store, clock } = this.deps;
    const valid = validatePurchase(input);
    const now = clock.now();
    const fresh = `${occurredAt(input.occurredAt, now, this.deps.policy.category('purchases'))}#${randomUUID()}`;
    const customer = await this.deps.customers.require(customerId);

    let sk = fresh;
    if (idempotencyKey !== undefined) {
      const request = await this.deps.idempotency.request(`purchase:${customerId}`, actorOf(principal).actor, idempotencyKey, [
        valid.currency,
        valid.items,
        input.occurredAt ?? null,
      ]);
      sk = await this.deps.idempotency.claim(request, fresh, customerId);
      if (sk !== fresh) {
        const existing = await store.get('transactions', { customerId, sk }, { consistent: true });
        if (existing) return { purchase: toView(existing), replayed: true };
      }
    }

    const hash = sk.lastIndexOf('#');
    const item: Item = {
      customerId,
      sk,
      purchaseId: sk.slice(hash + 1),
      currency: valid.currency,
      items: valid.items.map((i) => ({ ...i })),
      totalMinor: valid.totalMinor,
      occurredAt: sk.slice(0, hash),
      actor: actorOf(principal).actor,
      createdAt: now.toISOString(),
      // Under a legal hold nothing of the customer may expire; lifting the hold sets the TTL from createdAt.
      expiresAt: customer.legalHold ? undefined : this.deps.policy.ttlFor('purchases', now),
    };
    await store.put('transactions', item, { kind: 'notExists' }).catch((e) => {
      // Only a concurrent retry of the same idempotent request writes this key.
      if (!(e instanceof ConditionFailedError)) throw e;
    });
    await this.deps.onActivity?.(customerId);
    await this.deps.accessLog.append(customerId, principal, 'create_purchase', undefined, !!customer.legalHold);
    return { purchase: toView(item), replayed: false };
  }

  /** One page, newest first; the read is written to the customer's access log. */
  async list(principal: Principal, customerId: string, request: PageRequest = {}): Promise<ListPage<PurchaseView>> {
    const row = await this.deps.customers.require(customerId);
    const page = await livePage(this.deps.store, 'transactions', customerId, this.deps.clock.now(), `purchases:${customerId}`, request);
    await this.deps.accessLog.append(customerId, principal, 'read_purchases', undefined, !!row.legalHold);
    const items = page.items.map(toView);
    return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
  }

  /** The newest `limit` live purchases (no access-log entry: the caller logs), and whether there are more. */
  async newest(customerId: string, limit: number): Promise<Newest<PurchaseView>> {
    const page = await livePage(this.deps.store, 'transactions', customerId, this.deps.clock.now(), `purchases:${customerId}`, { limit });
    return { items: page.items.map(toView), more: page.nextCursor !== undefined };
  }

  /** Every live purchase of a customer, newest first, one store page at a time, without an access-log entry (the caller logs). */
  async read(customerId: string): Promise<PurchaseView[]> {
    const out: PurchaseView[] = [];
    for await (const rows of livePages(this.deps.store, 'transactions', customerId, this.deps.clock.now())) out.push(...rows.map(toView));
    return out;
  }
}

function toView(r: Item): PurchaseView {
  const items = Array.isArray(r.items) ? r.items : [];
  return {
    purchaseId: String(r.purchaseId),
    currency: r.currency as Currency,
    items: items.map((i) => {
      const o = i as Record<string, unknown>;
      return { sku: String(o.sku), quantity: Number(o.quantity), unitPriceMinor: Number(o.unitPriceMinor) };
    }),
    totalMinor: Number(r.totalMinor),
    occurredAt: String(r.occurredAt),
    recordedBy: String(r.actor),
    ...expiryOf(r),
  };
}
