/** Helpers of the Store contract tests (store-contract.ts, store-contract-queries.ts). */
import { expect } from 'vitest';
import { ConditionFailedError, ValidationError } from '../../lambdas/core/shared/errors';
import type { Item, Page, Store } from '../../lambdas/core/shared/ports';

export interface StoreUnderTest {
  store: Store;
  close(): Promise<void>;
}

let counter = 0;
export const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

/** The error DynamoDB answers a request it refuses (HTTP 400), passed through by every adapter. */
export async function expectRefused(call: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'refused').toBeInstanceOf(Error);
  expect((err as Error).name).toBe('ValidationException');
  expect((err as Error).message).toMatch(message);
}

/** The write lost its condition. */
export const expectLost = (call: Promise<unknown>) => expect(call).rejects.toBeInstanceOf(ConditionFailedError);

/** A cursor the store did not hand out for this partition. */
export const expectBadCursor = (call: Promise<unknown>) => expect(call).rejects.toBeInstanceOf(ValidationError);

export async function collect(iterable: AsyncIterable<Item>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Every page until the cursor runs out (at most 20), and how many pages it took. */
export async function allPages(next: (cursor: string | undefined) => Promise<Page>): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await next(cursor);
    items.push(...page.items);
    cursor = page.cursor;
    if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    pages++;
  } while (cursor && pages < 20);
  return { items, pages };
}
