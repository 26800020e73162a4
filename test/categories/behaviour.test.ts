import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sanitisePath } from '../../lambdas/core/categories/behaviour';
import { ValidationError } from '../../lambdas/core/shared/errors';
import { DEFAULT_POLICY } from '../../lambdas/core/policy/retention-policy';
import { rowCounts } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { grantAnalytics, newCustomer, nowEpoch, rawRows } from './helpers';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(async () => home?.close());

const send = (id: string, body: unknown) => home.request('POST', `/v1/customers/${id}/events`, { token: TOKENS.agent, body });
const consent = (id: string, body: unknown) => home.request('PUT', `/v1/customers/${id}/consent`, { token: TOKENS.agent, body });

describe('behavioural events', () => {
  it('are refused with 409 consent_required while analytics consent was never given, and nothing is stored', async () => {
    const id = await newCustomer(home);
    const before = await rowCounts(home.dynamo);
    const res = await send(id, { type: 'page_view', path: '/shoes' });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.code).toBe('consent_required');
    expect(await rowCounts(home.dynamo)).toEqual(before);
  });

  it('are accepted with 202 once analytics consent is active, with the 90-day TTL of the inventory', async () => {
    const id = await newCustomer(home);
    await grantAnalytics(home, id);
    const before = nowEpoch(home);
    const res = await send(id, { type: 'page_view', path: '/shoes/running' });
    const after = nowEpoch(home);
    expect(res.status, res.text).toBe(202);
    expect(res.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
    const row = (await rawRows(home, 'behaviour')).find((r) => r.eventId.S === res.body.eventId)!;
    expect(row.type.S).toBe('page_view');
    expect(row.path.S).toBe('/shoes/running');
    const retention = DEFAULT_POLICY.category('behaviour').retention.seconds;
    expect(retention).toBe(90 * 86_400);
    expect(Number(row.expiresAt.N)).toBeGreaterThanOrEqual(before + retention);
    expect(Number(row.expiresAt.N)).toBeLessThanOrEqual(after + retention);
  });

  it('store the path without query string, fragment or ;parameters', async () => {
    const id = await newCustomer(home);
    await grantAnalytics(home, id);
    const cases: [string, string][] = [
      ['/reset?email=alice%40example.com&token=s3cr3t', '/reset'],
      ['/account#access_token=abc.def', '/account'],
      ['/cart;jsessionid=ABC123?x=1#y', '/cart'],
      ['/search?q=alice+liddell', '/search'],
      ['/', '/'],
    ];
    for (const [input, stored] of cases) {
      const res = await send(id, { type: 'page_view', path: input });
      expect(res.status, input).toBe(202);
      const row = (await rawRows(home, 'behaviour')).find((r) => r.eventId.S === res.body.eventId)!;
      expect(row.path.S, input).toBe(stored);
    }
  });

  it('are refused again once analytics consent is withdrawn, and the events collected under it are deleted', async () => {
    const id = await newCustomer(home);
    const other = await newCustomer(home);
    await grantAnalytics(home, id);
    await grantAnalytics(home, other);
    const mine = [await send(id, { type: 'search' }), await send(id, { type: 'add_to_cart', path: '/p/1' })].map((r) => r.body.eventId);
    const theirs = (await send(other, { type: 'checkout_started' })).body.eventId;

    const withdrawn = await consent(id, { analytics: false, source: 'email' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.analytics.status).toBe('withdrawn');

    const ids = (await rawRows(home, 'behaviour')).map((r) => r.eventId.S);
    for (const e of mine) expect(ids).not.toContain(e);
    expect(ids).toContain(theirs);
    expect((await send(id, { type: 'page_view' })).status).toBe(409);
  });

  it('cannot be listed by staff: there is no route', async () => {
    const id = await newCustomer(home);
    for (const token of [TOKENS.agent, TOKENS.officer, TOKENS.admin]) {
      const res = await home.request('GET', `/v1/customers/${id}/events`, { token });
      expect(res.status).toBe(405);
    }
  });

  it('are not written to the access log: no customer-keyed trace at the moment of a pseudonymous write', async () => {
    const id = await newCustomer(home);
    await grantAnalytics(home, id);
    await send(id, { type: 'page_view' });
    const log = await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer });
    expect(log.body.items.map((e: { action: string }) => e.action)).not.toContain('record_event');
  });
});

describe('bad events are refused with a problem naming the field, and nothing is stored', () => {
  const cases: [string, unknown, string, string[]][] = [
    ['a type outside the allow-list', { type: 'mouse_move' }, 'validation_failed', ['type']],
    ['a missing type', { path: '/x' }, 'validation_failed', ['type']],
    ['a full URL to another site', { type: 'page_view', path: 'https://tracker.example/p?u=alice' }, 'validation_failed', ['path']],
    ['a protocol-relative URL', { type: 'page_view', path: '//evil.example/x' }, 'validation_failed', ['path']],
    ['a javascript: URL', { type: 'page_view', path: 'javascript:alert(1)' }, 'validation_failed', ['path']],
    ['a relative path', { type: 'page_view', path: 'shoes' }, 'validation_failed', ['path']],
    ['a path with spaces', { type: 'page_view', path: '/a b' }, 'validation_failed', ['path']],
    ['a path over 2048 characters', { type: 'page_view', path: `/${'a'.repeat(2048)}` }, 'validation_failed', ['path']],
    ['an unknown field', { type: 'page_view', userAgent: 'Mozilla' }, 'unexpected_field', ['userAgent']],
  ];
  it.each(cases)('%s', async (_label, body, code, fields) => {
    const id = await newCustomer(home);
    await grantAnalytics(home, id);
    const before = await rowCounts(home.dynamo);
    const res = await send(id, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(code);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    expect(await rowCounts(home.dynamo)).toEqual(before);
  });
});

describe('sanitisePath', () => {
  it.each([
    ['/products/shoes', '/products/shoes'],
    ['/users/alice@example.com/orders', '/users/:email/orders'],
    ['/users/alice%40example.com', '/users/:email'],
    ['/call/+44-20-7946-0958', '/call/:number'],
    ['/orders/1234567', '/orders/:number'],
    ['/orders/12345', '/orders/12345'],
    ['/orders/order-1234567', '/orders/:number'],
    ['/reset/0f8fad5b-d9cb-469f-a165-70867728950e', '/reset/:token'],
    ['/verify/aB3dE5gH7jK9mN1pQ3sT5', '/verify/:token'],
    ['/blog/summer-sale-collection-2024', '/blog/summer-sale-collection-2024'],
    ['/a;sessionid=xyz/b?c#d', '/a/b'],
  ])('%s is stored as %s', (input, stored) => {
    expect(sanitisePath(input)).toBe(stored);
  });

  it('refuses full URLs, even to our own host, and paths with control characters', () => {
    for (const bad of ['http://localhost/x', 'HTTPS://a.example/', 'mailto:alice@example.com', '/a\nb', '/a\u0000b']) {
      expect(() => sanitisePath(bad), bad).toThrow(ValidationError);
    }
  });
});
