import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import type { Store } from '../../lambdas/core/shared/ports';
import type { TableId } from '../../lambdas/core/policy/tables';
import { wrapStore } from '../support/stores';
import { rowCounts } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { grantAnalytics, newCustomer } from './helpers';

/** Puts to these tables fail once each, as a throttled or unreachable DynamoDB would. */
const failing = new Set<TableId>();
const faulty = (inner: Store): Store =>
  wrapStore(inner, {
    put: async (t, item, c) => {
      if (failing.delete(t)) throw new DependencyUnavailableError('DynamoDB');
      return inner.put(t, item, c);
    },
  });

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome({ wrapStore: faulty });
});
afterAll(async () => home?.close());

const agent = { token: TOKENS.agent };

describe('a failing database', () => {
  it.each([
    [
      'an interaction',
      'interactions',
      (id: string) => home.request('POST', `/v1/customers/${id}/interactions`, { ...agent, body: { channel: 'email', summary: 'x' } }),
    ],
    [
      'a purchase',
      'transactions',
      (id: string) =>
        home.request('POST', `/v1/customers/${id}/purchases`, {
          ...agent,
          body: { currency: 'EUR', items: [{ sku: 'A', quantity: 1, unitPriceMinor: 1 }] },
        }),
    ],
    [
      'an event',
      'behaviour',
      (id: string) => home.request('POST', `/v1/customers/${id}/events`, { ...agent, body: { type: 'page_view' } }),
    ],
    [
      'a consent change',
      'customers',
      (id: string) => home.request('PUT', `/v1/customers/${id}/consent`, { ...agent, body: { communications: true, source: 'phone' } }),
    ],
  ] as const)('gives 503 for %s and leaves nothing half-written', async (_label, table, send) => {
    const id = await newCustomer(home);
    await grantAnalytics(home, id);
    const before = await rowCounts(home.dynamo);
    const consentBefore = (await home.app.customers.require(id)).consent;
    failing.add(table);
    const res = await send(id);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('dependency_unavailable');
    expect(await rowCounts(home.dynamo)).toEqual(before);
    expect((await home.app.customers.require(id)).consent).toEqual(consentBefore);
  });

  it('a purchase retried with its Idempotency-Key after a failed write is recorded exactly once', async () => {
    const id = await newCustomer(home);
    const body = { currency: 'CHF', items: [{ sku: 'CLOCK', quantity: 1, unitPriceMinor: 45000 }] };
    const headers = { 'idempotency-key': 'pos-3-tx-991' };
    const send = () => home.request('POST', `/v1/customers/${id}/purchases`, { ...agent, body, headers });
    failing.add('transactions');
    expect((await send()).status).toBe(503);
    const retried = await send();
    expect(retried.status).toBe(201);
    const again = await send();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.purchaseId).toBe(retried.body.purchaseId);
    const listed = await home.request('GET', `/v1/customers/${id}/purchases`, agent);
    expect(listed.body.items).toHaveLength(1);
  });
});
