/** Paged lists over the in-memory store: live rows only, cursors bound to one list of one customer. */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lambdas/adapters/memory/store';
import { ValidationError } from '../../lambdas/core/shared/errors';
import { decodePageCursor, encodePageCursor, livePage, livePages, pageLimit } from '../../lambdas/core/shared/paging';

const now = new Date('2025-03-01T00:00:00Z');
const epoch = Math.floor(now.getTime() / 1000);
const scope = 'access-log:c-1';

/** Rows s00..s11 of customer c-1; every third one expired (TTL in the past), the others live. */
async function seeded(): Promise<{ store: MemoryStore; live: string[] }> {
  const store = new MemoryStore();
  const live: string[] = [];
  for (let i = 0; i < 12; i++) {
    const sk = `s${String(i).padStart(2, '0')}`;
    const expired = i % 3 === 1;
    await store.put('access-log', { customerId: 'c-1', sk, at: sk, expiresAt: expired ? epoch - 60 : epoch + 86_400 });
    if (!expired) live.push(sk);
  }
  await store.put('access-log', { customerId: 'c-2', sk: 's99', at: 's99', expiresAt: epoch + 86_400 });
  return { store, live: live.reverse() };
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ValidationError ? e.errors?.[0]?.field : 'not a ValidationError';
  }
  return undefined;
}

describe('livePage', () => {
  it('reads past many expired rows in a few queries, not one query per row', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 300; i++) {
      const sk = `s${String(i).padStart(3, '0')}`;
      // The newest 5 live, then 295 older rows past their TTL (not yet deleted, as in DynamoDB).
      await store.put('access-log', { customerId: 'c-1', sk, at: sk, expiresAt: i >= 295 ? epoch + 86_400 : epoch - 60 });
    }
    let queries = 0;
    const counting = Object.assign(Object.create(store), {
      query: (...args: Parameters<MemoryStore['query']>) => (queries++, store.query(...args)),
    }) as MemoryStore;
    const page = await livePage(counting, 'access-log', 'c-1', now, scope, { limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toBeUndefined();
    expect(queries).toBeLessThanOrEqual(Math.ceil(300 / 6) + 1);
    const big = await livePage(counting, 'access-log', 'c-1', now, scope, { limit: 50 });
    expect(big.items).toHaveLength(5);
  });

  it('walks a partition newest first in full pages of live rows, and gives no cursor after the last', async () => {
    const { store, live } = await seeded();
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await livePage(store, 'access-log', 'c-1', now, scope, { limit: 3, cursor });
      seen.push(...page.items.map((r) => String(r.sk)));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(live);
    // 8 live rows in pages of 3: expired rows between them never shorten a page.
    expect(sizes).toEqual([3, 3, 2]);
  });

  it('gives no cursor when the page holds exactly what is left, and 50 rows by default', async () => {
    const { store, live } = await seeded();
    expect(await livePage(store, 'access-log', 'c-1', now, scope, { limit: live.length })).toEqual({ items: expect.any(Array) });
    const big = new MemoryStore();
    for (let i = 0; i < 51; i++) await big.put('access-log', { customerId: 'c-1', sk: `s${String(i).padStart(3, '0')}` });
    const first = await livePage(big, 'access-log', 'c-1', now, scope, {});
    expect(first.items).toHaveLength(50);
    const rest = await livePage(big, 'access-log', 'c-1', now, scope, { cursor: first.nextCursor });
    expect(rest).toEqual({ items: [expect.objectContaining({ sk: 's000' })] });
  });

  it('refuses a cursor of another customer or list, edited, or not a cursor at all', async () => {
    const { store } = await seeded();
    const { nextCursor } = await livePage(store, 'access-log', 'c-1', now, scope, { limit: 1 });
    expect(nextCursor).toBeDefined();
    const refused = async (s: string, cursor: string) => {
      const err = await livePage(store, 'access-log', 'c-2', now, s, { cursor }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).errors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    };
    await refused('access-log:c-2', nextCursor!);
    await refused('purchases:c-1', nextCursor!);
    const edited = JSON.parse(Buffer.from(nextCursor!, 'base64url').toString());
    await refused(scope, Buffer.from(JSON.stringify({ ...edited, a: 's00' })).toString('base64url'));
    for (const junk of ['', 'x', '***', 'a'.repeat(401), Buffer.from('[1]').toString('base64url')]) await refused(scope, junk);
  });

  it('cursors name only the sort key and a check value, never the partition', () => {
    const cursor = encodePageCursor('interactions:c-1', '2025-01-01T00:00:00.000Z#i-1');
    const decoded = Buffer.from(cursor, 'base64url').toString();
    expect(Object.keys(JSON.parse(decoded)).sort()).toEqual(['a', 'c', 'v']);
    expect(decoded).not.toContain('c-1');
    expect(decodePageCursor('interactions:c-1', cursor)).toBe('2025-01-01T00:00:00.000Z#i-1');
  });

  it('takes a limit from 1 to 100 only', () => {
    expect(pageLimit(undefined)).toBe(50);
    expect(pageLimit(1)).toBe(1);
    expect(pageLimit(100)).toBe(100);
    for (const bad of [0, 101, 2.5, -1, Number.NaN]) expect(fieldOf(() => pageLimit(bad))).toBe('limit');
  });
});

describe('livePages', () => {
  it('yields every live row once, one store page at a time, in either order', async () => {
    const { store, live } = await seeded();
    const pages: string[][] = [];
    for await (const rows of livePages(store, 'access-log', 'c-1', now)) pages.push(rows.map((r) => String(r.sk)));
    expect(pages.flat()).toEqual(live);
    const up: string[] = [];
    for await (const rows of livePages(store, 'access-log', 'c-1', now, { ascending: true })) up.push(...rows.map((r) => String(r.sk)));
    expect(up).toEqual([...live].reverse());
  });
});
