import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAll, textsOf } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { grantAnalytics, newCustomer, rawRows, type RawRow } from './helpers';

let home: TestHome;
const ids: string[] = [];
beforeAll(async () => {
  home = await startTestHome();
  for (let i = 0; i < 2; i++) {
    const id = await newCustomer(home);
    ids.push(id);
    await grantAnalytics(home, id);
    for (const channel of ['email', 'phone']) {
      const res = await home.request('POST', `/v1/customers/${id}/interactions`, {
        token: TOKENS.agent,
        body: { channel, summary: `summary ${i} ${channel}` },
      });
      expect(res.status).toBe(201);
    }
    for (const type of ['page_view', 'search']) {
      expect((await home.request('POST', `/v1/customers/${id}/events`, { token: TOKENS.agent, body: { type, path: '/x' } })).status).toBe(
        202,
      );
    }
  }
});
afterAll(async () => home?.close());

/** The pseudonyms a customer's record holds, read the only way possible: decrypting it. */
async function sealedPseudonyms(id: string) {
  const row = await home.app.customers.require(id);
  return (await home.app.customers.unseal(row)).pseudonyms;
}

const derivations = (id: string) => {
  const sha = createHash('sha256').update(id).digest();
  return [
    id,
    id.replace(/-/g, ''),
    sha.toString('hex'),
    sha.toString('base64url'),
    sha.subarray(0, 16).toString('base64url'),
    Buffer.from(id).toString('base64url'),
  ];
};

describe('pseudonyms', () => {
  it('are random 128-bit values, different for interactions and behaviour and for each customer', async () => {
    const all = await Promise.all(ids.map(sealedPseudonyms));
    const flat = all.flatMap((p) => [p.interaction, p.behaviour]);
    expect(new Set(flat).size).toBe(4);
    for (const p of flat) expect(Buffer.from(p, 'base64url').length).toBe(16);
    for (const [i, id] of ids.entries()) {
      for (const d of derivations(id)) {
        expect(all[i].interaction).not.toBe(d);
        expect(all[i].behaviour).not.toBe(d);
      }
    }
  });

  it('key the interaction and behaviour rows, and those rows carry no customer id anywhere, ciphertext headers included', async () => {
    const [interactions, behaviour] = [await rawRows(home, 'interactions'), await rawRows(home, 'behaviour')];
    expect(interactions).toHaveLength(4);
    expect(behaviour).toHaveLength(4);
    const leaks: string[] = [];
    const check = (table: string, rows: RawRow[]) => {
      for (const row of rows) {
        for (const [attr, value] of Object.entries(row)) {
          const texts = textsOf(value);
          for (const id of ids) for (const d of derivations(id)) if (texts.some((t) => t.includes(d))) leaks.push(`${table}.${attr}`);
        }
      }
    };
    // The check can fail: a value sealed the usual way (the customer row) does carry its customerId in the clear.
    const customers = await rawRows(home, 'customers');
    expect(customers.some((r) => textsOf(r.sealed).some((t) => ids.some((id) => t.includes(id))))).toBe(true);
    check('interactions', interactions);
    check('behaviour', behaviour);
    expect(leaks).toEqual([]);
  });

  it('cannot be linked to a customer from the raw tables: each appears only in the rows it keys', async () => {
    const tables = await scanAll(home.dynamo);
    for (const id of ids) {
      const p = await sealedPseudonyms(id);
      for (const [kind, pseudonym, ownTable] of [
        ['interaction', p.interaction, 'interactions'],
        ['behaviour', p.behaviour, 'behaviour'],
      ] as const) {
        const holders: string[] = [];
        for (const [table, rows] of Object.entries(tables)) {
          for (const row of rows) {
            if (!Object.values(row).some((v) => textsOf(v).some((t) => t.includes(pseudonym)))) continue;
            // The sealed summary names its key after the row's own pseudonym: nothing the key does not already say.
            holders.push(table === ownTable && row.pseudonym?.S === pseudonym ? 'own row' : `${table} (${kind})`);
          }
        }
        expect(new Set(holders)).toEqual(new Set(['own row']));
        expect(holders).toHaveLength(2);
      }
    }
  });

  it("interaction rows carry no write-time stamp that could be matched to the customer's activity", async () => {
    for (const row of [...(await rawRows(home, 'interactions')), ...(await rawRows(home, 'behaviour'))]) {
      expect(Object.keys(row)).not.toContain('createdAt');
      expect(Object.keys(row)).not.toContain('customerId');
    }
  });
});
