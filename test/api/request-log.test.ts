/**
 * The function's own request line: only for a request that failed on our side or was slow. Every other
 * request is in API Gateway's access log already; the local home writes that line in its place.
 */
import { describe, expect, it, vi } from 'vitest';
import { createApiHandler } from '../../lambdas/http/api';
import { SLOW_REQUEST_MS } from '../../lambdas/http/middleware';
import { memoryHome, type MemoryHome } from '../forgetting/memory/support';
import { apiGatewayEvent } from '../support/api-gateway';

/** The API handler over a fast home, logging where the home records its lines. */
function started(): { home: MemoryHome; handler: ReturnType<typeof createApiHandler>; requests: () => MemoryHome['logged'] } {
  const home = memoryHome();
  const handler = createApiHandler(home.app, { log: home.app.ports.log });
  return { home, handler, requests: () => home.logged.filter((l) => l.message === 'request') };
}

const create = apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'Log Person', email: 'log@example.com' } });

describe("the function's request line", () => {
  it('is not written for a request that succeeded or was refused (the access log has it)', async () => {
    const { handler, requests } = started();
    expect((await handler(create)).statusCode).toBe(201);
    expect((await handler(apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'x' } }))).statusCode).toBe(400);
    expect(requests()).toEqual([]);
  });

  it('is written, as a warning with route, status and request id, when a dependency fails', async () => {
    const { home, handler, requests } = started();
    vi.spyOn(home.store, 'put').mockRejectedValue(Object.assign(new Error('down'), { name: 'ServiceUnavailable', $retryable: {} }));
    const answer = await handler(create);
    expect(answer.statusCode).toBeGreaterThanOrEqual(500);
    expect(requests()).toEqual([
      {
        level: 'warn',
        message: 'request',
        attributes: expect.objectContaining({ route: 'POST /v1/customers', status: answer.statusCode, requestId: expect.any(String) }),
      },
    ]);
  });

  it('is written for a slow request', async () => {
    const { handler, requests } = started();
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (now += SLOW_REQUEST_MS));
    try {
      expect((await handler(create)).statusCode).toBe(201);
    } finally {
      clock.mockRestore();
    }
    expect(requests()).toHaveLength(1);
    expect(requests()[0]!.attributes).toMatchObject({ route: 'POST /v1/customers', status: 201 });
  });
});
