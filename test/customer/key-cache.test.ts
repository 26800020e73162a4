import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyService } from '../../lambdas/core/shared/ports';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { tapKeys } from '../support/stores';

const calls: string[] = [];
function counting(inner: KeyService): KeyService {
  return tapKeys(inner, (op) => calls.push(op));
}

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome({ wrapKeys: counting, settings: { vault: { cacheTtlMs: 120_000, cacheMaxEntries: 2 } } });
});
afterAll(async () => home?.close());

describe('the customer key cache', () => {
  it('serves warm reads without any KMS call, and unwraps once after the entry is evicted', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: `Cache ${n}`, email: `cache${n}@example.com` } });
      ids.push(res.body.customerId);
    }
    expect(home.app.vault.cachedKeys).toBe(2); // bounded

    calls.length = 0;
    await home.request('GET', `/v1/customers/${ids[2]}`, { token: TOKENS.agent });
    await home.request('GET', `/v1/customers/${ids[2]}`, { token: TOKENS.agent });
    expect(calls).toEqual([]);

    await home.request('GET', `/v1/customers/${ids[0]}`, { token: TOKENS.agent }); // evicted: unwrap once
    await home.request('GET', `/v1/customers/${ids[0]}`, { token: TOKENS.agent });
    expect(calls).toEqual(['unwrapDataKey']);
  });

  it('creates a customer with exactly one data key and one MAC', async () => {
    calls.length = 0;
    await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Count Calls', email: 'count@example.com' } });
    expect(calls.sort()).toEqual(['generateDataKey', 'mac']);
  });
});
