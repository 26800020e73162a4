import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { NotFoundError } from '../../lambdas/core/shared/errors';
import type { CustomerExport } from '../../lambdas/core/categories/export';
import { CATEGORIES } from '../../lambdas/core/policy/inventory';
import { CustomerExportSchema } from '../../lambdas/http/schemas-categories';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { grantAnalytics, newCustomer } from './helpers';

let home: TestHome;
let id: string;
let exported: CustomerExport;
beforeAll(async () => {
  home = await startTestHome();
  id = await newCustomer(home, { name: 'Olive Oyl', email: 'olive.oyl@example.com', consent: { communications: true } });
  await grantAnalytics(home, id);
  const agent = { token: TOKENS.agent };
  expect(
    (
      await home.request('POST', `/v1/customers/${id}/interactions`, {
        ...agent,
        body: { channel: 'chat', summary: 'Asked for a spinach discount' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await home.request('POST', `/v1/customers/${id}/purchases`, {
        ...agent,
        body: { currency: 'USD', items: [{ sku: 'SPINACH-CAN', quantity: 12, unitPriceMinor: 199 }] },
      })
    ).status,
  ).toBe(201);
  expect(
    (await home.request('POST', `/v1/customers/${id}/events`, { ...agent, body: { type: 'page_view', path: '/greens?ref=newsletter' } }))
      .status,
  ).toBe(202);
  await home.request('GET', `/v1/customers/${id}/interactions`, agent);
  await home.request('GET', `/v1/customers/${id}/purchases`, agent);
  await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: { purpose: 'confirm delivery address' } });
  exported = await home.app.exports.forCustomer(id);
});
afterAll(async () => home?.close());

describe('the customer export', () => {
  it('has a section for every category the inventory marks as exported, and no other', () => {
    const expected = CATEGORIES.filter((c) => c.exported).map((c) => c.id);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    expect(Object.keys(exported.categories).sort()).toEqual([...expected].sort());
  });

  it("carries the inventory's purpose, legal basis, retention, recipients and source in each section (Art. 15)", () => {
    for (const c of CATEGORIES.filter((x) => x.exported)) {
      const section = exported.categories[c.id as keyof CustomerExport['categories']];
      expect(section, c.id).toMatchObject({
        category: c.id,
        purpose: c.purpose,
        legalBasis: c.legalBasis,
        retention: { label: c.retention.label, days: c.retention.seconds / 86_400, from: c.retention.from },
        recipients: [...c.recipients],
        source: c.source,
        onErasure: c.onErasureReason,
      });
    }
  });

  it('holds the data itself: contact unmasked, consent, interactions decrypted, purchases, behaviour, access log', async () => {
    const { contact, consent, interactions, purchases, behaviour, accessLog } = exported.categories;
    const row = await home.app.customers.require(id);
    expect(contact.data).toMatchObject({
      name: 'Olive Oyl',
      email: 'olive.oyl@example.com',
      retentionExpiresAt: new Date(row.expiresAt! * 1000).toISOString(),
    });
    expect(consent.data.state.communications.status).toBe('active');
    expect(consent.data.state.analytics.status).toBe('active');
    expect(consent.data.history.map((e) => e.purpose)).toEqual(['communications', 'analytics']);
    expect(interactions.data.items).toEqual([
      expect.objectContaining({ channel: 'chat', summary: 'Asked for a spinach discount', expiresAt: expect.any(String) }),
    ]);
    expect(purchases.data.items).toEqual([expect.objectContaining({ currency: 'USD', totalMinor: 12 * 199 })]);
    expect(behaviour.data.items).toEqual([expect.objectContaining({ type: 'page_view', path: '/greens' })]);
    const actions = accessLog.data.items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'read_interactions', 'read_purchases', 'reveal', 'update_consent']));
    expect(accessLog.data.items.find((e) => e.action === 'reveal')?.purpose).toBe('confirm delivery address');
    for (const e of accessLog.data.items) expect(Date.parse(e.expiresAt!)).toBeGreaterThan(Date.parse(e.at));
  });

  it('never shows the internal pseudonyms', async () => {
    const { pseudonyms } = await home.app.customers.unseal(await home.app.customers.require(id));
    const text = JSON.stringify(exported);
    expect(text).not.toContain(pseudonyms.interaction);
    expect(text).not.toContain(pseudonyms.behaviour);
  });

  it('matches the versioned, documented schema (strict), also after a JSON round trip', () => {
    // Compile time: the core's type fits the schema the portal serves and OpenAPI describes.
    const typed: z.input<typeof CustomerExportSchema> = exported;
    expect(exported.schemaVersion).toBe('1');
    expect(CustomerExportSchema.safeParse(typed).success).toBe(true);
    const parsed = CustomerExportSchema.safeParse(JSON.parse(JSON.stringify(exported)));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(CustomerExportSchema.safeParse({ ...exported, profile: {} }).success).toBe(false);
  });

  it('writes the export to the access log when a principal asks for it', async () => {
    const before = (await home.app.accessLog.list(id, { limit: 100 })).items.filter((e) => e.action === 'export').length;
    await home.app.exports.forCustomer(id, { kind: 'customer', customerId: id, sessionId: 'session-1' });
    const after = (await home.app.accessLog.list(id, { limit: 100 })).items.filter((e) => e.action === 'export');
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ actor: 'customer', role: 'customer' });
  });

  it('shows rows whose TTL a legal hold removed without an expiry, still within the schema', async () => {
    const held = await newCustomer(home);
    expect(
      (
        await home.request('POST', `/v1/customers/${held}/interactions`, {
          token: TOKENS.agent,
          body: { channel: 'phone', summary: 'kept' },
        })
      ).status,
    ).toBe(201);
    const { pseudonyms } = await home.app.customers.unseal(await home.app.customers.require(held));
    const { items } = await home.app.ports.store.query('interactions', pseudonyms.interaction);
    await home.app.ports.store.put('interactions', { ...items[0], expiresAt: undefined });
    const out = await home.app.exports.forCustomer(held);
    expect(out.categories.interactions.data.items).toEqual([expect.objectContaining({ summary: 'kept' })]);
    expect(out.categories.interactions.data.items[0]).not.toHaveProperty('expiresAt');
    expect(CustomerExportSchema.safeParse(JSON.parse(JSON.stringify(out))).success).toBe(true);
  });

  it('is not found for an unknown customer', async () => {
    await expect(home.app.exports.forCustomer('6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f')).rejects.toBeInstanceOf(NotFoundError);
  });
});
