/**
 * What the portal says when the API refuses: its own words for the codes it knows, in the page's
 * language; the API's English `detail` only on an English page. The API's answers are replaced in the
 * browser (Playwright's request routing), so each case is exact.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DE } from '../../portal/i18n/de';
import { EN, type Catalogue } from '../../portal/i18n/en';
import { launchChromium } from '../support/browser';
import { ALICE, Session, signIn, startWorld, poll, settled, type PortalWorld } from './browser-support';

let browser: Browser;
let world: PortalWorld;
beforeAll(async () => {
  [browser, world] = await Promise.all([launchChromium(), startWorld()]);
});
afterAll(async () => {
  await browser?.close();
  await world?.home.close();
});

const DETAIL = 'The key service is unavailable right now.';

/** The next consent change is answered with this problem instead of the API's answer. */
async function refuseConsent(page: Page, status: number, code: string): Promise<void> {
  await page.route('**/v1/me/consent', (route) =>
    route.fulfill({
      status,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: `https://privacy-crm.dev/problems/${code}`, title: 'Refused', status, detail: DETAIL, code }),
    }),
  );
}

async function toggleAnalytics(page: Page, L: Catalogue): Promise<string | null> {
  await page.getByRole('switch', { name: L['consent.analytics'] }).click();
  await settled(page);
  await poll(() => page.locator('#consent-feedback').isHidden()).toBe(false);
  return page.locator('#consent-feedback').textContent();
}

describe.each([
  { lang: 'en' as const, L: EN },
  { lang: 'de' as const, L: DE },
])('API problems in the portal ($lang)', ({ lang, L }) => {
  it('shows the dashboard when the inventory cannot be read, naming no period and no placeholder', async () => {
    const s = await Session.open(browser, world, { lang });
    const { page } = s;
    await page.route('**/v1/privacy/inventory', (route) =>
      route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ status: 503, code: 'x' }) }),
    );
    await signIn(page, world.home, ALICE.email, ALICE.email, { contact: L['login.label'], code: L['verify.label'] });
    await settled(page);
    const caption = await page.locator('#purchases caption').textContent();
    expect(caption).toBe(L['purchases.caption.one'].replace('{purchasesKept}', L['retention.unknown']));
    expect(await page.locator('main').innerText()).not.toContain('{');
    const refused = s.problems.filter((p) => /status of 503/.test(p));
    expect(refused).toHaveLength(1);
    s.problems.splice(0, s.problems.length, ...s.problems.filter((p) => !refused.includes(p)));
    await s.close();
  });

  it('says a known code in the page language, and an unknown one in its own words or, in English, the API detail', async () => {
    const s = await Session.open(browser, world, { lang });
    const { page } = s;
    await signIn(page, world.home, ALICE.email, ALICE.email, { contact: L['login.label'], code: L['verify.label'] });
    await settled(page);

    await refuseConsent(page, 503, 'dependency_unavailable');
    expect(await toggleAnalytics(page, L)).toBe(L['error.code.dependency_unavailable']);

    await page.unroute('**/v1/me/consent');
    await refuseConsent(page, 409, 'a_code_the_page_does_not_know');
    expect(await toggleAnalytics(page, L)).toBe(lang === 'en' ? DETAIL : L['error.generic']);
    // The browser reports the two refusals made above in its console; anything else still fails the test.
    const expected = s.problems.filter((p) => /status of (503|409)/.test(p));
    expect(expected).toHaveLength(2);
    s.problems.splice(0, s.problems.length, ...s.problems.filter((p) => !expected.includes(p)));
    await s.close();
  });
});
