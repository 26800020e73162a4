/**
 * Red-team findings on requests (issue 10, items 3 and 5): media types, percent-encoding, id case,
 * methods, and the connection after a 413 — against the local server over real HTTP.
 */
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes';
import { LOCAL_ROUTES } from '../../lambdas/http/local-routes';
import { rowCounts } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(async () => home?.close());

const UNKNOWN_ID = '6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f';

async function createCustomer(email: string): Promise<string> {
  const res = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Case Person', email } });
  expect(res.status).toBe(201);
  return res.body.customerId;
}

/** A request whose body is sent exactly as given, with exactly the headers given (fetch adds no content type for bytes). */
async function rawPost(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${home.url}${path}`, { method: 'POST', headers, body: new TextEncoder().encode(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('a request body that is not application/json', () => {
  const json = JSON.stringify({ name: 'Media Type', email: 'media@example.com' });
  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['text/plain with a charset', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['no content type at all', {}],
    ['a JSON-like type', { 'content-type': 'application/merge-patch+json' }],
  ])('is refused with 415 problem+json and nothing is stored: %s', async (_label, headers) => {
    const before = await rowCounts(home.dynamo);
    const res = await rawPost('/v1/customers', json, { authorization: `Bearer ${TOKENS.agent}`, ...headers });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(await rowCounts(home.dynamo)).toEqual(before);
  });

  it('cannot drive a sign-in from a foreign page: a text/plain login sends no code', async () => {
    await createCustomer('signin-media@example.com');
    const sent = home.outbox.list().length;
    const res = await rawPost('/v1/portal/login', JSON.stringify({ email: 'signin-media@example.com' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(home.outbox.list().length).toBe(sent);
  });

  it('is accepted as application/json with a charset, and body-less GET and DELETE need no type', async () => {
    const res = await rawPost('/v1/customers', JSON.stringify({ name: 'Charset Person', email: 'charset@example.com' }), {
      authorization: `Bearer ${TOKENS.agent}`,
      'content-type': 'Application/JSON; charset=utf-8',
    });
    expect(res.status).toBe(201);
    expect((await home.request('GET', `/v1/customers/${res.body.customerId}`, { token: TOKENS.agent })).status).toBe(200);
    const held = await home.request('PUT', `/v1/customers/${res.body.customerId}/legal-hold`, {
      token: TOKENS.admin,
      body: { reason: 'Case 15' },
    });
    expect(held.status).toBe(200);
    const lifted = await home.request('DELETE', `/v1/customers/${res.body.customerId}/legal-hold`, {
      token: TOKENS.admin,
      body: { reason: 'Case 15 closed' },
    });
    expect(lifted.status).toBe(200);
  });
});

describe('paths', () => {
  it('a malformed percent-encoding is a 400 naming the parameter, on staff and public routes', async () => {
    const staff = await home.request('GET', '/v1/customers/%E0%A4%A', { token: TOKENS.agent });
    expect(staff.status).toBe(400);
    expect(staff.body.errors).toEqual([{ field: 'id', message: 'is not valid percent-encoding' }]);
    const pub = await home.request('GET', '/v1/erasure-receipts/%E0%A4%A');
    expect(pub.status).toBe(400);
    expect(pub.body.errors[0].field).toBe('receiptId');
  });

  it('a customer id in upper case is the same customer, on reads, writes and the erasure receipt', async () => {
    const id = await createCustomer('upper-case@example.com');
    const upper = id.toUpperCase();
    const read = await home.request('GET', `/v1/customers/${upper}`, { token: TOKENS.agent });
    expect(read.status).toBe(200);
    expect(read.body.customerId).toBe(id);
    const noted = await home.request('POST', `/v1/customers/${upper}/interactions`, {
      token: TOKENS.agent,
      body: { channel: 'chat', summary: 'Upper' },
    });
    expect(noted.status).toBe(201);
    const listed = await home.request('GET', `/v1/customers/${id}/interactions`, { token: TOKENS.agent });
    expect(listed.body.items.map((i: { interactionId: string }) => i.interactionId)).toEqual([noted.body.interactionId]);
    const erasure = await home.request('POST', `/v1/customers/${upper}/erasure`, { token: TOKENS.officer });
    expect(erasure.status).toBe(202);
    const receipt = await home.request('GET', `/v1/erasure-receipts/${erasure.body.receiptId.toUpperCase()}`);
    expect(receipt.status).toBe(200);
    expect(receipt.body.receiptId).toBe(erasure.body.receiptId);
  });

  const withParams = ROUTES.filter((r) => r.path.includes('{'));
  it.each(withParams.map((r) => [`${r.method} ${r.path}`, r] as const))('%s checks its path ids the same way', async (_label, route) => {
    const at = (id: string) => route.path.replace(/\{\w+\}/g, id);
    const token = route.auth === 'staff' ? TOKENS.admin : undefined;
    const bad = await home.request(route.method, at('not-a-uuid'), { token, body: route.body ? {} : undefined });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([route.path.match(/\{(\w+)\}/)![1]]);
    // Upper case passes the id check; whatever follows (404, a body error) does not name the id.
    const upper = await home.request(route.method, at(UNKNOWN_ID.toUpperCase()), { token, body: route.body ? {} : undefined });
    expect(upper.body?.errors?.map((e: { field: string }) => e.field) ?? []).not.toContain(route.path.match(/\{(\w+)\}/)![1]);
  });
});

describe('methods', () => {
  it('GET /v1/customers/search is 405 with Allow: POST, not a lookup of a customer called "search"', async () => {
    const res = await home.request('GET', '/v1/customers/search', { token: TOKENS.agent });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  const paths = [...new Set(ROUTES.map((r) => r.path))];
  it.each(paths)('%s answers a method it does not take with 405 and the methods it does', async (path) => {
    const methods = ROUTES.filter((r) => r.path === path).map((r) => r.method);
    const wrong = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].find((m) => !methods.includes(m as never))!;
    const res = await home.request(wrong, path.replace(/\{\w+\}/g, UNKNOWN_ID), { token: TOKENS.admin });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual([...methods].sort());
  });

  it.each(Object.values(LOCAL_ROUTES).map((r) => [r.path, r] as const))(
    'the local route %s answers a wrong method with 405',
    async (_path, route) => {
      const res = await home.request(route.method === 'GET' ? 'POST' : 'GET', route.path);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe(route.method);
    },
  );
});

describe('the connection after a 413', () => {
  it('still serves the next request of a keep-alive client', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; reused: boolean; port: number }>((resolve, reject) => {
        const req = httpRequest(
          `${home.url}${path}`,
          { method, agent, headers: body ? { 'content-type': 'application/json' } : {} },
          (res) => {
            const port = res.socket.localPort!;
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, reused: req.reusedSocket, port }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const big = await send('POST', '/v1/portal/login', Buffer.alloc(11 * 1024 * 1024, 0x20));
      expect(big.status).toBe(413);
      const next = await send('GET', '/health');
      expect(next.status).toBe(200);
      expect(next.reused).toBe(true);
      expect(next.port).toBe(big.port);
    } finally {
      agent.destroy();
    }
  });
});

describe('the Idempotency-Key header', () => {
  it('is capped at 200 visible characters: longer is a 400 naming the header, and nothing is stored', async () => {
    const before = await rowCounts(home.dynamo);
    const res = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: 'Long Key', email: 'long-key@example.com' },
      headers: { 'idempotency-key': 'k'.repeat(201) },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.stringContaining('200') }]);
    expect(await rowCounts(home.dynamo)).toEqual(before);
    const ok = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { name: 'Long Key', email: 'long-key@example.com' },
      headers: { 'idempotency-key': 'k'.repeat(200) },
    });
    expect(ok.status).toBe(201);
  });
});
