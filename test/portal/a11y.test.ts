/**
 * axe-core audits the portal in Chromium in every state a customer meets, in the light and the dark
 * colour scheme (light in English, dark in German, so both catalogues are audited too): signed out,
 * the code form, a wrong code, the dashboard with data, the delete dialog, a pending erasure and its
 * receipt. Any violation fails `npm test`.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { expect } from 'vitest';
import { DE } from '../../portal/i18n/de';
import { EN } from '../../portal/i18n/en';
import { launchChromium } from '../support/browser';
import { ALICE, expectNoAxeViolations, Session, startWorld, type PortalWorld } from './browser-support';
import { lastCode } from './support';

let browser: Browser;
let world: PortalWorld;
beforeAll(async () => {
  [browser, world] = await Promise.all([launchChromium(), startWorld()]);
});
afterAll(async () => {
  await browser?.close();
  await world?.home.close();
});

describe.each([
  { colorScheme: 'light' as const, lang: 'en' as const, L: EN },
  { colorScheme: 'dark' as const, lang: 'de' as const, L: DE },
])('axe-core in the $colorScheme colour scheme ($lang)', ({ colorScheme, lang, L }) => {
  it('finds no violation in any state', async () => {
    const s = await Session.open(browser, world, { colorScheme, lang });
    const { page } = s;
    await expectNoAxeViolations(page, 'signed out');

    await page.getByLabel(L['login.label']).fill(ALICE.email);
    await page.getByRole('button', { name: L['login.submit'] }).click();
    await page.getByLabel(L['verify.label']).waitFor();
    await expectNoAxeViolations(page, 'code form');

    const code = lastCode(world.home, ALICE.email)!;
    await page.getByLabel(L['verify.label']).fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: L['verify.submit'], exact: true }).click();
    await page.locator('#verify-feedback.error').waitFor();
    await expectNoAxeViolations(page, 'wrong code');

    await page.getByLabel(L['verify.label']).fill(code);
    await page.getByRole('button', { name: L['verify.submit'], exact: true }).click();
    await page.locator('#dashboard').waitFor();
    await page.locator('details.own summary').click();
    await expectNoAxeViolations(page, 'dashboard with data');

    await page.getByRole('button', { name: L['erasure.button'] }).click();
    await page.getByRole('dialog').waitFor();
    await expectNoAxeViolations(page, 'delete dialog');

    await page.getByRole('button', { name: L['dialog.yes'] }).click();
    await page.getByRole('button', { name: L['erasure.cancel'] }).waitFor();
    await expectNoAxeViolations(page, 'erasure pending');

    await page.getByRole('link', { name: L['erasure.receiptLink'] }).click();
    await page.locator('#receipt-body ul').first().waitFor();
    await expectNoAxeViolations(page, 'receipt');

    // Back to no erasure, for the other colour scheme.
    await page.getByRole('link', { name: L['receipt.back'] }).click();
    await page.getByRole('button', { name: L['erasure.cancel'] }).click();
    await page.getByRole('button', { name: L['erasure.button'] }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
    await s.close();
  });
});
