/**
 * Shared by the portal's Chromium tests: one browser per test file, a home with a customer who has
 * data (purchases, support contacts, staff reads), pages that record every console error, CSP
 * violation and request to another origin, keyboard-only sign-in, and the axe-core audit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Settings } from '../../lambdas/core/app';
import { TOKENS, type TestHome } from '../support/home';
import { createCustomer, lastCode, startPortalHome } from './support';

export const ALICE = { name: 'Alice Liddell', email: 'alice@example.com' };
export const BOB = { name: 'Bob Builder', phone: '+44 20 7946 0222', to: '+442079460222' };

export interface PortalWorld {
  home: TestHome;
  aliceId: string;
  /** Where the page is: the server root, or under the base path. */
  base: string;
}

/** A home (optionally under a base path such as `/dev`) with Alice's purchases, support contacts and a staff reveal. */
export async function startWorld(basePath = '', settings: Settings = {}): Promise<PortalWorld> {
  // Every test signs the same customers in: a roomier per-contact limit than production's 5 per 15 minutes.
  const home = await startPortalHome({ signIn: { perContact: { limit: 100, windowSeconds: 900 } } }, { basePath, settings });
  const aliceId = await createCustomer(home, { ...ALICE, consent: { communications: true } });
  const staff = async (method: string, path: string, body: unknown, token: string = TOKENS.agent) => {
    const res = await home.request(method, path, { token, body });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  };
  const items = [
    { sku: 'TEAPOT-BLUE', quantity: 1, unitPriceMinor: 3900 },
    { sku: 'TEA-EARL-GREY', quantity: 2, unitPriceMinor: 650 },
  ];
  await staff('POST', `/v1/customers/${aliceId}/purchases`, { currency: 'EUR', items });
  const asked = 'Asked when the blue teapot is back in stock';
  await staff('POST', `/v1/customers/${aliceId}/interactions`, { channel: 'email', summary: asked });
  await staff('POST', `/v1/customers/${aliceId}/interactions`, { channel: 'phone', summary: 'Parcel arrived damaged; replacement sent' });
  await staff('POST', `/v1/customers/${aliceId}/reveal`, { purpose: 'Filing the courier damage claim' }, TOKENS.officer);
  // Four staff reads: seven staff rows in all (create, purchase, reveal, reads), more than the log shows at first.
  for (let i = 0; i < 4; i++) expect((await home.request('GET', `/v1/customers/${aliceId}`, { token: TOKENS.agent })).status).toBe(200);
  await createCustomer(home, { name: BOB.name, phone: BOB.phone });
  return { home, aliceId, base: home.apiUrl };
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  lang?: 'en' | 'de';
  colorScheme?: 'light' | 'dark';
  path?: string;
}

/** A browser context and page; whatever went wrong in it is in `problems`. */
export class Session {
  readonly problems: string[] = [];
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(browser: Browser, world: PortalWorld, opts: OpenOptions = {}): Promise<Session> {
    const locale = opts.lang === 'de' ? 'de-DE' : 'en-GB';
    const context = await browser.newContext({
      viewport: opts.viewport ?? { width: 1280, height: 900 },
      locale,
      timezoneId: 'UTC',
      acceptDownloads: true,
      reducedMotion: 'reduce',
      colorScheme: opts.colorScheme ?? 'light',
    });
    const page = await context.newPage();
    const s = new Session(context, page);
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 4(01|29|00)/.test(m.text())) s.problems.push(m.text());
    });
    page.on('pageerror', (e) => s.problems.push(e.message));
    page.on('requestfailed', (r) => s.problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(world.home.url) && !url.startsWith('blob:')) s.problems.push(`request to another origin: ${url}`);
      // Under a base path, everything the page asks for stays under it.
      else if (world.base !== world.home.url && !url.startsWith(`${world.base}/`) && !url.startsWith('blob:')) {
        s.problems.push(`request outside the base path: ${url}`);
      }
    });
    await page.goto(`${world.base}${opts.path ?? '/portal'}`);
    return s;
  }

  async close(): Promise<void> {
    // Let the last action's follow-up reads finish: closing mid-request would report them as failed.
    await settled(this.page);
    await this.context.close();
    expect(this.problems, 'no console errors, CSP violations or failed requests').toEqual([]);
  }
}

/** expect.poll with room for a loaded machine (two cores shared by parallel test files): 10 s, not 1 s. */
export function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 10_000, interval: 50 });
}

/** Waits until no action is running (no control is aria-busy): its result and follow-up reads are done. */
export async function settled(page: Page): Promise<void> {
  await poll(() => page.locator('[aria-busy="true"]').count()).toBe(0);
}

export const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');
export const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

/** Signs in with the keyboard only, as a screen-reader or keyboard user would. */
export async function signIn(
  page: Page,
  home: TestHome,
  contact: string,
  to = contact,
  labels = { contact: 'Email or phone', code: 'Code' },
): Promise<void> {
  await page.getByLabel(labels.contact).focus();
  await page.keyboard.type(contact);
  await page.keyboard.press('Enter');
  await poll(() => focusedId(page)).toBe('code');
  await poll(() => lastCode(home, to)).toBeDefined();
  await page.keyboard.type(lastCode(home, to)!);
  await page.keyboard.press('Enter');
  await poll(() => focusedId(page)).toBe('page-title');
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core in the page and fails on any violation (WCAG 2.x A and AA and best practices). The
 * source goes in through the DevTools protocol (page.evaluate), which the page's strict CSP does not
 * govern, so the page under test keeps its real policy.
 */
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  const hasAxe = await page.evaluate(() => 'axe' in window);
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    type Violation = { id: string; help: string; nodes: { target: string[] }[] };
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Violation[] }> } }).axe;
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
    const result = await axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  expect(violations, `axe violations in state "${state}"`).toEqual([]);
}

/** True when the element is fully inside the viewport (what the customer sees without scrolling). */
export async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate((n) => {
    const r = n.getBoundingClientRect();
    // Half a pixel of slack for sub-pixel layout.
    return r.height > 0 && r.top >= -0.5 && r.bottom <= window.innerHeight + 0.5 && r.left >= -0.5 && r.right <= window.innerWidth + 0.5;
  });
}
