import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../lambdas/core/policy/retention-policy';
import { textsOf } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';
import { accessActions, expectRefusedWritingNothing, newCustomer, nowEpoch, rawRows } from './helpers';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(async () => home?.close());

const post = (id: string, body: unknown, token: string = TOKENS.agent) =>
  home.request('POST', `/v1/customers/${id}/interactions`, { token, body });
const list = (id: string, token: string = TOKENS.agent) => home.request('GET', `/v1/customers/${id}/interactions`, { token });

describe('interactions', () => {
  it('logs a support contact and lists it back, summary decrypted, newest first', async () => {
    const id = await newCustomer(home);
    const older = new Date(home.clock.now().getTime() - 3 * 86_400_000).toISOString();
    const newer = new Date(home.clock.now().getTime() - 86_400_000).toISOString();
    const a = await post(id, { channel: 'email', summary: '  Refund request for a broken kettle  ', occurredAt: older });
    expect(a.status, a.text).toBe(201);
    expect(a.body).toMatchObject({
      channel: 'email',
      summary: 'Refund request for a broken kettle',
      occurredAt: older,
      recordedBy: 'staff:staff-agent-1',
    });
    const b = await post(id, { channel: 'chat', occurredAt: newer });
    expect(b.status).toBe(201);
    expect(b.body.summary).toBeUndefined();

    const res = await list(id);
    expect(res.status).toBe(200);
    const mine = res.body.items.filter((i: { interactionId: string }) =>
      [a.body.interactionId, b.body.interactionId].includes(i.interactionId),
    );
    expect(mine.map((i: { channel: string }) => i.channel)).toEqual(['chat', 'email']);
    expect(mine[1]).toEqual(a.body);
    expect(mine[0]).toEqual(b.body);
  });

  it('defaults occurredAt to now and sets the TTL the inventory gives interactions', async () => {
    const id = await newCustomer(home);
    const before = nowEpoch(home);
    const res = await post(id, { channel: 'in_person', summary: 'Came to the shop' });
    const after = nowEpoch(home);
    expect(res.status).toBe(201);
    expect(Math.abs(Date.parse(res.body.occurredAt) - home.clock.now().getTime())).toBeLessThan(10_000);

    const row = (await rawRows(home, 'interactions')).find((r) => r.interactionId.S === res.body.interactionId)!;
    const ttl = Number(row.expiresAt.N);
    const retention = DEFAULT_POLICY.category('interactions').retention.seconds;
    expect(retention).toBe(365 * 86_400);
    expect(ttl).toBeGreaterThanOrEqual(before + retention);
    expect(ttl).toBeLessThanOrEqual(after + retention);
    expect(Date.parse(res.body.expiresAt)).toBe(ttl * 1000);
  });

  it('stores the summary only encrypted, under a row key that is not the customer id', async () => {
    const id = await newCustomer(home);
    const res = await post(id, { channel: 'phone', summary: 'Complained about the zebra-striped umbrella' });
    const row = (await rawRows(home, 'interactions')).find((r) => r.interactionId.S === res.body.interactionId)!;
    expect(row.summary.B).toBeInstanceOf(Uint8Array);
    const texts = Object.values(row).flatMap(textsOf).join(' ');
    expect(texts).not.toContain('zebra');
    expect(texts).not.toContain(id);
    expect(row.pseudonym.S).not.toBe(id);
    expect(Object.keys(row)).not.toContain('customerId');
  });

  it('hides interactions past their TTL even before DynamoDB deletes them', async () => {
    const id = await newCustomer(home);
    const res = await post(id, { channel: 'chat' });
    expect(res.status).toBe(201);
    home.clock.advance(366 * 86_400);
    try {
      const listed = await list(id);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((i: { interactionId: string }) => i.interactionId)).not.toContain(res.body.interactionId);
      expect((await rawRows(home, 'interactions')).some((r) => r.interactionId.S === res.body.interactionId)).toBe(true);
    } finally {
      home.clock.advance(-366 * 86_400);
    }
  });

  it("writes every staff read of the interactions to the customer's access log", async () => {
    const id = await newCustomer(home);
    await post(id, { channel: 'email' });
    await list(id, TOKENS.agent);
    await list(id, TOKENS.admin);
    const log = await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer });
    const reads = log.body.items.filter((e: { action: string }) => e.action === 'read_interactions');
    expect(reads.map((e: { actor: string }) => e.actor).sort()).toEqual(['staff:staff-admin-1', 'staff:staff-agent-1']);
    expect(await accessActions(home, id)).toContain('read_interactions');
  });

  it('answers 404 for an unknown customer and 401 without a token', async () => {
    expect((await post('6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f', { channel: 'email' })).status).toBe(404);
    expect((await list('6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f')).status).toBe(404);
    const id = await newCustomer(home);
    expect((await home.request('POST', `/v1/customers/${id}/interactions`, { body: { channel: 'email' } })).status).toBe(401);
  });
});

describe('bad interactions are refused with a problem naming the field, and nothing is stored', () => {
  const future = () => new Date(Date.now() + 86_400_000).toISOString();
  const cases: [string, () => unknown, string, string[]][] = [
    ['an unknown channel', () => ({ channel: 'carrier_pigeon' }), 'validation_failed', ['channel']],
    ['a missing channel', () => ({ summary: 'x' }), 'validation_failed', ['channel']],
    ['a summary over 500 characters', () => ({ channel: 'email', summary: 's'.repeat(501) }), 'validation_failed', ['summary']],
    ['a blank summary', () => ({ channel: 'email', summary: '    ' }), 'validation_failed', ['summary']],
    ['a summary that is not text', () => ({ channel: 'email', summary: 42 }), 'validation_failed', ['summary']],
    ['an occurredAt that is no date', () => ({ channel: 'email', occurredAt: 'yesterday' }), 'validation_failed', ['occurredAt']],
    [
      'an occurredAt without time zone',
      () => ({ channel: 'email', occurredAt: '2024-05-01T10:00:00' }),
      'validation_failed',
      ['occurredAt'],
    ],
    ['an occurredAt in the future', () => ({ channel: 'email', occurredAt: future() }), 'validation_failed', ['occurredAt']],
    [
      'an occurredAt older than the retention',
      () => ({ channel: 'email', occurredAt: '2001-01-01T00:00:00Z' }),
      'validation_failed',
      ['occurredAt'],
    ],
    ['an unknown field', () => ({ channel: 'email', customerName: 'Alice' }), 'unexpected_field', ['customerName']],
  ];
  it.each(cases)('%s', async (_label, body, code, fields) => {
    const id = await newCustomer(home);
    await expectRefusedWritingNothing(home, () => post(id, body()), code, fields);
  });
});
