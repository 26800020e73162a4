import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPlaintext, scanAll } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

const PEOPLE = [
  { name: 'Margaret Hamilton', email: 'margaret.hamilton@apollo.example' },
  { name: 'Katherine Johnson', phone: '+1 202 555 0147' },
  { name: 'Zoë Ångström-Ñúñez', email: 'zoe@umlaut.example' },
];

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
  for (const p of PEOPLE) {
    const res = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: p });
    expect(res.status).toBe(201);
    await home.request('POST', `/v1/customers/${res.body.customerId}/reveal`, {
      token: TOKENS.officer,
      body: { purpose: 'verify identity of Margaret Hamilton' },
    });
    await home.request('PATCH', `/v1/customers/${res.body.customerId}`, { token: TOKENS.agent, body: { name: `${p.name} Jr` } });
  }
});
afterAll(async () => home?.close());

/** Fragments an attacker would grep for: whole values, parts of names, local parts, digits of phones. */
function needles(): string[] {
  const out = new Set<string>();
  for (const p of PEOPLE) {
    for (const part of p.name.split(/[\s-]+/)) out.add(part.toLowerCase());
    if (p.email) {
      out.add(p.email.toLowerCase());
      out.add(p.email.split('@')[0].toLowerCase());
    }
    if (p.phone) {
      const digits = p.phone.replace(/\D/g, '');
      out.add(digits);
      out.add(digits.slice(-7));
    }
  }
  out.add('verify identity');
  return [...out];
}

describe('data at rest', () => {
  it('no table holds a readable name, email, phone or stated purpose, in any attribute, Binary values decoded too', async () => {
    const tables = await scanAll(home.dynamo);
    expect(tables.customers.length).toBe(PEOPLE.length);
    expect(findPlaintext(tables, needles())).toEqual([]);
  });

  it('stores the personal values as Encryption SDK messages with the committing, unsigned suite', async () => {
    const { customers } = await scanAll(home.dynamo);
    for (const row of customers) {
      const sealed = Buffer.from(row.sealed.B!);
      expect(sealed[0]).toBe(0x02); // message format version 2 (committing suites)
      expect(sealed.readUInt16BE(1)).toBe(0x0478); // ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY
    }
  });

  it('keeps customer keys only wrapped, in their own table', async () => {
    const { customers, 'customer-keys': keys } = await scanAll(home.dynamo);
    expect(keys.length).toBe(customers.length);
    for (const row of customers) expect(Object.keys(row)).not.toContain('wrappedKey');
    for (const k of keys) expect(k.wrappedKey.B!.length).toBeGreaterThan(32); // iv + key + tag, never a bare 32-byte key
    // Every row carries a TTL; the key outlives its customer row by 7 days so the TTL cascade can still open the record.
    for (const row of customers) {
      const key = keys.find((k) => k.customerId.S === row.customerId.S)!;
      expect(Number(key.expiresAt.N) - Number(row.expiresAt.N)).toBe(7 * 86_400);
    }
  });

  it('indexes contacts by a keyed HMAC, not by a plain hash anyone could recompute', async () => {
    const { createHash } = await import('node:crypto');
    const { 'contact-index': index } = await scanAll(home.dynamo);
    const plain = PEOPLE.filter((p) => p.email).map((p) => createHash('sha256').update(`email:${p.email}`).digest('hex'));
    for (const row of index) {
      expect(row.lookup.S).toMatch(/^[0-9a-f]{64}$/);
      expect(plain).not.toContain(row.lookup.S);
    }
  });
});
