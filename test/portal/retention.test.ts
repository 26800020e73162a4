/**
 * How long things are kept, as the portal says it, comes from the deployment's own policy (the public
 * inventory), so a configured retention shows as it applies: in the dashboard's captions and the
 * deletion dialog, in English and in German.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionPolicy } from '../../lambdas/core/policy/retention-policy';
import { MY_DATA_ROWS } from '../../lambdas/core/portal/my-data';
import { DE } from '../../portal/i18n/de';
import { EN } from '../../portal/i18n/en';
import { launchChromium } from '../support/browser';
import { TOKENS } from '../support/home';
import { ALICE, Session, signIn, startWorld, settled, type PortalWorld } from './browser-support';

let browser: Browser;
let world: PortalWorld;
beforeAll(async () => {
  const policy = new RetentionPolicy({ retentionDays: { purchases: 2555, interactions: 180, behaviour: 30, accessLog: 400 } });
  [browser, world] = await Promise.all([launchChromium(), startWorld('', { policy })]);
  // More visits than the dashboard shows, so its caption and the note about older ones show.
  const consent = await world.home.request('PUT', `/v1/customers/${world.aliceId}/consent`, {
    token: TOKENS.agent,
    body: { analytics: true, source: 'chat' },
  });
  expect(consent.status).toBe(200);
  const staff = { kind: 'staff', staffId: 'test-agent', role: 'agent' } as const;
  const start = world.home.clock.now().getTime() - 86_400_000;
  for (let i = 0; i <= MY_DATA_ROWS; i++) {
    const occurredAt = new Date(start + i * 60_000).toISOString();
    await world.home.app.behaviour.record(staff, world.aliceId, { type: 'page_view', path: '/shop/teapots', occurredAt });
  }
});
afterAll(async () => {
  await browser?.close();
  await world?.home.close();
});

describe.each([
  { lang: 'en' as const, L: EN, purchases: '7 years', contacts: '180 days', visits: '30 days', log: '400 days' },
  { lang: 'de' as const, L: DE, purchases: '7 Jahre', contacts: '180 Tage', visits: '30 Tage', log: '400 Tage' },
])('retention in the portal ($lang)', ({ lang, L, purchases, contacts, visits, log }) => {
  it('names the configured periods in the captions and the deletion dialog, never a placeholder', async () => {
    const s = await Session.open(browser, world, { lang });
    const { page } = s;
    await signIn(page, world.home, ALICE.email, ALICE.email, { contact: L['login.label'], code: L['verify.label'] });
    await settled(page);
    const fill = (text: string, count = 2) =>
      text
        .replace('{count}', String(count))
        .replace('{purchasesKept}', purchases)
        .replace('{interactionsKept}', contacts)
        .replace('{visitsKept}', visits)
        .replace('{accessLogKept}', log);
    const purchasesCaption = await page.locator('#purchases caption').textContent();
    const visitsCaption = await page.locator('#behaviour caption').textContent();
    const contactsCaption = await page.locator('#interactions caption').textContent();
    expect(contactsCaption).toContain(contacts);
    expect(contactsCaption).toBe(fill(L['interactions.caption.other']));
    expect(purchasesCaption).toContain(purchases);
    expect(visitsCaption).toContain(visits);
    expect(purchasesCaption).toBe(fill(L['purchases.caption.one']));
    expect(visitsCaption).toBe(fill(L['behaviour.caption.other'], MY_DATA_ROWS));
    expect(await page.locator('#behaviour .hint').textContent()).toBe(fill(L['list.more.other'], MY_DATA_ROWS));
    expect(await page.locator('#purchases .hint').count()).toBe(0);
    expect(await page.locator('#consent-analytics-warning').textContent()).toBe(fill(L['consent.deletesMoreThan'], MY_DATA_ROWS));

    await page.getByRole('button', { name: L['erasure.button'] }).click();
    const dialog = page.getByRole('dialog', { name: L['dialog.title'] });
    await dialog.waitFor();
    const words = (await dialog.innerText()).replace(/\s+/g, ' ');
    expect(words).toContain(purchases);
    expect(words).toContain(log);
    expect(words).toContain(fill(L['dialog.kept1']));
    expect(words).toContain(fill(L['dialog.kept2']));
    expect(words).not.toContain('{');
    await dialog.getByRole('button', { name: L['dialog.no'] }).click();
    expect(s.problems).toEqual([]);
    await s.close();
  });
});
