/** The local home's own pages: the start page at `/`, and the clock that can be put back to real time. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from '../../local/clock';
import { startTestHome, type TestHome } from '../support/home';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(() => home?.close());

const DAY = 86_400;
/** How far the home's clock is from real time, in whole days. */
const offsetDays = (now: string) => Math.round((Date.parse(now) - Date.now()) / (DAY * 1000)) + 0; // + 0: no -0

describe('GET /', () => {
  it('is a short HTML page linking to the portal and the API description', async () => {
    const res = await home.request('GET', '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const links = [...res.text.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(expect.arrayContaining(['/portal', '/v1/openapi.json']));
    for (const link of links) expect((await home.request('GET', link)).status, link).toBe(200);
  });
});

describe('POST /dev/clock', () => {
  it('{"reset": true} puts a moved clock back to real time, and the data dir keeps no offset', async () => {
    const moved = await home.request('POST', '/dev/clock', { body: { advanceSeconds: 3 * DAY } });
    expect(offsetDays(moved.body.now)).toBe(3);
    expect(existsSync(join(home.dataDir, 'clock.json'))).toBe(true);

    const reset = await home.request('POST', '/dev/clock', { body: { reset: true } });
    expect(reset.status).toBe(200);
    expect(offsetDays(reset.body.now)).toBe(0);
    expect(offsetDays(home.clock.now().toISOString())).toBe(0);
    expect(existsSync(join(home.dataDir, 'clock.json'))).toBe(false);
    // A restart reads no offset either.
    expect(offsetDays(OffsetClock.inDirectory(home.dataDir).now().toISOString())).toBe(0);
  });

  it('refuses an ambiguous or malformed body with a 400 naming the field, and leaves the clock alone', async () => {
    await home.request('POST', '/dev/clock', { body: { advanceSeconds: DAY } });
    for (const [body, field] of [
      [{ reset: false }, 'reset'],
      [{ reset: true, advanceSeconds: 60 }, 'reset'],
      [{ advanceSeconds: 60, extra: 1 }, 'extra'],
      [{}, 'advanceSeconds'],
    ] as const) {
      const res = await home.request('POST', '/dev/clock', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(
        res.body.errors.map((e: { field: string }) => e.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect(offsetDays(home.clock.now().toISOString())).toBe(1);
    await home.request('POST', '/dev/clock', { body: { reset: true } });
  });
});

describe('the embedded database', () => {
  it('listens on loopback only, and the README says it has no authentication', async () => {
    const endpoint = await home.dynamo.config.endpoint!();
    expect(endpoint.hostname).toBe('127.0.0.1');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toMatch(/embedded database \(dynalite\) listens on `127\.0\.0\.1`[^.]*without authentication/);
    expect(readme).toMatch(/outbox[\s\S]*?an erasure \(on request or by retention\) drops that customer's messages/);
  });
});
