import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../lambdas/core/shared/ports';
import { wrapStore } from '../support/stores';
import { rowCounts } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome | undefined;
afterEach(async () => {
  await home?.close();
  home = undefined;
});

const body = { name: 'Racing Rita', email: 'rita@example.com' };
const create = (h: TestHome, headers?: Record<string, string>) =>
  h.request('POST', '/v1/customers', { token: TOKENS.agent, body, headers });

describe('concurrent creation', () => {
  it('parallel requests with one Idempotency-Key end with one customer, and every success names it', async () => {
    home = await startTestHome();
    const h = home;
    const results = await Promise.all(Array.from({ length: 6 }, () => create(h, { 'idempotency-key': 'same-key-1' })));
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.customerId)).size).toBe(1);
    for (const r of results.filter((x) => x.status !== 201)) expect([409]).toContain(r.status);
    expect((await rowCounts(h.dynamo)).customers).toBe(1);
    const replay = await create(h, { 'idempotency-key': 'same-key-1' });
    expect(replay.body.customerId).toBe(ok[0].body.customerId);
    expect((await h.request('GET', `/v1/customers/${ok[0].body.customerId}`, { token: TOKENS.agent })).status).toBe(200);
  });

  it('parallel requests for one contact without a key create it once; the others are told it exists', async () => {
    home = await startTestHome();
    const h = home;
    const results = await Promise.all(Array.from({ length: 6 }, () => create(h)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.code).toBe('contact_exists');
    expect((await rowCounts(h.dynamo)).customers).toBe(1);
  });

  it('a retry that overtakes a slow first attempt replays it, and the slow attempt destroys nothing', async () => {
    let release: () => void = () => undefined;
    let slowOnce = true;
    const gate = new Promise<void>((r) => (release = r));
    const slowStore = (inner: Store): Store =>
      wrapStore(inner, {
        put: async (t, i, c) => {
          if (t === 'customers' && slowOnce) {
            slowOnce = false;
            await gate; // the first attempt's row write is delayed until the retry has finished
          }
          return inner.put(t, i, c);
        },
      });
    home = await startTestHome({ wrapStore: slowStore });
    const h = home;
    const headers = { 'idempotency-key': 'slow-then-retry' };
    const first = create(h, headers);
    await new Promise((r) => setTimeout(r, 200));
    const retry = await create(h, headers);
    expect(retry.status).toBe(201);
    release();
    const late = await first;
    expect(late.status).toBe(201);
    expect(late.body.customerId).toBe(retry.body.customerId);

    const id = retry.body.customerId;
    expect((await h.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent })).status).toBe(200);
    expect((await h.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: body.email } })).body.customerId).toBe(
      id,
    );
    const counts = await rowCounts(h.dynamo);
    expect({ customers: counts.customers, keys: counts['customer-keys'], index: counts['contact-index'] }).toEqual({
      customers: 1,
      keys: 1,
      index: 1,
    });
  });
});
