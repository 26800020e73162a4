/**
 * Every list route pages (`?limit=` 1–100, default 50, opaque `cursor`, `{items, nextCursor?}`), over real
 * HTTP on the local home: pages walk the whole list once, answers match the OpenAPI document, and a bad
 * limit or cursor is a 400 naming the field with nothing written (not even an access-log entry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows, expectRefusedWritingNothing, newCustomer } from '../categories/helpers';
import { signIn } from '../portal/support';
import { startTestHome, TOKENS } from '../support/home';
import { withOpenApi, type OpenApiHome } from '../support/openapi';

let home: OpenApiHome;
let alice: string;
let bob: string;
const aliceEmail = `alice.pages.${Date.now()}@example.com`;
const officer: { token: string } = { token: TOKENS.officer };

const LISTS = [
  { route: '/v1/customers/{id}/interactions', key: 'interactionId' },
  { route: '/v1/customers/{id}/purchases', key: 'purchaseId' },
  { route: '/v1/customers/{id}/access-log', key: 'at' },
] as const;

async function seed(id: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const occurredAt = new Date(home.clock.now().getTime() - (i + 1) * 3_600_000).toISOString();
    const a = await home.request('POST', `/v1/customers/${id}/interactions`, {
      ...officer,
      body: { channel: 'chat', summary: `note ${i}`, occurredAt },
    });
    const p = await home.request('POST', `/v1/customers/${id}/purchases`, {
      ...officer,
      body: { currency: 'EUR', items: [{ sku: `SKU-${i}`, quantity: 1, unitPriceMinor: 100 }], occurredAt },
    });
    expect([a.status, p.status]).toEqual([201, 201]);
  }
}

/** Every page of `path` with `limit`, each checked against the document. */
async function walk(path: string, route: string, limit: number, token: string = TOKENS.officer): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const res = await home.request('GET', `${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(res.status, res.text).toBe(200);
    home.conforms('GET', route, res);
    items.push(...res.body.items);
    pages++;
    cursor = res.body.nextCursor;
  } while (cursor);
  return { items, pages };
}

beforeAll(async () => {
  home = await withOpenApi(startTestHome());
  alice = await newCustomer(home, { email: aliceEmail });
  bob = await newCustomer(home);
  await seed(alice, 5);
  await seed(bob, 2);
});
afterAll(async () => home?.close());

describe('list routes', () => {
  it.each(LISTS)('$route walks every item once, newest first, and the last page has no nextCursor', async ({ route, key }) => {
    const path = route.replace('{id}', alice);
    const whole = await home.request('GET', `${path}?limit=100`, officer);
    expect(whole.body.nextCursor).toBeUndefined();
    const paged = await walk(path, route, 2);
    // The access log grows by one entry per page read: compare with what existed before the walk.
    const expected = route.endsWith('access-log') ? whole.body.items.length + 1 : whole.body.items.length;
    expect(paged.items).toHaveLength(expected);
    expect(paged.pages).toBe(Math.ceil(expected / 2));
    const keys = paged.items.map((i) => i[key]);
    expect(new Set(keys).size).toBe(keys.length);
    const times = paged.items.map((i) => i.occurredAt ?? i.at);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('answers 50 items and a cursor without a limit, and the access log is no longer cut at 200', async () => {
    const id = await newCustomer(home);
    const principal = { kind: 'staff', staffId: 'staff-officer-1', role: 'privacy_officer' } as const;
    for (let i = 0; i < 230; i++) await home.app.accessLog.append(id, principal, 'read');
    const first = await home.request('GET', `/v1/customers/${id}/access-log`, officer);
    expect(first.body.items).toHaveLength(50);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const { items } = await walk(`/v1/customers/${id}/access-log`, '/v1/customers/{id}/access-log', 100);
    // 230 appended, the create and the first read; the walk's own reads are newer than its first page.
    expect(items).toHaveLength(232);
  });

  it.each(['0', '101', 'x', '2.5', '-1', '', '1e1', '0x10'])('refuses limit=%j with 400 naming limit, writing nothing', async (limit) => {
    for (const { route } of LISTS) {
      await expectRefusedWritingNothing(
        home,
        () => home.request('GET', `${route.replace('{id}', alice)}?limit=${limit}`, officer),
        'validation_failed',
        ['limit'],
      );
    }
  });

  it('refuses a cursor from another customer, another list, edited or made up, writing nothing', async () => {
    const first = await home.request('GET', `/v1/customers/${alice}/interactions?limit=1`, officer);
    const cursor: string = first.body.nextCursor;
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    const edited = Buffer.from(JSON.stringify({ ...decoded, a: `${decoded.a}0` })).toString('base64url');
    const attempts = [
      `/v1/customers/${bob}/interactions?cursor=${cursor}`,
      `/v1/customers/${alice}/purchases?cursor=${cursor}`,
      `/v1/customers/${alice}/access-log?cursor=${cursor}`,
      `/v1/customers/${alice}/interactions?cursor=${edited}`,
      `/v1/customers/${alice}/interactions?cursor=not-a-cursor`,
      `/v1/customers/${alice}/interactions?cursor=${'A'.repeat(401)}`,
      `/v1/customers/${alice}/interactions?cursor=%2B%2F`,
    ];
    for (const path of attempts) {
      await expectRefusedWritingNothing(home, () => home.request('GET', path, officer), 'validation_failed', ['cursor']);
    }
    await expectRefusedWritingNothing(
      home,
      () => home.request('GET', `/v1/customers/${alice}/purchases?page=2`, officer),
      'unexpected_field',
      ['page'],
    );
  });

  it('gives away no partition key: an interaction cursor holds neither the pseudonym nor the customer id', async () => {
    const first = await home.request('GET', `/v1/customers/${alice}/interactions?limit=1`, officer);
    const decoded = Buffer.from(first.body.nextCursor, 'base64url').toString();
    const pseudonyms = (await rawRows(home, 'interactions')).map((r) => r.pseudonym.S!);
    for (const p of new Set(pseudonyms)) expect(decoded).not.toContain(p);
    expect(decoded).not.toContain(alice);
  });

  it("pages the customer's own access log in the portal; a cursor of another customer is refused", async () => {
    const token = await signIn(home, { email: aliceEmail });
    const staff = await home.request('GET', `/v1/customers/${alice}/access-log?limit=100`, officer);
    const { items } = await walk('/v1/me/access-log', '/v1/me/access-log', 3, token);
    // The walk sees the staff read on top, then the same log; its own reads come after its first page.
    expect(items[0]).toMatchObject({ action: 'read_access_log', role: 'privacy_officer' });
    expect(items.slice(1)).toEqual(staff.body.items);
    const bobCursor = (await home.request('GET', `/v1/customers/${bob}/access-log?limit=1`, officer)).body.nextCursor;
    await expectRefusedWritingNothing(
      home,
      () => home.request('GET', `/v1/me/access-log?cursor=${bobCursor}`, { token }),
      'validation_failed',
      ['cursor'],
    );
    await expectRefusedWritingNothing(home, () => home.request('GET', '/v1/me/access-log?limit=0', { token }), 'validation_failed', [
      'limit',
    ]);
  });
});
