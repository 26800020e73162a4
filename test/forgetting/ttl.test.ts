import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, type TestHome } from '../support/home';
import { scanAll } from '../support/tables';
import { advance, DAY, expectNothingLeft, messagesTo, populate, sentTo, signIn, startForgettingHome } from './support';

let home: TestHome;
beforeAll(async () => {
  home = await startForgettingHome();
});
afterAll(async () => home?.close());

const epoch = () => Math.floor(home.clock.now().getTime() / 1000);
const customer = (id: string) => home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent });

async function ttls(customerId: string, lookup: string) {
  const all = await scanAll(home.dynamo);
  const ttl = (rows: (typeof all)[string]) => (rows[0]?.expiresAt?.N === undefined ? undefined : Number(rows[0].expiresAt.N));
  return {
    customer: ttl(all.customers.filter((r) => r.customerId.S === customerId)),
    key: ttl(all['customer-keys'].filter((r) => r.customerId.S === customerId)),
    index: ttl(all['contact-index'].filter((r) => r.lookup.S === lookup)),
  };
}

describe('retention', () => {
  it('is extended by activity (an interaction, a portal sign-in), for the row, its key and its index entry', async () => {
    const p = await populate(home, { session: false });
    const created = await ttls(p.customerId, p.lookup);
    expect(created.customer).toBeGreaterThan(epoch() + 729 * DAY);

    await advance(home, 100 * DAY);
    const res = await home.request('POST', `/v1/customers/${p.customerId}/interactions`, {
      token: TOKENS.agent,
      body: { channel: 'phone' },
    });
    expect(res.status).toBe(201);
    const extended = await ttls(p.customerId, p.lookup);
    expect(extended.customer).toBeGreaterThanOrEqual(epoch() + 730 * DAY - 5);
    expect(extended.index).toBe(extended.customer);
    // The key outlives the row a little, so a TTL cascade can still open the record.
    expect(extended.key).toBe(extended.customer! + 7 * DAY);
    expect((await customer(p.customerId)).body.retention.expiresAt).toBe(new Date(extended.customer! * 1000).toISOString());

    // Throttled: more activity the same day writes nothing new.
    await home.request('POST', `/v1/customers/${p.customerId}/interactions`, { token: TOKENS.agent, body: { channel: 'chat' } });
    expect(await ttls(p.customerId, p.lookup)).toEqual(extended);

    await advance(home, 3 * DAY);
    await signIn(home, p.email);
    expect((await ttls(p.customerId, p.lookup)).customer).toBeGreaterThan(extended.customer! + 2 * DAY);
  });

  it('treats a customer past its TTL as gone even before the row is deleted', async () => {
    const p = await populate(home, { session: false });
    home.clock.advance(731 * DAY);
    try {
      expect((await customer(p.customerId)).status).toBe(404);
      expect((await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: p.email } })).status).toBe(404);
      expect((await scanAll(home.dynamo)).customers.some((r) => r.customerId.S === p.customerId)).toBe(true);
    } finally {
      await home.runJobs();
    }
    await expectNothingLeft(home, p, { kept: ['purchases'] });
  });
});

describe('an idle customer', () => {
  it('is reminded once, 30 days before retention ends, and then forgotten by TTL alone', async () => {
    const p = await populate(home);
    const retentionEnds = (await customer(p.customerId)).body.retention.expiresAt;
    const reminders = () => sentTo(home, p.email).filter((m) => m.subject === 'We will delete your data soon');

    await advance(home, 699 * DAY);
    expect(reminders()).toHaveLength(0);
    for (let day = 0; day < 5; day++) await advance(home, DAY);
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0].body).toContain(retentionEnds.slice(0, 10));
    expect(reminders()[0].body).not.toMatch(/https?:/);

    for (let day = 0; day < 24; day++) await advance(home, DAY);
    expect(reminders()).toHaveLength(1);
    expect((await customer(p.customerId)).status).toBe(200);

    // Retention runs to the end of the last active day plus 730 days: up to a day past 730 days from the activity.
    await advance(home, 3 * DAY);
    expect(reminders()).toHaveLength(1);
    await expectNothingLeft(home, p, { kept: ['purchases'] });
    // Expiry is an erasure too: the local outbox forgets the customer's messages.
    expect(messagesTo(home, p.email)).toEqual([]);
  });

  it('is reminded once, 30 days before communications consent lapses', async () => {
    const p = await populate(home, { session: false });
    const lapses = (await customer(p.customerId)).body.consent.communications.expiresAt as string;
    const reminders = () => messagesTo(home, p.email).filter((m) => m.subject === 'Your permission to hear from us ends soon');

    await advance(home, 334 * DAY);
    expect(reminders()).toHaveLength(0);
    for (let day = 0; day < 10; day++) await advance(home, DAY);
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0].body).toContain(lapses.slice(0, 10));
    await advance(home, 40 * DAY);
    expect(reminders()).toHaveLength(1);

    // Consent renewed: a new lapse date earns a new reminder when it comes near.
    const renewed = await home.request('PUT', `/v1/customers/${p.customerId}/consent`, {
      token: TOKENS.agent,
      body: { communications: true, source: 'email' },
    });
    expect(renewed.status).toBe(200);
    await advance(home, 340 * DAY);
    expect(reminders()).toHaveLength(2);
  });

  it('gets no reminder for a retention it no longer has: activity moved it away', async () => {
    const p = await populate(home, { session: false });
    await advance(home, 650 * DAY);
    await home.request('POST', `/v1/customers/${p.customerId}/purchases`, {
      token: TOKENS.agent,
      body: { currency: 'EUR', items: [{ sku: 'MUG-2', quantity: 2, unitPriceMinor: 800 }] },
    });
    await advance(home, 60 * DAY);
    expect(messagesTo(home, p.email).filter((m) => m.subject === 'We will delete your data soon')).toHaveLength(0);
    expect((await customer(p.customerId)).status).toBe(200);
  });
});

describe('the TTL cascade', () => {
  it('lets the same contact become a new customer afterwards', async () => {
    const p = await populate(home, { session: false });
    await advance(home, 731 * DAY);
    await expectNothingLeft(home, p, { kept: ['purchases'] });
    const again = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Back Again', email: p.email } });
    expect(again.status, again.text).toBe(201);
    expect(again.body.customerId).not.toBe(p.customerId);
    const found = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: p.email } });
    expect(found.body).toEqual({ customerId: again.body.customerId });
  });
});
