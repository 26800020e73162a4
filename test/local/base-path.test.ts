/**
 * CRM_BASE_PATH: the local home serves the API, the page and /health under a base path the way API
 * Gateway serves a REST API under its stage; the /dev helpers (outbox, clock) stay at the root.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBasePath, stripBasePath } from '../../local/base-path';
import { createLocalServer } from '../../local/server';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

describe('parseBasePath', () => {
  it('accepts a path such as /dev, with or without a trailing slash; nothing, or /, means none', () => {
    expect(parseBasePath('/dev')).toBe('/dev');
    expect(parseBasePath('/dev/')).toBe('/dev');
    expect(parseBasePath('/crm/v2')).toBe('/crm/v2');
    expect(parseBasePath(undefined)).toBe('');
    expect(parseBasePath('/')).toBe('');
  });

  it.each(['dev', '/dev//x', '/a b', '/../etc', '/dev?x=1'])('refuses %s with a message naming CRM_BASE_PATH', (raw) => {
    expect(() => parseBasePath(raw)).toThrow(/CRM_BASE_PATH must be a path such as \/dev/);
  });

  it('strips the base path only at a segment boundary', () => {
    expect(stripBasePath('/dev', '/dev/v1/me')).toBe('/v1/me');
    expect(stripBasePath('/dev', '/devx/v1/me')).toBeUndefined();
    expect(stripBasePath('', '/v1/me')).toBe('/v1/me');
  });
});

describe('the event the handler receives under a base path', () => {
  it('has the path without the stage, and the stage and full path in requestContext, as API Gateway sends', async () => {
    const seen: APIGatewayProxyEvent[] = [];
    const server = createLocalServer({
      handler: async (event) => {
        seen.push(event);
        return { statusCode: 200, body: '{}' };
      },
      staffTokens: [],
      dev: { outbox: () => ({ messages: [] }), advanceClock: async () => ({ now: '' }), resetClock: async () => ({ now: '' }) },
      isReady: () => true,
      devRoutes: true,
      basePath: '/dev',
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${url}/dev/v1/erasure-receipts/r-1`)).status).toBe(200);
      expect(seen[0]).toMatchObject({
        resource: '/v1/erasure-receipts/{receiptId}',
        path: '/v1/erasure-receipts/r-1',
        pathParameters: { receiptId: 'r-1' },
        requestContext: { stage: 'dev', path: '/dev/v1/erasure-receipts/r-1' },
      });
      expect((await fetch(`${url}/v1/erasure-receipts/r-1`)).status).toBe(404);
      expect(seen).toHaveLength(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('a home under /dev', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await startTestHome({ basePath: '/dev' });
  });
  afterAll(async () => home?.close());

  it('serves the API, the page and /health under /dev, and nothing outside it', async () => {
    expect(home.apiUrl).toBe(`${home.url}/dev`);
    expect((await fetch(`${home.url}/dev/health`)).status).toBe(200);
    expect((await fetch(`${home.url}/dev/v1/openapi.json`)).status).toBe(200);
    for (const path of ['/health', '/v1/openapi.json', '/portal']) expect((await fetch(`${home.url}${path}`)).status, path).toBe(404);
    const created = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Ann', email: 'ann@example.com' } });
    expect(created.status).toBe(201);
  });

  it('keeps the outbox and clock helpers at the root, so they are never taken for the stage', async () => {
    const outbox = await fetch(`${home.url}/dev/outbox`);
    expect(outbox.status).toBe(200);
    expect(await outbox.json()).toHaveProperty('messages');
    const json = { 'content-type': 'application/json' };
    const clock = await fetch(`${home.url}/dev/clock`, { method: 'POST', headers: json, body: '{"advanceSeconds":0}' });
    expect(clock.status).toBe(200);
  });

  it('serves the page at /dev/portal, whose relative assets resolve under /dev with their integrity hashes', async () => {
    const page = await fetch(`${home.url}/dev/portal`);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const m of html.matchAll(/(?:src|href)="(portal\/app\.(?:js|css))" integrity="([^"]+)"/g)) {
      const asset = await fetch(new URL(m[1], `${home.url}/dev/portal`));
      expect(asset.url).toBe(`${home.url}/dev/${m[1]}`);
      expect(asset.status).toBe(200);
      expect(
        `sha384-${createHash('sha384')
          .update(await asset.text(), 'utf8')
          .digest('base64')}`,
      ).toBe(m[2]);
    }
    expect([...html.matchAll(/integrity=/g)]).toHaveLength(2);
  });

  it('refuses a malformed base path at start-up with a clear message', async () => {
    await expect(startTestHome({ basePath: 'dev' })).rejects.toThrow(/CRM_BASE_PATH/);
  });
});
