/**
 * The API function's table grants are written by hand (lib/function-access.ts). This runs every API
 * route, failure paths included, against a recording store and checks each (table, operation) the
 * real handlers performed is granted: a missing grant would be an AccessDenied in AWS only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import type { Store } from '../../lambdas/core/shared/ports';
import { TABLES, type TableId } from '../../lambdas/core/policy/tables';
import { FUNCTION_TABLES } from '../../lib/function-access';
import { TOKENS, type TestHome } from '../support/home';
import { wrapStore } from '../support/stores';
import { createCustomer, lastCode, signIn, startPortalHome } from '../portal/support';

const used = new Set<string>();
let failCustomersPut = false;
const record = (table: TableId, op: string) => {
  if (!TABLES[table].localOnly) used.add(`${table} ${op}`);
};
const recording = (inner: Store): Store =>
  wrapStore(inner, {
    get: (t, k, o) => (record(t, 'get'), inner.get(t, k, o)),
    put: async (t, i, c) => {
      record(t, 'put');
      if (t === 'customers' && failCustomersPut) throw new DependencyUnavailableError('DynamoDB');
      return inner.put(t, i, c);
    },
    delete: (t, k, c) => (record(t, 'delete'), inner.delete(t, k, c)),
    batchDelete: (t, k) => (record(t, 'batchDelete'), inner.batchDelete(t, k)),
    query: (t, p, o) => (record(t, 'query'), inner.query(t, p, o)),
    queryIndex: (t, i, v, o) => (record(t, 'queryIndex'), inner.queryIndex(t, i, v, o)),
    scan: (t, o) => (record(t, 'scan'), inner.scan(t, o)),
  });

let home: TestHome;
beforeAll(async () => {
  home = await startPortalHome({}, { wrapStore: recording });
});
afterAll(async () => home?.close());

describe("the API function's table grants", () => {
  it('cover every table operation the API routes perform, failures and rollbacks included', async () => {
    const req = (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) =>
      home.request(method, path, { token, body, headers });
    const email = 'grants@example.com';
    const id = await createCustomer(home, { name: 'Grant Person', email });
    await req('POST', '/v1/customers', TOKENS.agent, { name: 'Grant Twice', email: 'g2@example.com' }, { 'idempotency-key': 'k1' });
    await req('POST', '/v1/customers', TOKENS.agent, { name: 'Grant Twice', email: 'g2@example.com' }, { 'idempotency-key': 'k1' });
    failCustomersPut = true;
    expect((await req('POST', '/v1/customers', TOKENS.agent, { name: 'Rolled Back', email: 'rb@example.com' })).status).toBe(503);
    failCustomersPut = false;
    await req('POST', '/v1/customers/search', TOKENS.agent, { email });
    await req('GET', `/v1/customers/${id}`, TOKENS.agent);
    await signIn(home, { email });
    await req('PATCH', `/v1/customers/${id}`, TOKENS.officer, { email: 'grants2@example.com', purpose: 'grant check' });
    await req('PATCH', `/v1/customers/${id}`, TOKENS.officer, { email, purpose: 'grant check' });
    await req('PATCH', `/v1/customers/${id}`, TOKENS.agent, { name: 'Grant Renamed' });
    await req('POST', `/v1/customers/${id}/reveal`, TOKENS.officer, { purpose: 'grant check' });
    await req('GET', `/v1/customers/${id}/access-log`, TOKENS.officer);
    await req('POST', `/v1/customers/${id}/interactions`, TOKENS.agent, { channel: 'chat', summary: 'hello' });
    await req('GET', `/v1/customers/${id}/interactions`, TOKENS.agent);
    await req(
      'POST',
      `/v1/customers/${id}/purchases`,
      TOKENS.agent,
      { currency: 'EUR', items: [{ sku: 'G', quantity: 1, unitPriceMinor: 1 }] },
      { 'idempotency-key': 'p1' },
    );
    await req('GET', `/v1/customers/${id}/purchases`, TOKENS.agent);
    await req('PUT', `/v1/customers/${id}/consent`, TOKENS.agent, { analytics: true, communications: true, source: 'email' });
    await req('POST', `/v1/customers/${id}/events`, TOKENS.agent, { type: 'page_view', path: '/a' });
    await req('PUT', `/v1/customers/${id}/consent`, TOKENS.agent, { analytics: false, source: 'email' });
    await req('PUT', `/v1/customers/${id}/legal-hold`, TOKENS.officer, { reason: 'grants' });
    const held = await req('POST', `/v1/customers/${id}/erasure`, TOKENS.officer);
    await req('DELETE', `/v1/customers/${id}/legal-hold`, TOKENS.officer, { reason: 'grants end' });
    await req('DELETE', `/v1/customers/${id}/erasure`, TOKENS.officer);
    await req('GET', `/v1/erasure-receipts/${held.body.receiptId}`);
    await req('GET', '/v1/privacy/inventory');

    await req('POST', '/v1/portal/login', undefined, { email });
    await req('POST', '/v1/portal/verify', undefined, { email, code: '000001' });
    await req('POST', '/v1/portal/login', undefined, { email });
    const verified = await req('POST', '/v1/portal/verify', undefined, { email, code: lastCode(home, email) });
    expect(verified.status).toBe(200);
    const token = verified.body.token;
    for (const path of ['/v1/me', '/v1/me/export', '/v1/me/access-log']) await req('GET', path, token);
    await req('PUT', '/v1/me/consent', token, { communications: false });
    await req('POST', '/v1/me/erasure', token);
    await req('DELETE', '/v1/me/erasure', token);
    await req('POST', '/v1/portal/logout', token);

    const granted = new Set(
      Object.entries(FUNCTION_TABLES.api).flatMap(([table, ops]) => (ops as readonly string[]).map((op) => `${table} ${op}`)),
    );
    expect([...used].filter((u) => !granted.has(u)).sort()).toEqual([]);
    expect(used.size).toBeGreaterThan(15); // the recording saw the flow
  });
});
