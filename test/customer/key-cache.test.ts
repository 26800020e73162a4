import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyService } from '../../lambdas/core/shared/ports';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { tapKeys } from '../support/stores';

const calls: string[] = [];
function counting(inner: KeyService): KeyService {
  return tapKeys(inner, (op) => calls.push(op));
}

let home: TestHome;
const ids: string[] = [];
beforeAll(async () => {
  home = await startTestHome({ wrapKeys: counting, settings: { vault: { cacheTtlMs: 120_000, cacheMaxEntries: 2 } } });
});
afterAll(async () => home?.close());

describe('the customer key cache', () => {
  it('is bounded; a key it evicted is unwrapped again under its cached branch key, without KMS', async () => {
    for (const n of [1, 2, 3]) {
      const res = await home.request('POST', '/v1/customers', {
        token: TOKENS.agent,
        body: { name: `Cache ${n}`, email: `cache${n}@example.com` },
      });
      ids.push(res.body.customerId);
    }
    expect(home.app.vault.cachedKeys).toBe(2); // bounded

    calls.length = 0;
    const row = () => home.app.ports.store.get('customer-keys', { customerId: ids[0]! });
    const reads: unknown[] = [];
    const spy = home.app.ports.store.get.bind(home.app.ports.store);
    home.app.ports.store.get = async (t, k, o) => (t === 'customer-keys' && reads.push(k), spy(t, k, o));
    await home.request('GET', `/v1/customers/${ids[2]}`, { token: TOKENS.agent });
    await home.request('GET', `/v1/customers/${ids[2]}`, { token: TOKENS.agent });
    expect(reads).toEqual([]); // cached: not even the key row is read

    await home.request('GET', `/v1/customers/${ids[0]}`, { token: TOKENS.agent }); // evicted: the key row is read once
    await home.request('GET', `/v1/customers/${ids[0]}`, { token: TOKENS.agent });
    home.app.ports.store.get = spy;
    expect(reads).toEqual([{ customerId: ids[0] }]);
    expect(calls).toEqual([]);
    expect(await row()).toMatchObject({ branch: expect.any(Number), branchVersion: 1 });
  });

  it('creates customers with one KMS call the first time a branch key is used, none after', async () => {
    const { branchKeys } = home.app.vault;
    const used = new Set(ids.map((id) => branchKeys.branchOf(id)));
    calls.length = 0;
    for (let n = 0; n < 40; n++) {
      const before = calls.length;
      const res = await home.request('POST', '/v1/customers', {
        token: TOKENS.agent,
        body: { name: 'Warm Create', email: `warm${n}@example.com` },
      });
      expect(res.status).toBe(201);
      const branch = branchKeys.branchOf(res.body.customerId);
      // A branch nobody used yet gets its first version (GenerateDataKey); a used one is in memory.
      expect(calls.slice(before)).toEqual(used.has(branch) ? [] : ['generateDataKey']);
      used.add(branch);
    }
  });
});
