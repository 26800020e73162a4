/** Withdrawing analytics consent: a deletion of the visits cut short by a fault still leaves the change in the access log. */
import { describe, expect, it, vi } from 'vitest';
import { DependencyUnavailableError } from '../../lambdas/core/shared/errors';
import { memoryHome } from '../forgetting/memory/support';

describe('withdrawing analytics consent when the visits cannot be deleted', () => {
  it('answers with the fault, keeps the trace, and a retry deletes the visits', async () => {
    const { app, store } = memoryHome();
    const staff = { kind: 'staff', staffId: 'agent-1', role: 'agent' } as const;
    const { customer } = await app.customers.create(staff, { name: 'Vera Visits', email: 'vera@example.com' });
    const id = customer.customerId;
    await app.consent.set(staff, id, { analytics: true }, 'chat');
    await app.behaviour.record(staff, id, { type: 'page_view', path: '/shop' });
    const actions = async () => (await app.accessLog.list(id, { limit: 100 })).items.map((e) => e.action);
    const before = (await actions()).filter((a) => a === 'update_consent').length;

    const down = vi.spyOn(store, 'batchDelete').mockRejectedValueOnce(new DependencyUnavailableError('dynamodb'));
    await expect(app.consent.set(staff, id, { analytics: false }, 'chat')).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect((await actions()).filter((a) => a === 'update_consent').length).toBe(before + 1);
    down.mockRestore();

    await app.consent.set(staff, id, { analytics: false }, 'chat');
    const sealed = await app.customers.unseal((await app.customers.load(id))!);
    expect((await store.query('behaviour', sealed.pseudonyms.behaviour)).items).toEqual([]);
  });
});
