/** The typed client as an internal tool uses it: a whole staff flow against a real local home. */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createCrmClient, type CrmClient, type Problem } from 'privacy-crm/client';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome;
let agent: CrmClient;
let officer: CrmClient;

beforeAll(async () => {
  home = await startTestHome();
  agent = createCrmClient({ baseUrl: home.url, token: TOKENS.agent });
  // A function token is asked each time, as a tool refreshing a Cognito token would hand it over.
  officer = createCrmClient({ baseUrl: `${home.url}/`, token: async () => TOKENS.officer });
});
afterAll(() => home?.close());

describe('privacy-crm/client', () => {
  it('drives a whole staff flow: create, search, read, reveal, interaction, purchase, consent, access log, erasure, cancel', async () => {
    const created = await agent.POST('/v1/customers', {
      params: { header: { 'Idempotency-Key': 'client-flow-1' } },
      body: { name: 'Client Person', email: 'client.person@example.com' },
    });
    expect(created.response.status).toBe(201);
    const id = created.data!.customerId;
    expect(created.data!.contact.type).toBe('email');
    expect(created.data!.name).not.toContain('Client');

    const found = await agent.POST('/v1/customers/search', { body: { email: 'CLIENT.person@example.com' } });
    expect(found.data).toEqual({ customerId: id });

    const path = { id };
    const read = await agent.GET('/v1/customers/{id}', { params: { path } });
    expect(read.data?.contact.masked).not.toContain('client.person');

    const purpose = 'confirm identity on call #77';
    const revealed = await officer.POST('/v1/customers/{id}/reveal', { params: { path }, body: { purpose } });
    expect(revealed.data).toEqual({ name: 'Client Person', email: 'client.person@example.com' });

    const contact = await agent.POST('/v1/customers/{id}/interactions', {
      params: { path },
      body: { channel: 'phone', summary: 'asked about delivery' },
    });
    expect(contact.response.status).toBe(201);
    const interactions = await agent.GET('/v1/customers/{id}/interactions', { params: { path } });
    expect(interactions.data?.items.map((i) => i.summary)).toEqual(['asked about delivery']);

    const bought = await agent.POST('/v1/customers/{id}/purchases', {
      params: { path },
      body: { currency: 'EUR', items: [{ sku: 'TEAPOT-BLUE', quantity: 2, unitPriceMinor: 3200 }] },
    });
    expect(bought.data?.totalMinor).toBe(6400);

    const consent = await agent.PUT('/v1/customers/{id}/consent', { params: { path }, body: { analytics: true, source: 'phone' } });
    expect(consent.data?.analytics.status).toBe('active');
    const event = await agent.POST('/v1/customers/{id}/events', { params: { path }, body: { type: 'page_view', path: '/teapots?ref=x' } });
    expect(event.response.status).toBe(202);

    const log = await officer.GET('/v1/customers/{id}/access-log', { params: { path } });
    expect(log.data?.items.map((e) => e.purpose)).toContain(purpose);

    const erasure = await officer.POST('/v1/customers/{id}/erasure', { params: { path } });
    expect(erasure.response.status).toBe(202);
    const receiptId = erasure.data!.receiptId;
    const pending = await agent.GET('/v1/erasure-receipts/{receiptId}', { params: { path: { receiptId } } });
    expect(pending.data?.status).toBe('pending');

    const cancelled = await officer.DELETE('/v1/customers/{id}/erasure', { params: { path } });
    expect(cancelled.data).toEqual({ receiptId, status: 'cancelled' });
    expect((await agent.GET('/v1/erasure-receipts/{receiptId}', { params: { path: { receiptId } } })).data?.status).toBe('cancelled');
    expect((await agent.GET('/v1/customers/{id}', { params: { path } })).response.status).toBe(200);
  });

  it('hands back a 400 as typed problem+json naming the field, and stores nothing', async () => {
    const bad = await agent.POST('/v1/customers', { body: { name: 'Bad Email', email: 'not-an-email' } });
    expectTypeOf(bad.error).toEqualTypeOf<Problem | undefined>();
    expect(bad.data).toBeUndefined();
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.error).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'email' }] });
    const search = await agent.POST('/v1/customers/search', { body: { email: 'not-an-email' } });
    expect(search.error?.errors?.map((e) => e.field)).toEqual(['email']);
  });

  it('hands back a 404 and a 403 as typed problem+json', async () => {
    const missing = await agent.GET('/v1/customers/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expectTypeOf(missing.error).toEqualTypeOf<Problem | undefined>();
    expect(missing.error).toMatchObject({ status: 404, code: 'not_found' });
    expect(typeof missing.error?.title).toBe('string');

    const created = await agent.POST('/v1/customers', { body: { name: 'Role Check', phone: '+44 20 7946 0958' } });
    const path = { id: created.data!.customerId };
    const refused = await agent.POST('/v1/customers/{id}/reveal', { params: { path }, body: { purpose: 'curious' } });
    expect(refused.error).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('sends the bearer token: a wrong one is refused with 401', async () => {
    const stranger = createCrmClient({ baseUrl: home.url, token: 'not-a-staff-token-at-all' });
    const res = await stranger.GET('/v1/customers/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(res.error).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});
