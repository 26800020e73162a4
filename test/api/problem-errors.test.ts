/** A request with many bad fields gets the first few named, never a problem as large as the request. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../lambdas/adapters/logger';
import type { App } from '../../lambdas/core/app';
import { PURCHASE_LIMITS } from '../../lambdas/core/categories/purchases';
import { createApiHandler } from '../../lambdas/http/api';
import { MAX_PROBLEM_ERRORS, Problem } from '../../lambdas/http/schemas';
import { apiGatewayEvent } from '../support/api-gateway';

describe('a problem with many field errors', () => {
  it(`names at most ${MAX_PROBLEM_ERRORS}, and matches the documented Problem`, async () => {
    // Validation answers before the app is reached: no app is needed.
    const handler = createApiHandler({} as App, { log: silentLog });
    const items = Array.from({ length: PURCHASE_LIMITS.maxItems }, () => ({ sku: 'not a sku!', quantity: -1, unitPriceMinor: 'x' }));
    const res = await handler(
      apiGatewayEvent('POST', '/v1/customers/{id}/purchases', {
        groups: 'agent',
        params: { id: randomUUID() },
        body: { currency: 'EUR', items },
      }),
    );
    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.errors.length).toBe(MAX_PROBLEM_ERRORS);
    expect(body.detail).toMatch(/ and \d+ more\.$/);
    const parsed = Problem.safeParse(body);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('keeps unexpected keys of any length and number within the documented Problem', async () => {
    const handler = createApiHandler({} as App, { log: silentLog });
    const body = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`${i}-${'k'.repeat(300)}`, 1]));
    for (const event of [
      apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'A Person', email: 'a@example.com', ...body } }),
      apiGatewayEvent('POST', '/v1/customers/{id}/erasure', { groups: 'privacy_officer', params: { id: randomUUID() }, body }),
    ]) {
      const res = await handler(event);
      expect(res.statusCode).toBe(400);
      const problem = JSON.parse(res.body);
      expect(problem.code).toBe('unexpected_field');
      expect(Problem.safeParse(problem).error?.issues ?? []).toEqual([]);
    }
  });
});
