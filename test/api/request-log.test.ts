/**
 * The function's own request line: only for a request that failed on our side or was slow. Every other
 * request is in API Gateway's access log already; the local home writes that line in its place.
 */
import { describe, expect, it, vi } from 'vitest';
import { EsdkFieldCipher } from '../../lambdas/adapters/crypto/esdk-cipher';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { MemoryStore } from '../../lambdas/adapters/memory/store';
import { createApp } from '../../lambdas/core/app';
import type { Log, Store } from '../../lambdas/core/shared/ports';
import { createApiHandler } from '../../lambdas/http/api';
import { SLOW_REQUEST_MS } from '../../lambdas/http/middleware';
import { apiGatewayEvent } from '../support/api-gateway';

function capture() {
  const lines: { level: string; message: string; attributes?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, attributes?: Record<string, unknown>) => void lines.push({ level, message, attributes });
  const log: Log = { info: at('info'), warn: at('warn'), error: at('error') };
  return { log, requests: () => lines.filter((l) => l.message === 'request') };
}

function handlerOver(store: Store, log: Log) {
  const app = createApp({
    store,
    keys: new LocalKeyService(LocalKeyService.generateKeys()),
    cipher: new EsdkFieldCipher(),
    clock: { now: () => new Date() },
    notifier: { send: async () => undefined },
    scheduler: { schedule: async () => undefined, cancel: async () => undefined, exists: async () => false },
    log,
  });
  return createApiHandler(app, { log });
}

const create = apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'Log Person', email: 'log@example.com' } });

describe("the function's request line", () => {
  it('is not written for a request that succeeded or was refused (the access log has it)', async () => {
    const { log, requests } = capture();
    const handler = handlerOver(new MemoryStore(), log);
    expect((await handler(create)).statusCode).toBe(201);
    expect((await handler(apiGatewayEvent('POST', '/v1/customers', { groups: 'agent', body: { name: 'x' } }))).statusCode).toBe(400);
    expect(requests()).toEqual([]);
  });

  it('is written, as a warning with route, status and request id, when a dependency fails', async () => {
    const { log, requests } = capture();
    const store = new MemoryStore();
    vi.spyOn(store, 'put').mockRejectedValue(Object.assign(new Error('down'), { name: 'ServiceUnavailable', $retryable: {} }));
    const answer = await handlerOver(store, log)(create);
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
    const { log, requests } = capture();
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (now += SLOW_REQUEST_MS));
    try {
      expect((await handlerOver(new MemoryStore(), log)(create)).statusCode).toBe(201);
    } finally {
      clock.mockRestore();
    }
    expect(requests()).toHaveLength(1);
    expect(requests()[0]!.attributes).toMatchObject({ route: 'POST /v1/customers', status: 201 });
  });
});
