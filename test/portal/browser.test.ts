/**
 * The portal in a real browser (Chromium found by test/support/browser.ts, headless, driven by playwright-core): a customer
 * signs in with the code from the outbox, reads what is held and who looked at it, downloads it,
 * changes consent, asks for erasure and cancels it. The signed-in dashboard is saved as
 * docs/portal-dashboard.png for the README.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { TOKENS, type TestHome } from '../support/home';
import { createCustomer, lastCode, startPortalHome } from './support';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = join(ROOT, 'docs/portal-dashboard.png');

let home: TestHome;
let browser: Browser;
let context: BrowserContext | undefined;
let customerId: string;
const problems: string[] = [];

beforeAll(async () => {
  // Every test signs the same customer in: a roomier per-contact limit than production's 5 per 15 minutes.
  home = await startPortalHome({ signIn: { perContact: { limit: 50, windowSeconds: 900 } } });
  customerId = await createCustomer(home, { name: 'Alice Liddell', email: 'alice@example.com', consent: { communications: true } });
  const staff = async (method: string, path: string, body: unknown, token: string = TOKENS.agent) => {
    const res = await home.request(method, path, { token, body });
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  };
  await staff('POST', `/v1/customers/${customerId}/purchases`, { currency: 'EUR', items: [{ sku: 'TEAPOT-BLUE', quantity: 1, unitPriceMinor: 3900 }, { sku: 'TEA-EARL-GREY', quantity: 2, unitPriceMinor: 650 }] });
  await staff('POST', `/v1/customers/${customerId}/interactions`, { channel: 'email', summary: 'Asked when the blue teapot is back in stock' });
  await staff('POST', `/v1/customers/${customerId}/interactions`, { channel: 'phone', summary: 'Parcel arrived damaged; replacement sent' });
  await staff('POST', `/v1/customers/${customerId}/reveal`, { purpose: 'Filing the courier damage claim' }, TOKENS.officer);
  await createCustomer(home, { name: 'Bob Builder', phone: '+44 20 7946 0222' });

  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await home?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
  const seen = problems.splice(0);
  expect(seen, 'no console errors, CSP violations or failed requests').toEqual([]);
});

async function open(viewport = { width: 1100, height: 900 }): Promise<Page> {
  context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC', acceptDownloads: true, reducedMotion: 'reduce', colorScheme: 'light' });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401|status of 429/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(home.url) && !r.url().startsWith('blob:')) problems.push(`request to another origin: ${r.url()}`);
  });
  await page.goto(`${home.url}/portal`);
  return page;
}

/** Signs in with the keyboard only, as a screen-reader or keyboard user would. */
async function signIn(page: Page, contact: string, to = contact): Promise<void> {
  await page.getByLabel('Email or phone').focus();
  await page.keyboard.type(contact);
  await page.keyboard.press('Enter');
  const code = page.getByLabel('Code');
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
  await expect.poll(() => lastCode(home, to)).toBeDefined();
  await code.pressSequentially(lastCode(home, to)!);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: /^Your data, / }).waitFor();
}

describe('the customer portal in Chromium', () => {
  it('signs in with the code from the outbox and shows what is held, who looked at it and until when', async () => {
    const page = await open();
    await expect.poll(() => page.getByRole('button', { name: 'Send code' }).isVisible()).toBe(true);
    await signIn(page, 'alice@example.com');

    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('page-title');
    await expect.poll(() => page.getByRole('status').textContent()).toBe('You are signed in.');
    const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Alice Liddell');
    expect(text).toContain('alice@example.com');
    expect(text).toContain('1 × TEAPOT-BLUE, 2 × TEA-EARL-GREY');
    expect(text).toContain('€52.00');
    expect(text).toContain('Asked when the blue teapot is back in stock');
    expect(text).toContain('Parcel arrived damaged; replacement sent');
    expect(text).toMatch(/Messages from us by email or SMS On since .+; it lapses on \d{1,2} \w+ \d{4} unless you confirm it again\./);

    const me = await staff('GET', `/v1/customers/${customerId}`);
    const retention = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(me.retention.expiresAt));
    expect(await page.locator('#me-retention').textContent()).toBe(retention);

    const log = page.getByRole('table', { name: /Newest first/ });
    await expect.poll(() => log.getByRole('row').count()).toBeGreaterThan(3);
    const rows = (await log.innerText()).replace(/\s+/g, ' ');
    expect(rows).toContain('Staff member staff-officer-1 (privacy officer) saw your full name and contact Filing the courier damage claim');
    expect(rows).toContain('Staff member staff-agent-1 (support agent) created your record');
    expect(rows).toContain('You signed in');

    const png = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // The README's screenshot is refreshed on request only, so a test run leaves the work tree clean.
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      writeFileSync(SCREENSHOT, png);
    }
  });

  it('downloads the export as a file the customer can read', async () => {
    const page = await open();
    await signIn(page, 'alice@example.com');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^my-data-\d{4}-\d{2}-\d{2}\.json$/);
    const file = await download.path();
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.customerId).toBe(customerId);
    expect(doc.schemaVersion).toBe('1');
    expect(doc.categories.contact.data.email).toBe('alice@example.com');
    expect(doc.categories.purchases.data.items).toHaveLength(1);
    expect(doc.categories.interactions.data.items).toHaveLength(2);
    for (const section of Object.values(doc.categories) as { purpose: string; legalBasis: string; retention: unknown; recipients: string[]; source: string }[]) {
      expect(section.purpose && section.legalBasis && section.source).toBeTruthy();
      expect(section.recipients.length).toBeGreaterThan(0);
    }
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/downloading/);
    await expect.poll(async () => (await page.getByRole('table', { name: /Newest first/ }).innerText()).replace(/\s+/g, ' ')).toContain('You downloaded your data');
  });

  it('changes consent with the switches', async () => {
    const page = await open();
    await signIn(page, 'alice@example.com');
    const analytics = page.getByRole('switch', { name: 'Analytics of your visits' });
    const messages = page.getByRole('switch', { name: 'Messages from us by email or SMS' });
    expect(await analytics.isChecked()).toBe(false);
    expect(await messages.isChecked()).toBe(true);

    await analytics.check();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Consent given. Thank you.');
    await messages.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Consent withdrawn.');
    expect(await messages.isChecked()).toBe(false);
    expect(await page.locator('#consent-communications-state').textContent()).toMatch(/^Off since /);

    const state = await staff('GET', `/v1/customers/${customerId}`);
    expect(state.consent.analytics).toMatchObject({ status: 'active', source: 'portal' });
    expect(state.consent.communications).toMatchObject({ status: 'withdrawn', source: 'portal' });
  });

  it('asks for erasure after a confirmation, shows the scheduled date, and cancels it', async () => {
    const page = await open();
    await signIn(page, 'alice@example.com');

    await page.getByRole('button', { name: 'Delete my data' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your data?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep my data' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await staff('GET', `/v1/customers/${customerId}`)).erasure).toBeUndefined();

    await page.getByRole('button', { name: 'Delete my data' }).click();
    await dialog.getByRole('button', { name: 'Yes, delete my data' }).click();
    const cancel = page.getByRole('button', { name: 'Cancel deletion' });
    await cancel.waitFor();
    const pending = (await staff('GET', `/v1/customers/${customerId}`)).erasure;
    expect(pending.status).toBe('pending');
    const date = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(pending.scheduledFor));
    expect(await page.locator('#erasure-date').textContent()).toBe(`Your data will be deleted on ${date}.`);
    expect(await page.locator('#erasure-receipt').textContent()).toBe(pending.receiptId);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel deletion');

    // Still there after a reload: the page reads it back from the server.
    await page.reload();
    await cancel.waitFor();
    expect(await page.locator('#erasure-date').textContent()).toBe(`Your data will be deleted on ${date}.`);

    await cancel.click();
    await page.getByRole('button', { name: 'Delete my data' }).waitFor();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Deletion cancelled/);
    expect((await staff('GET', `/v1/customers/${customerId}`)).erasure).toBeUndefined();
  });

  it('shows a long access log page by page with "Show more", oldest entry last', async () => {
    const carol = await createCustomer(home, { name: 'Carol Ann', email: 'carol@example.com' });
    const officer = { kind: 'staff', staffId: 'staff-officer-1', role: 'privacy_officer' } as const;
    for (let i = 0; i < 60; i++) await home.app.accessLog.append(carol, officer, 'read');
    const page = await open();
    await signIn(page, 'carol@example.com');
    const log = page.getByRole('table', { name: /Newest first/ });
    const more = page.getByRole('button', { name: 'Show more' });
    // The first page: 50 entries (and the header row); the creation is on the next page.
    await expect.poll(() => log.getByRole('row').count()).toBe(51);
    expect(await log.innerText()).not.toContain('created your record');
    await more.click();
    // 60 reads, the creation, the sign-in (and the dashboard's read, when it was logged before the list was
    // read: the two requests run side by side), all shown; nothing more to fetch.
    await expect.poll(() => more.count()).toBe(0);
    const rows = await log.getByRole('row').count();
    expect([63, 64]).toContain(rows);
    expect((await log.getByRole('row').last().innerText()).replace(/\s+/g, ' ')).toContain('created your record');
    expect(await page.getByRole('status').textContent()).toBe(`${rows - 51} older entries shown.`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('TABLE');
  });

  it('says so when the code is wrong, and lets the customer sign out', async () => {
    const page = await open();
    await page.getByLabel('Email or phone').fill('alice@example.com');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByLabel('Code').waitFor();
    const code = lastCode(home, 'alice@example.com')!;
    await page.getByLabel('Code').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The code is wrong, expired or already used.');

    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Send code' }).waitFor();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('You are signed out.');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await open({ width: 360, height: 740 });
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await fits()).toBe(true);
    await signIn(page, '+44 20 7946 0222', '+442079460222');
    expect(await page.locator('#me-contact').textContent()).toBe('+442079460222');
    expect(await fits()).toBe(true);
    const button = await page.getByRole('button', { name: 'Delete my data' }).boundingBox();
    expect(button!.height).toBeGreaterThanOrEqual(44);
  });
});

async function staff(method: string, path: string) {
  const res = await home.request(method, path, { token: TOKENS.agent });
  expect(res.status).toBe(200);
  return res.body;
}
