import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPlaintext, scanAll } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { grantAnalytics } from './helpers';

const PEOPLE = [
  { name: 'Bartholomew Cubbins', email: 'bart.cubbins@hats.example', summary: 'Lost his five hundred hats near the castle' },
  { name: 'Sylvester McMonkey', phone: '+44 20 7946 0321', summary: 'Wants the star-on machine repaired before Friday' },
];

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
  for (const p of PEOPLE) {
    const { summary, ...contact } = p;
    const created = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      body: { ...contact, consent: { communications: true } },
    });
    expect(created.status).toBe(201);
    const id = created.body.customerId;
    await grantAnalytics(home, id);
    expect(
      (await home.request('POST', `/v1/customers/${id}/interactions`, { token: TOKENS.agent, body: { channel: 'phone', summary } })).status,
    ).toBe(201);
    expect(
      (
        await home.request('POST', `/v1/customers/${id}/purchases`, {
          token: TOKENS.agent,
          body: { currency: 'GBP', items: [{ sku: 'HAT-500', quantity: 1, unitPriceMinor: 5000 }] },
        })
      ).status,
    ).toBe(201);
    const path = `/profile/${encodeURIComponent(p.email ?? p.phone!)}?name=${encodeURIComponent(p.name)}#${p.summary}`;
    expect(
      (
        await home.request('POST', `/v1/customers/${id}/events`, {
          token: TOKENS.agent,
          body: { type: 'page_view', path: path.replace(/ /g, '+') },
        })
      ).status,
    ).toBe(202);
    await home.request('GET', `/v1/customers/${id}/interactions`, { token: TOKENS.agent });
  }
});
afterAll(async () => home?.close());

function needles(): string[] {
  const out = new Set<string>();
  for (const p of PEOPLE) {
    for (const part of p.name.split(/\s+/)) out.add(part.toLowerCase());
    if (p.email) {
      out.add(p.email);
      out.add(p.email.split('@')[0]);
    }
    if (p.phone) {
      const digits = p.phone.replace(/\D/g, '');
      out.add(digits);
      out.add(digits.slice(-7));
    }
    out.add(p.summary.toLowerCase());
    for (const word of p.summary.split(/\s+/).filter((w) => w.length >= 6)) out.add(word.toLowerCase());
  }
  return [...out];
}

describe('data at rest, with every category filled', () => {
  it('no table holds a readable name, email, phone or interaction summary, Binary values decoded too', async () => {
    const tables = await scanAll(home.dynamo);
    for (const t of ['interactions', 'transactions', 'behaviour', 'customers', 'access-log'] as const)
      expect(tables[t].length, t).toBeGreaterThan(0);
    expect(findPlaintext(tables, needles())).toEqual([]);
  });

  it('stores interaction summaries as Encryption SDK messages with the committing, unsigned suite', async () => {
    const { interactions } = await scanAll(home.dynamo);
    for (const row of interactions) {
      const sealed = Buffer.from(row.summary.B!);
      expect(sealed[0]).toBe(0x02);
      expect(sealed.readUInt16BE(1)).toBe(0x0478);
    }
  });
});
