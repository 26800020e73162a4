import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../lambdas/core/policy/retention-policy';
import { textsOf } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { expectRefusedWritingNothing, newCustomer, nowEpoch, rawRows } from './helpers';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(async () => home?.close());

const post = (id: string, body: unknown, headers?: Record<string, string>) =>
  home.request('POST', `/v1/customers/${id}/purchases`, { token: TOKENS.agent, body, headers });
const list = (id: string, token: string = TOKENS.agent) => home.request('GET', `/v1/customers/${id}/purchases`, { token });

describe('purchases', () => {
  it('records a purchase with a total computed by the server and lists it back', async () => {
    const id = await newCustomer(home);
    const res = await post(id, {
      currency: 'EUR',
      items: [
        { sku: 'KETTLE-01', quantity: 2, unitPriceMinor: 2499 },
        { sku: 'mug.blue', quantity: 3, unitPriceMinor: 850 },
        { sku: 'gift_wrap', quantity: 1, unitPriceMinor: 0 },
      ],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ currency: 'EUR', totalMinor: 2 * 2499 + 3 * 850, recordedBy: 'staff:staff-agent-1' });
    const listed = await list(id);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([res.body]);
  });

  it('keeps purchases 3 years, as the inventory says, readable without the customer key and without contact data', async () => {
    const id = await newCustomer(home, { name: 'Quentin Quartermaine', email: 'quentin.q@example.com' });
    const before = nowEpoch(home);
    const res = await post(id, { currency: 'JPY', items: [{ sku: 'TEA-SET', quantity: 1, unitPriceMinor: 12000 }] });
    const after = nowEpoch(home);
    const row = (await rawRows(home, 'transactions')).find((r) => r.purchaseId.S === res.body.purchaseId)!;
    const retention = DEFAULT_POLICY.category('purchases').retention.seconds;
    expect(retention).toBe(1095 * 86_400);
    expect(Number(row.expiresAt.N)).toBeGreaterThanOrEqual(before + retention);
    expect(Number(row.expiresAt.N)).toBeLessThanOrEqual(after + retention);
    // Plain attributes: an erasure that shreds the customer key leaves the bookkeeping record intact.
    expect(row.customerId.S).toBe(id);
    expect(row.totalMinor.N).toBe('12000');
    expect(row.items.L![0].M!.sku.S).toBe('TEA-SET');
    expect(Object.values(row).some((v) => v.B !== undefined)).toBe(false);
    const texts = Object.values(row).flatMap(textsOf).join(' ').toLowerCase();
    for (const needle of ['quentin', 'quartermaine', 'quentin.q@example.com', 'example.com']) expect(texts).not.toContain(needle);
  });

  it('records a retried purchase once for the same Idempotency-Key, and refuses the key with another body', async () => {
    const id = await newCustomer(home);
    const body = { currency: 'GBP', items: [{ sku: 'SCARF', quantity: 1, unitPriceMinor: 1999 }] };
    const headers = { 'idempotency-key': 'till-7-receipt-0042' };
    const first = await post(id, body, headers);
    const again = await post(id, body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await list(id)).body.items).toHaveLength(1);
    const other = await post(id, { ...body, items: [{ sku: 'SCARF', quantity: 2, unitPriceMinor: 1999 }] }, headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect((await list(id)).body.items).toHaveLength(1);
  });

  it("writes every staff read of the purchases to the customer's access log", async () => {
    const id = await newCustomer(home);
    await list(id, TOKENS.agent);
    await list(id, TOKENS.officer);
    const log = await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer });
    const reads = log.body.items.filter((e: { action: string }) => e.action === 'read_purchases');
    expect(reads.map((e: { actor: string }) => e.actor).sort()).toEqual(['staff:staff-agent-1', 'staff:staff-officer-1']);
  });
});

describe('bad purchases are refused with a problem naming the field, and nothing is stored', () => {
  const item = { sku: 'SKU-1', quantity: 1, unitPriceMinor: 100 };
  const cases: [string, unknown, string, string[]][] = [
    ['an unknown currency code', { currency: 'ABC', items: [item] }, 'validation_failed', ['currency']],
    ['a lower-case currency', { currency: 'eur', items: [item] }, 'validation_failed', ['currency']],
    ['a test currency', { currency: 'XTS', items: [item] }, 'validation_failed', ['currency']],
    ['no items', { currency: 'EUR', items: [] }, 'validation_failed', ['items']],
    ['over 100 items', { currency: 'EUR', items: Array.from({ length: 101 }, () => item) }, 'validation_failed', ['items']],
    ['a quantity of 0', { currency: 'EUR', items: [{ ...item, quantity: 0 }] }, 'validation_failed', ['items.0.quantity']],
    ['a fractional quantity', { currency: 'EUR', items: [{ ...item, quantity: 1.5 }] }, 'validation_failed', ['items.0.quantity']],
    [
      'a negative price',
      { currency: 'EUR', items: [item, { ...item, unitPriceMinor: -1 }] },
      'validation_failed',
      ['items.1.unitPriceMinor'],
    ],
    [
      'a price in major units',
      { currency: 'EUR', items: [{ ...item, unitPriceMinor: 9.99 }] },
      'validation_failed',
      ['items.0.unitPriceMinor'],
    ],
    [
      'a price given as text',
      { currency: 'EUR', items: [{ ...item, unitPriceMinor: '100' }] },
      'validation_failed',
      ['items.0.unitPriceMinor'],
    ],
    ['an absurd price', { currency: 'EUR', items: [{ ...item, unitPriceMinor: 1e15 }] }, 'validation_failed', ['items.0.unitPriceMinor']],
    ['a sku with spaces', { currency: 'EUR', items: [{ ...item, sku: 'engraved for Alice' }] }, 'validation_failed', ['items.0.sku']],
    ['a client-computed total', { currency: 'EUR', items: [item], totalMinor: 1 }, 'unexpected_field', ['totalMinor']],
    ['a contact field', { currency: 'EUR', items: [item], email: 'a@example.com' }, 'unexpected_field', ['email']],
    ['an unknown item field', { currency: 'EUR', items: [{ ...item, note: 'gift' }] }, 'unexpected_field', ['items.0.note']],
    [
      'an occurredAt in the future',
      { currency: 'EUR', items: [item], occurredAt: '2999-01-01T00:00:00Z' },
      'validation_failed',
      ['occurredAt'],
    ],
  ];
  it.each(cases)('%s', async (_label, body, code, fields) => {
    const id = await newCustomer(home);
    await expectRefusedWritingNothing(home, () => post(id, body), code, fields);
  });
});
