/** The simulated workload's building blocks: deterministic, and in the stated proportions. */
import { describe, expect, it } from 'vitest';
import { apiEvent, MIX, opPicker, permutation, rng, zipf } from '../../bench/sim/workload';

describe('the workload', () => {
  it('is the same for the same seed', () => {
    const a = rng(7);
    const b = rng(7);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
  });

  it('draws Zipf ranks: rank k about 1/(k+1) as often as rank 0', () => {
    const rank = zipf(1000, 1, rng(1));
    const counts = new Array(1000).fill(0);
    for (let i = 0; i < 200_000; i++) counts[rank()]++;
    // H(1000) ≈ 7.485: rank 0 gets 1/7.485 ≈ 13.4% of the draws, rank 9 a tenth of that.
    expect(counts[0] / 200_000).toBeCloseTo(0.1336, 2);
    expect(counts[9] / counts[0]).toBeCloseTo(0.1, 1);
    expect(Math.min(...counts.slice(0, 10))).toBeGreaterThan(counts[500]);
  });

  it('picks operations in the proportions of the mix, which adds up to 100%', () => {
    expect(Object.values(MIX).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 10);
    const pick = opPicker(MIX, rng(3));
    const seen: Record<string, number> = {};
    for (let i = 0; i < 200_000; i++) {
      const op = pick();
      seen[op] = (seen[op] ?? 0) + 1;
    }
    for (const [op, share] of Object.entries(MIX)) expect(Math.abs((seen[op] ?? 0) / 2000 - share), op).toBeLessThan(0.5);
  });

  it('ranks every customer once', () => {
    expect([...permutation(50, rng(2))].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('builds API Gateway events with the path filled, the query, the claims of a staff role or a session token', () => {
    const staff = apiEvent({
      method: 'GET',
      resource: '/v1/customers/{id}/purchases',
      params: { id: 'c-1' },
      query: { limit: '20' },
      staffRole: 'agent',
    });
    expect(staff).toMatchObject({ path: '/v1/customers/c-1/purchases', queryStringParameters: { limit: '20' }, body: null });
    expect(staff.requestContext.authorizer).toEqual({ claims: { sub: 'staff-agent-1', 'cognito:groups': 'agent' } });
    const portal = apiEvent({ method: 'POST', resource: '/v1/portal/verify', body: { code: '1' }, token: 't' });
    expect(portal.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer t' });
    expect(portal.requestContext.authorizer).toBeNull();
  });
});
