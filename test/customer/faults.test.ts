import { afterEach, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import type { KeyService, Store } from '../../lambdas/core/shared/ports';
import type { TableId } from '../../lambdas/core/policy/tables';
import { tapKeys, wrapStore } from '../support/stores';
import { rowCounts } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome | undefined;
afterEach(async () => {
  await home?.close();
  home = undefined;
});

const faults = { kms: new Set<keyof KeyService>(), putTables: new Set<TableId>() };
afterEach(() => {
  faults.kms.clear();
  faults.putTables.clear();
});

function faultyKeys(inner: KeyService): KeyService {
  return tapKeys(inner, (op) => {
    if (faults.kms.has(op)) throw new DependencyUnavailableError('KMS');
  });
}

function faultyStore(inner: Store): Store {
  return wrapStore(inner, {
    put: async (t, i, c) => {
      if (faults.putTables.has(t)) throw new DependencyUnavailableError('DynamoDB');
      return inner.put(t, i, c);
    },
  });
}

const body = { name: 'Faulty Fiona', email: 'fiona@example.com' };

describe('a failing dependency', () => {
  it('KMS failing on a cold instance (no beacon or branch key yet) gives 503 and writes nothing', async () => {
    home = await startTestHome({ wrapKeys: faultyKeys });
    faults.kms.add('generateDataKey');
    const res = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('dependency_unavailable');
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(Object.values(await rowCounts(home.dynamo)).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it.each(['customers', 'customer-keys'] as const)(
    'a throttled write to %s gives 503 and leaves no customer, key or index entry',
    async (table) => {
      home = await startTestHome({ wrapStore: faultyStore });
      faults.putTables.add(table);
      const res = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body });
      expect(res.status).toBe(503);
      const counts = await rowCounts(home.dynamo);
      expect({ customers: counts.customers, keys: counts['customer-keys'], index: counts['contact-index'] }).toEqual({
        customers: 0,
        keys: 0,
        index: 0,
      });
      // The contact is not blocked: once the dependency recovers the same request succeeds.
      faults.putTables.clear();
      const retry = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body });
      expect(retry.status).toBe(201);
      const found = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: body.email } });
      expect(found.body.customerId).toBe(retry.body.customerId);
    },
  );

  it('a retry with the same Idempotency-Key after a failure resumes the same customer', async () => {
    home = await startTestHome({ wrapStore: faultyStore });
    faults.putTables.add('customers');
    const headers = { 'idempotency-key': 'retry-me-1' };
    expect((await home.request('POST', '/v1/customers', { token: TOKENS.agent, body, headers })).status).toBe(503);
    faults.putTables.clear();
    const ok = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body, headers });
    expect(ok.status).toBe(201);
    const again = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body, headers });
    expect(again.body.customerId).toBe(ok.body.customerId);
    expect((await rowCounts(home.dynamo)).customers).toBe(1);
  });

  it('KMS failing on a read that must unwrap a branch key gives 503, not a 500 or partial data', async () => {
    home = await startTestHome({ wrapKeys: faultyKeys, settings: { vault: { cacheTtlMs: 0, keyCacheTtlMs: 0 } } });
    const created = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body });
    faults.kms.add('unwrapDataKey');
    const res = await home.request('GET', `/v1/customers/${created.body.customerId}`, { token: TOKENS.agent });
    expect(res.status).toBe(503);
  });
});
