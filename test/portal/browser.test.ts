/**
 * The portal journey in a real browser (Chromium found by test/support/browser.ts, headless, driven by
 * playwright-core), run twice: at the server root in English, and under an API Gateway-like stage path
 * (`/dev`) in German. A customer signs in with the code from the outbox, reads what is held and who
 * looked at it, downloads it, changes consent, asks for erasure, reads the receipt and cancels.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DE } from '../../portal/i18n/de';
import { EN } from '../../portal/i18n/en';
import { launchChromium } from '../support/browser';
import { TOKENS } from '../support/home';
import { ALICE, BOB, focusedId, focusedText, Session, signIn, startWorld, poll, settled, type PortalWorld } from './browser-support';
import { createCustomer, lastCode } from './support';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOTS = { desktop: join(ROOT, 'docs/portal-dashboard.png'), phone: join(ROOT, 'docs/portal-phone.png') };
const saveScreenshot = (file: string, png: Buffer) => {
  // The README's screenshots are refreshed on request only, so a test run leaves the work tree clean.
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, png);
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

const flat = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

describe.each([
  { basePath: '', lang: 'en' as const, L: EN, locale: 'en-GB' },
  { basePath: '/dev', lang: 'de' as const, L: DE, locale: 'de-DE' },
])('the portal at "$basePath/portal" in $lang', ({ basePath, lang, L, locale }) => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startWorld(basePath);
  });
  afterAll(async () => world?.home.close());

  const labels = { contact: L['login.label'], code: L['verify.label'] };
  const day = (iso: string) =>
    new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
  /** A catalogue entry with its placeholders filled, as the page shows it. */
  const say = (key: keyof typeof EN, vars: Record<string, string> = {}) => L[key].replace(/\{(\w+)\}/g, (_, name: string) => vars[name]);
  const feedback = (page: Page, id: string) => () => page.locator(`#${id}`).textContent();
  const staff = async (method: string, path: string, body?: unknown) => {
    const res = await world.home.request(method, path, { token: TOKENS.agent, body });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const open = async (viewport?: { width: number; height: number }) => {
    const s = await Session.open(browser, world, { lang, viewport });
    await signIn(s.page, world.home, ALICE.email, ALICE.email, labels);
    return s;
  };

  it('signs in with the code and shows what is held, who else looked, and until when', async () => {
    const s = await open();
    const { page } = s;
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
    expect(await page.locator('#page-feedback').textContent()).toBe(L['say.signedIn']);
    const text = flat(await page.locator('main').innerText());
    const parts = [ALICE.name, ALICE.email, '1 × TEAPOT-BLUE, 2 × TEA-EARL-GREY', 'Parcel arrived damaged', L['channel.phone']];
    for (const part of parts) expect(text).toContain(part);
    expect(text).toContain(flat(new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).format(52)));

    // Staff first, the newest five; the customer's own actions folded away.
    const log = page.getByRole('table', { name: L['access.caption'] });
    expect(await log.getByRole('row').count()).toBe(1 + 5);
    const officer = L['who.staff'].replace('{id}', 'staff-officer-1').replace('{role}', L['role.privacy_officer']);
    const own = page.locator('details.own');
    expect(await own.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await own.locator('summary').textContent()).toMatch(/\(\d+\)$/);
    expect(flat(await own.innerText())).not.toContain(L['action.read_access_log']);

    const shot = lang === 'en' ? await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' }) : undefined;
    if (shot) saveScreenshot(SCREENSHOTS.desktop, shot);
    const more = page.getByRole('button', { name: L['access.more'] }).first();
    await more.focus();
    await page.keyboard.press('Enter');
    await poll(() => log.getByRole('row').count()).toBe(1 + 7);
    expect(flat(await log.innerText())).toContain(`${officer} ${L['action.reveal']} Filing the courier damage claim`);
    expect(await more.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TR');

    // After the log: a staff read adds a row to it.
    const me = await staff('GET', `/v1/customers/${world.aliceId}`);
    expect(await page.locator('#me-retention').textContent()).toBe(day(me.retention.expiresAt));
    expect(await page.locator('#me-retention-label').textContent()).toBe(L['facts.keptUntil']);

    await s.close();
  });

  it('downloads the export, saying so next to the button', async () => {
    const s = await open();
    const { page } = s;
    const button = page.getByRole('button', { name: L['download.button'] });
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toMatch(/^my-data-\d{4}-\d{2}-\d{2}\.json$/);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(doc.customerId).toBe(world.aliceId);
    expect(doc.categories.contact.data.email).toBe(ALICE.email);
    expect(doc.categories.interactions.data.items).toHaveLength(2);
    await poll(feedback(page, 'download-feedback')).toBe(say('download.done', { file: download.suggestedFilename() }));
    await s.close();
  });

  it('changes consent, says which, and says beforehand that analytics off deletes the visits', async () => {
    const s = await open();
    const { page } = s;
    const analytics = page.getByRole('switch', { name: L['consent.analytics'] });
    await analytics.check();
    await poll(feedback(page, 'consent-feedback')).toBe(say('consent.given', { purpose: L['purpose.analytics'] }));
    await staff('POST', `/v1/customers/${world.aliceId}/events`, { type: 'search', path: '/shop' });
    await staff('POST', `/v1/customers/${world.aliceId}/events`, { type: 'page_view', path: '/shop/teapots' });
    await settled(page);
    await page.reload();
    await page.locator('#behaviour table').waitFor();
    expect(flat(await page.locator('#behaviour').innerText())).toContain(`${L['event.search']} /shop`);
    expect(await page.locator('#consent-analytics-warning').textContent()).toBe(L['consent.deletesVisits.other'].replace('{count}', '2'));

    await analytics.focus();
    await page.keyboard.press('Space');
    await poll(feedback(page, 'consent-feedback')).toBe(say('consent.visitsDeleted', { purpose: L['purpose.analytics'] }));
    expect(await page.locator('#behaviour').textContent()).toBe(L['behaviour.none']);
    expect(await focusedId(page)).toBe('consent-analytics');

    await page.getByRole('switch', { name: L['consent.communications'] }).focus();
    await page.keyboard.press('Space');
    await poll(feedback(page, 'consent-feedback')).toBe(say('consent.withdrawnSay', { purpose: L['purpose.communications'] }));
    const state = await staff('GET', `/v1/customers/${world.aliceId}`);
    expect(state.consent).toMatchObject({ analytics: { status: 'withdrawn' }, communications: { status: 'withdrawn', source: 'portal' } });
    await s.close();
  });

  it('asks for erasure in plain words, shows the date and a readable receipt, and cancels', async () => {
    const s = await open();
    const { page } = s;
    await page.getByRole('button', { name: L['erasure.button'] }).click();
    const dialog = page.getByRole('dialog', { name: L['dialog.title'] });
    await dialog.waitFor();
    const words = flat(await dialog.innerText());
    expect(words).not.toMatch(/\bkey\b|schlüssel/i);
    const years = new Intl.NumberFormat(locale, { style: 'unit', unit: 'year', unitDisplay: 'long' }).format(3);
    expect(words).toContain(L['dialog.deleted3']);
    expect(words).toContain(L['dialog.kept1'].replace('{purchasesKept}', years));
    expect(words).not.toContain('{');
    await dialog.getByRole('button', { name: L['dialog.no'] }).click();
    expect(await page.locator('#erasure-feedback').textContent()).toBe(L['erasure.keptSay']);
    expect((await staff('GET', `/v1/customers/${world.aliceId}`)).erasure).toBeUndefined();

    await page.getByRole('button', { name: L['erasure.button'] }).click();
    await dialog.getByRole('button', { name: L['dialog.yes'] }).click();
    const cancel = page.getByRole('button', { name: L['erasure.cancel'] });
    await cancel.waitFor();
    const pending = (await staff('GET', `/v1/customers/${world.aliceId}`)).erasure;
    const date = day(pending.scheduledFor);
    expect(words).toContain(L['dialog.when'].replace('{date}', date));
    expect(await page.locator('#erasure-date').textContent()).toBe(L['erasure.pending'].replace('{date}', date));
    await poll(() => page.locator('#me-retention-label').textContent()).toBe(L['facts.deletedOn']);
    expect(await page.locator('#me-retention').textContent()).toBe(date);

    await page.getByRole('link', { name: L['erasure.receiptLink'] }).click();
    const receipt = page.getByRole('region', { name: L['receipt.title'] });
    await receipt.getByRole('list').first().waitFor();
    const shown = flat(await receipt.innerText());
    expect(shown).toContain(L['receipt.status.pending'].replace('{date}', date));
    expect(shown).toContain(pending.receiptId);
    expect(shown).toContain(L['cat.contact']);
    const kept = say('receipt.keptFor', { duration: lang === 'en' ? '3 years' : '3 Jahre', why: L['why.purchases'] });
    expect(shown).toContain(`${L['cat.purchases']}. ${kept}`);
    await page.getByRole('link', { name: L['receipt.back'] }).click();
    await cancel.waitFor();

    await settled(page);
    await page.reload();
    await cancel.waitFor();
    await cancel.click();
    await page.getByRole('button', { name: L['erasure.button'] }).waitFor();
    expect(await page.locator('#erasure-feedback').textContent()).toBe(L['erasure.cancelled']);
    expect((await staff('GET', `/v1/customers/${world.aliceId}`)).erasure).toBeUndefined();
    await s.close();
  });

  it('says so when the code is wrong or the phone number needs the international format, and signs out', async () => {
    const s = await Session.open(browser, world, { lang });
    const { page } = s;
    await page.getByLabel(labels.contact).fill('020 7946 0958');
    await page.getByRole('button', { name: L['login.submit'] }).click();
    // The API's own example of the format reaches the customer, next to the field.
    await poll(feedback(page, 'login-feedback')).toBe(say('error.field.phone', { example: '+44 20 7946 0958' }));
    expect(await page.getByLabel(labels.contact).getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel(labels.contact).fill(ALICE.email);
    await page.getByRole('button', { name: L['login.submit'] }).click();
    await page.getByLabel(labels.code).waitFor();
    const code = lastCode(world.home, ALICE.email)!;
    await page.getByLabel(labels.code).fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: L['verify.submit'], exact: true }).click();
    await poll(() => page.locator('#verify-feedback').textContent()).toBe(L['error.badCode']);
    expect(await focusedId(page)).toBe('code');

    await page.getByLabel(labels.code).fill(code);
    await page.getByRole('button', { name: L['verify.submit'], exact: true }).click();
    await page.getByRole('button', { name: L.signOut }).click();
    await page.getByRole('button', { name: L['login.submit'] }).waitFor();
    expect(await page.locator('#page-feedback').textContent()).toBe(L['say.signedOut']);
    expect(await page.evaluate(() => sessionStorage.getItem('privacy-crm.portal.token'))).toBeNull();
    await s.close();
  });
});

describe("the portal on a phone and in the visitor's language", () => {
  let world: PortalWorld;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world?.home.close());

  it('fits a 360 px screen without sideways scrolling', async () => {
    const s = await Session.open(browser, world, { viewport: { width: 360, height: 740 } });
    const { page } = s;
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(await fits()).toBe(true);
    await signIn(page, world.home, BOB.phone, BOB.to);
    expect(await page.locator('#me-contact').textContent()).toBe(BOB.to);
    expect(await fits()).toBe(true);
    expect((await page.getByRole('button', { name: 'Delete my data' }).boundingBox())!.height).toBeGreaterThanOrEqual(44);
    saveScreenshot(SCREENSHOTS.phone, await page.screenshot({ fullPage: false, animations: 'disabled', caret: 'hide' }));
    await s.close();
  });

  it("shows a long access log five rows at a time, fetching the API's next page with its cursor after the first fifty", async () => {
    const carol = await createCustomer(world.home, { name: 'Carol Ann', email: 'carol@example.com' });
    const officer = { kind: 'staff', staffId: 'staff-officer-1', role: 'privacy_officer' } as const;
    for (let i = 0; i < 60; i++) await world.home.app.accessLog.append(carol, officer, 'read');
    const s = await Session.open(browser, world);
    const { page } = s;
    const pages: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/me/access-log')) pages.push(new URL(r.url()).search);
    });
    await signIn(page, world.home, 'carol@example.com');
    const log = page.getByRole('table', { name: EN['access.caption'] });
    const more = page.getByRole('button', { name: EN['access.more'] }).first();
    // 61 staff rows (the creation and 60 reads); the first API page of 50 also holds Carol's own sign-in.
    for (let clicks = 0; clicks < 20 && (await more.isVisible()); clicks++) {
      const before = await log.getByRole('row').count();
      await more.click();
      await poll(() => log.getByRole('row').count()).toBeGreaterThan(before);
    }
    expect(await log.getByRole('row').count()).toBe(1 + 61);
    expect(flat(await log.getByRole('row').last().textContent())).toContain(EN['action.create']);
    expect(pages).toEqual(['', expect.stringMatching(/^\?cursor=[A-Za-z0-9_-]+$/)]);
    await s.close();
  });

  it("starts in the browser's language, switches with the visible button, and keeps the choice for the tab", async () => {
    const s = await Session.open(browser, world, { lang: 'de' });
    const { page } = s;
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await page.getByRole('button', { name: DE['login.submit'] }).isVisible()).toBe(true);
    const toggle = page.getByRole('button', { name: DE['lang.switch'] });
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.getByRole('button', { name: 'Send code' }).isVisible()).toBe(true);
    expect(await page.title()).toBe(EN['doc.title']);
    expect(await focusedText(page)).toBe(EN['lang.switch']);
    await settled(page);
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await s.close();
  });
});
