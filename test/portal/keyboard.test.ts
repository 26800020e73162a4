/**
 * Keyboard only, on a 360 px phone and a 1280 px desktop: after every action the focus stays on the
 * control or moves to its result (never to the page body), and the action's feedback appears next to
 * it, inside the viewport, and in the polite live region.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EN } from '../../portal/i18n/en';
import { launchChromium } from '../support/browser';
import { ALICE, focusedId, focusedText, inViewport, Session, signIn, startWorld, poll, settled, type PortalWorld } from './browser-support';

let browser: Browser;
let world: PortalWorld;
beforeAll(async () => {
  [browser, world] = await Promise.all([launchChromium(), startWorld()]);
});
afterAll(async () => {
  await browser?.close();
  await world?.home.close();
});

/** Focuses the control and activates it with a key, as a keyboard user does. */
async function press(page: Page, selector: string, key = 'Enter'): Promise<void> {
  await page.locator(selector).focus();
  await page.keyboard.press(key);
}

/** The feedback says `text`, sits inside the viewport, and the live region says it too. */
async function expectFeedback(page: Page, id: string, text: string): Promise<void> {
  await settled(page);
  await poll(() => page.locator(`#${id}`).textContent()).toBe(text);
  expect(await inViewport(page, `#${id}`), `#${id} is inside the viewport`).toBe(true);
  expect((await page.locator('#announce').textContent())?.trim()).toBe(text);
  expect(await page.locator('#announce').getAttribute('aria-live')).toBe('polite');
}

async function expectFocus(page: Page, id: string): Promise<void> {
  await poll(() => focusedId(page)).toBe(id);
}

describe.each([
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
])('keyboard only at $width px', (viewport) => {
  it('keeps the focus and shows each result next to its action', async () => {
    const s = await Session.open(browser, world, { viewport });
    const { page } = s;

    await press(page, '#login-form button');
    await expectFocus(page, 'contact');
    await expectFeedback(page, 'login-feedback', EN['error.contactMissing']);

    await signIn(page, world.home, ALICE.email);
    await expectFeedback(page, 'page-feedback', EN['say.signedIn']);

    for (const [id, purpose] of [
      ['consent-communications', 'communications'],
      ['consent-analytics', 'analytics'],
    ] as const) {
      const wanted = (await page.locator(`#${id}`).isChecked()) ? 'consent.withdrawnSay' : 'consent.given';
      await press(page, `#${id}`, 'Space');
      await expectFeedback(page, 'consent-feedback', EN[wanted].replace('{purpose}', EN[`purpose.${purpose}`]));
      await expectFocus(page, id);
      await press(page, `#${id}`, 'Space');
      await settled(page);
      await expectFocus(page, id);
    }

    const [download] = await Promise.all([page.waitForEvent('download'), press(page, '#download')]);
    await expectFeedback(page, 'download-feedback', EN['download.done'].replace('{file}', download.suggestedFilename()));
    await expectFocus(page, 'download');

    await press(page, '#delete');
    await expectFocus(page, 'confirm-no');
    await page.keyboard.press('Enter');
    await expectFocus(page, 'delete');
    await expectFeedback(page, 'erasure-feedback', EN['erasure.keptSay']);

    await press(page, '#delete');
    await page.keyboard.press('Shift+Tab');
    await expectFocus(page, 'confirm-yes');
    await page.keyboard.press('Enter');
    await expectFocus(page, 'cancel-delete');
    expect(await page.locator('#erasure-feedback').textContent()).toMatch(/^Deletion requested\. Your data will be deleted on /);
    expect(await inViewport(page, '#erasure-feedback')).toBe(true);

    await press(page, '#erasure-receipt');
    await expectFocus(page, 'receipt-title');
    await press(page, '#receipt-back');
    await expectFocus(page, 'page-title');

    await press(page, '#cancel-delete');
    await expectFocus(page, 'delete');
    await expectFeedback(page, 'erasure-feedback', EN['erasure.cancelled']);

    await press(page, '#lang');
    expect(await focusedText(page)).toBe('English');
    await page.keyboard.press('Enter');
    expect(await focusedText(page)).toBe('Deutsch');

    await press(page, '#sign-out');
    await expectFocus(page, 'contact');
    await expectFeedback(page, 'page-feedback', EN['say.signedOut']);
    await s.close();
  });
});
