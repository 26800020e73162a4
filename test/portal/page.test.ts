import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_PATH, portalAssetsModule } from '../../portal/build';
import type { TestHome } from '../support/home';
import { startPortalHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startPortalHome();
});
afterAll(async () => home?.close());

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

describe('GET /portal', () => {
  it('serves the page with a strict Content-Security-Policy and the usual security headers', async () => {
    const res = await home.request('GET', '/portal');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('has the labelled controls, landmarks and a live status region', async () => {
    const html = (await home.request('GET', '/portal')).text;
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    for (const label of ['Email or phone', 'Code']) expect(html).toContain(`>${label}</label>`);
    for (const button of ['Send code', 'Sign in', 'Download my data', 'Delete my data', 'Cancel deletion'])
      expect(html).toContain(`>${button}</button>`);
    expect(html).toMatch(/<main id="main"/);
    expect(html).toMatch(/<header/);
    expect(html).toMatch(/role="status" aria-live="polite"/);
  });

  it('loads only its own script and style sheet, with integrity hashes, and nothing from elsewhere', async () => {
    const html = (await home.request('GET', '/portal')).text;
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);
    const js = await home.request('GET', '/portal/app.js');
    const css = await home.request('GET', '/portal/app.css');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const sri = (text: string) => `sha384-${createHash('sha384').update(text, 'utf8').digest('base64')}`;
    // Relative, so the page works under any base path (an API Gateway stage such as /dev).
    expect(html).toContain(`<script src="portal/app.js" integrity="${sri(js.text)}" defer></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="portal/app.css" integrity="${sri(css.text)}">`);
    expect(html).not.toMatch(/(src|href)="\/(?!\/)/);
    for (const asset of [js.text, css.text]) {
      expect(asset).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      expect(asset).not.toMatch(/@import|url\(http/);
    }
    expect(js.text).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML|document\.write|eval\(/);
    expect(js.text).not.toMatch(/localStorage|document\.cookie/);
    // Every API call goes through apiUrl (relative to the page), none by an absolute path.
    expect(js.text).not.toMatch(/fetch\(\s*["'`]\//);
  });

  it('answers any other method with 405', async () => {
    const res = await home.request('POST', '/portal');
    expect(res.status).toBe(405);
  });
});

describe('the bundled assets', () => {
  it('are up to date with portal/ (run `npx tsx portal/build.ts` after changing the page)', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(await portalAssetsModule());
  });
});
