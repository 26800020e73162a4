import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowCounts } from '../support/tables';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

let home: TestHome;
beforeAll(async () => {
  home = await startTestHome();
});
afterAll(async () => home?.close());

const create = (body: unknown, headers?: Record<string, string>) =>
  home.request('POST', '/v1/customers', { token: TOKENS.agent, body, headers });

describe('creating customers', () => {
  it('stores a name and an email and answers with a masked view only', async () => {
    const res = await create({ name: 'Alice Liddell', email: '  Alice.Liddell@Example.COM ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customerId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'A*** L***',
      contact: { type: 'email', masked: 'al***@ex***.com' },
      consent: { communications: { status: 'never' }, analytics: { status: 'never' } },
    });
    expect(res.text).not.toMatch(/liddell/i);
    expect(res.headers.get('location')).toBe(`/v1/customers/${res.body.customerId}`);
  });

  it('records communications consent given at creation, with its expiry', async () => {
    const res = await create({ name: 'Consenting Carol', email: 'carol@example.org', consent: { communications: true } });
    expect(res.status).toBe(201);
    expect(res.body.consent.communications.status).toBe('active');
    const granted = Date.parse(res.body.consent.communications.grantedAt);
    expect(Date.parse(res.body.consent.communications.expiresAt) - granted).toBe(365 * 86_400_000);
  });

  it('refuses a second customer with the same contact', async () => {
    await create({ name: 'Dup One', email: 'dup@example.com' });
    const res = await create({ name: 'Dup Two', email: 'DUP@example.com' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('contact_exists');
  });
});

describe('finding customers', () => {
  it('finds a customer by any formatting of the same phone number', async () => {
    const created = await create({ name: 'Bob Phone', phone: '+44 20 7946 0958' });
    expect(created.status).toBe(201);
    expect(created.body.contact).toEqual({ type: 'phone', masked: '+44********58' });
    for (const phone of ['+442079460958', '0044 20 7946 0958', '+44 (0)20-7946-0958', ' +44 20 79460958 ']) {
      const found = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { phone } });
      expect(found.status, phone).toBe(200);
      expect(found.body).toEqual({ customerId: created.body.customerId });
    }
  });

  it('finds a customer by email regardless of case and surrounding spaces', async () => {
    const created = await create({ name: 'Eve Case', email: 'eve.case@example.com' });
    const found = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: ' EVE.Case@EXAMPLE.com' } });
    expect(found.body).toEqual({ customerId: created.body.customerId });
  });

  it('answers 404 for a contact nobody has', async () => {
    const res = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'nobody@example.com' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('reading, revealing and the access log', () => {
  it('lets a privacy officer reveal with a purpose, and the reveal shows in the access log', async () => {
    const created = await create({ name: 'Grace Hopper', email: 'grace@example.com' });
    const id = created.body.customerId;

    const read = await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent });
    expect(read.status).toBe(200);
    expect(read.text).not.toContain('grace@example.com');

    const byAgent = await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.agent, body: { purpose: 'billing dispute' } });
    expect(byAgent.status).toBe(403);

    const noPurpose = await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: {} });
    expect(noPurpose.status).toBe(400);
    expect(noPurpose.body.errors).toEqual([expect.objectContaining({ field: 'purpose' })]);

    const revealed = await home.request('POST', `/v1/customers/${id}/reveal`, {
      token: TOKENS.officer,
      body: { purpose: 'billing dispute #42' },
    });
    expect(revealed.status).toBe(200);
    expect(revealed.body).toEqual({ name: 'Grace Hopper', email: 'grace@example.com' });

    const log = await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.officer });
    expect(log.status).toBe(200);
    const actions = log.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'read', 'reveal']));
    const reveal = log.body.items.find((e: { action: string }) => e.action === 'reveal');
    expect(reveal).toMatchObject({ actor: 'staff:staff-officer-1', role: 'privacy_officer', purpose: 'billing dispute #42' });
    expect(log.body.items.filter((e: { action: string }) => e.action === 'reveal')).toHaveLength(1);

    const agentLog = await home.request('GET', `/v1/customers/${id}/access-log`, { token: TOKENS.agent });
    expect(agentLog.status).toBe(403);
  });

  it('answers 404 for an unknown customer and 400 for an id that is not a UUID', async () => {
    expect((await home.request('GET', '/v1/customers/6f1c2b5e-8a7d-4c3b-9e2f-1a2b3c4d5e6f', { token: TOKENS.agent })).status).toBe(404);
    const bad = await home.request('GET', '/v1/customers/not-a-uuid', { token: TOKENS.agent });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('id');
  });
});

describe('changing a customer', () => {
  it('replaces the contact method: the old one no longer finds the customer', async () => {
    const created = await create({ name: 'Ada Lovelace', email: 'ada@example.com' });
    const id = created.body.customerId;
    const patched = await home.request('PATCH', `/v1/customers/${id}`, {
      token: TOKENS.officer,
      body: { phone: '+1 415 555 2671', name: 'Ada King', purpose: 'Customer moved, asked by phone' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'A*** K***', contact: { type: 'phone' } });
    expect((await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'ada@example.com' } })).status).toBe(
      404,
    );
    const byPhone = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { phone: '+14155552671' } });
    expect(byPhone.body.customerId).toBe(id);
    // The freed contact can be used by someone else.
    expect((await create({ name: 'Someone Else', email: 'ada@example.com' })).status).toBe(201);
  });

  it('refuses a patch that gives both contact methods', async () => {
    const created = await create({ name: 'Both Ways', email: 'both@example.com' });
    const res = await home.request('PATCH', `/v1/customers/${created.body.customerId}`, {
      token: TOKENS.officer,
      body: { email: 'a@example.com', phone: '+14155552672', purpose: 'Both given by mistake' },
    });
    expect(res.status).toBe(400);
  });
});

describe('idempotent creation', () => {
  it('returns the same customer for the same key and body, and refuses the key with another body', async () => {
    const headers = { 'idempotency-key': 'req-7f3a' };
    const first = await create({ name: 'Idem Potent', email: 'idem@example.com' }, headers);
    const again = await create({ name: 'Idem Potent', email: 'IDEM@example.com ' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.customerId).toBe(first.body.customerId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await create({ name: 'Someone Other', email: 'other@example.com' }, headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });
});

describe('bad input is refused with a clear problem and stores nothing', () => {
  const cases: [string, unknown, number, string, string[]][] = [
    ['an unknown field', { name: 'X Y', email: 'x@example.com', notes: 'likes cats' }, 400, 'unexpected_field', ['notes']],
    [
      'several unknown fields',
      { name: 'X Y', email: 'x@example.com', notes: 'n', dob: '1990-01-01' },
      400,
      'unexpected_field',
      ['notes', 'dob'],
    ],
    [
      'an unknown nested field',
      { name: 'X Y', email: 'x@example.com', consent: { marketing: true } },
      400,
      'unexpected_field',
      ['consent.marketing'],
    ],
    ['both contact methods', { name: 'X Y', email: 'x@example.com', phone: '+14155552671' }, 400, 'invalid_contact', ['email', 'phone']],
    ['no contact method', { name: 'X Y' }, 400, 'invalid_contact', ['email']],
    ['an empty name', { name: '   ', email: 'x@example.com' }, 400, 'validation_failed', ['name']],
    ['a name over 200 characters', { name: 'n'.repeat(201), email: 'x@example.com' }, 400, 'validation_failed', ['name']],
    ['a missing name', { email: 'x@example.com' }, 400, 'validation_failed', ['name']],
    ['a malformed email', { name: 'X Y', email: 'not-an-email' }, 400, 'validation_failed', ['email']],
    ['an impossible phone number', { name: 'X Y', phone: '+44 12' }, 400, 'validation_failed', ['phone']],
    ['a number as name', { name: 42, email: 'x@example.com' }, 400, 'validation_failed', ['name']],
    [
      'consent that is not boolean',
      { name: 'X Y', email: 'x@example.com', consent: { communications: 'yes' } },
      400,
      'validation_failed',
      ['consent.communications'],
    ],
    ['a JSON array', [1, 2], 400, 'validation_failed', ['(body)']],
  ];
  it.each(cases)('%s', async (_label, body, status, code, fields) => {
    const before = await rowCounts(home.dynamo);
    const res = await create(body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([...fields].sort());
    expect(res.text).not.toContain('x@example.com');
    expect(await rowCounts(home.dynamo)).toEqual(before);
  });

  it('refuses invalid JSON', async () => {
    const res = await home.request('POST', '/v1/customers', {
      token: TOKENS.agent,
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_json');
  });

  it('refuses a body over 64 KB with 413', async () => {
    const res = await create({ name: 'Big Body', email: 'big@example.com', padding: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('refuses a search with an unknown field', async () => {
    const res = await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: 'a@example.com', name: 'A' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'unexpected_field', errors: [{ field: 'name', message: 'unexpected field' }] });
  });
});

describe('staff authentication', () => {
  it('refuses a request without a token, or with an unknown token, with 401', async () => {
    expect((await home.request('POST', '/v1/customers', { body: { name: 'A B', email: 'ab@example.com' } })).status).toBe(401);
    const res = await home.request('POST', '/v1/customers', {
      token: 'wrong-token-0123456789',
      body: { name: 'A B', email: 'ab@example.com' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers unknown routes with 404 and wrong methods with 405, as problem+json', async () => {
    expect((await home.request('GET', '/v1/nothing-here')).status).toBe(404);
    const res = await home.request('DELETE', '/v1/customers', { token: TOKENS.admin });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('puts security headers on every response, errors included', async () => {
    for (const res of [await home.request('GET', '/v1/privacy/inventory'), await home.request('POST', '/v1/customers', { body: {} })]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});

describe('the local /dev routes', () => {
  it('move the clock only for a JSON request, so a web page cannot do it with a simple form post', async () => {
    const form = await home.request('POST', '/dev/clock', { rawBody: '{"advanceSeconds":1}', headers: { 'content-type': 'text/plain' } });
    expect(form.status).toBe(415);
    const before = Date.parse((await home.request('POST', '/dev/clock', { body: { advanceSeconds: 0 } })).body.now);
    const after = await home.request('POST', '/dev/clock', { body: { advanceSeconds: 3600 } });
    expect(after.status).toBe(200);
    expect(Date.parse(after.body.now) - before).toBeGreaterThanOrEqual(3600_000);
    expect((await home.request('POST', '/dev/clock', { body: { advanceSeconds: -5 } })).status).toBe(400);
  });
});
