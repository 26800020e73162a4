/**
 * The export reads a large partition one store page at a time: each page's summaries are opened before
 * the next page is read, so no second copy of every decrypted row is held. Over the in-memory store,
 * with pages capped at 40 rows as DynamoDB may cut them anywhere.
 */
import { describe, expect, it } from 'vitest';
import { EsdkFieldCipher } from '../../lambdas/adapters/crypto/esdk-cipher';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { MemoryStore } from '../../lambdas/adapters/memory/store';
import { createApp } from '../../lambdas/core/app';
import type { FieldCipher } from '../../lambdas/core/shared/ports';
import { TestClock } from '../forgetting/memory/support';
import { wrapStore } from '../support/stores';

const staff = { kind: 'staff', staffId: 'agent-1', role: 'agent' } as const;

describe('the export of a partition larger than a page', () => {
  it('opens each page before reading the next, and returns every row once, newest first', async () => {
    const events: string[] = [];
    const inner = new MemoryStore();
    const store = wrapStore(inner, {
      query: async (table, partition, opts) => {
        if (table === 'interactions') events.push('page');
        return inner.query(table, partition, { ...opts, limit: Math.min(opts?.limit ?? 40, 40) });
      },
    });
    const esdk = new EsdkFieldCipher();
    const cipher: FieldCipher = {
      encrypt: (k, n, p, c) => esdk.encrypt(k, n, p, c),
      decrypt: (k, n, p, c) => (c.category === 'interactions' && events.push('open'), esdk.decrypt(k, n, p, c)),
      forget: (n) => esdk.forget(n),
    };
    const clock = new TestClock();
    const keys = new LocalKeyService(LocalKeyService.generateKeys());
    const noop = { send: async () => undefined };
    const scheduler = { schedule: async () => undefined, cancel: async () => undefined, exists: async () => false };
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const app = createApp({ store, keys, cipher, clock, notifier: noop, scheduler, log });
    const { customer } = await app.customers.create(staff, { name: 'Paged Person', email: 'paged@example.com' });
    for (let i = 0; i < 100; i++) {
      await app.interactions.create(staff, customer.customerId, { channel: 'chat', summary: `note ${i}` });
      clock.advance(60);
    }
    events.length = 0;

    const exported = await app.exports.forCustomer(customer.customerId);
    const items = exported.categories.interactions.data.items;
    expect(items.map((i) => i.summary)).toEqual(Array.from({ length: 100 }, (_, i) => `note ${99 - i}`));
    // 100 rows in pages of 40: three pages, the opening of each page's 40, 40 and 20 summaries between them.
    const runs = events
      .join(' ')
      .split('page ')
      .filter(Boolean)
      .map((run) => run.trim().split(' ').length);
    expect(events.filter((e) => e === 'page')).toHaveLength(3);
    expect(runs).toEqual([40, 40, 20]);
  });
});
