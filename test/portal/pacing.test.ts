/**
 * Guessing sign-in codes slowly: wrong codes count per contact over a rolling day, codes sent are capped
 * per day, and every answer is the same for a contact that belongs to a customer and one that does not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../lambdas/core/shared/ports';
import type { TestHome, TestResponse } from '../support/home';
import { wrapStore } from '../support/stores';
import { createCustomer, lastCode, messagesTo, startPortalHome } from './support';

const MIN = 60;
const HOUR = 3600;

let home: TestHome | undefined;
afterEach(async () => home?.close());

/** A home whose store records each operation on the sessions table (op and row kind), for one contact at a time. */
async function recordingHome(signIn = {}) {
  const ops: string[] = [];
  const recording = (inner: Store): Store =>
    wrapStore(inner, {
      get: async (t, k, o) => (t === 'sessions' && ops.push(`get ${String(k.id).split('#')[0]}`), inner.get(t, k, o)),
      put: async (t, i, c) => (t === 'sessions' && ops.push(`put ${String(i.id).split('#')[0]}`), inner.put(t, i, c)),
      delete: async (t, k, c) => (t === 'sessions' && ops.push(`delete ${String(k.id).split('#')[0]}`), inner.delete(t, k, c)),
    });
  home = await startPortalHome({ signIn }, { wrapStore: recording });
  return { home, ops };
}

/**
 * What a client can tell apart: status, body, and every header but the date. Retry-After counts down
 * on the real clock, so it is kept apart (`retryAfter`) and compared to the second.
 */
function observable(r: TestResponse) {
  const headers: [string, string][] = [];
  r.headers.forEach((value, name) => {
    if (name !== 'date') headers.push([name, name === 'retry-after' ? '(seconds)' : value]);
  });
  const retryAfter = r.headers.get('retry-after');
  return { status: r.status, body: r.body, headers, retryAfter: retryAfter === null ? undefined : Number(retryAfter) };
}

/** Two answers alike but for Retry-After, which may differ by the seconds between the two requests. */
function expectAlike(a: ReturnType<typeof observable>[], b: ReturnType<typeof observable>[]) {
  const strip = (xs: ReturnType<typeof observable>[]) =>
    xs.map(({ retryAfter, ...rest }) => ({ ...rest, hasRetryAfter: retryAfter !== undefined }));
  expect(strip(a)).toEqual(strip(b));
  for (const [i, x] of a.entries()) expect(Math.abs((x.retryAfter ?? 0) - (b[i].retryAfter ?? 0))).toBeLessThanOrEqual(5);
}

describe('wrong codes paced under the per-code limit', () => {
  it('4 per 10-minute window, window after window, lock the contact by the 10th in 24 h: same answers and work, known or not', async () => {
    const { home, ops } = await recordingHome();
    await createCustomer(home, { name: 'Paced Pia', email: 'pia@example.com' });
    const seen: Record<string, { answers: ReturnType<typeof observable>[]; work: string[][] }> = {};
    for (const email of ['pia@example.com', 'nobody-pia@example.com']) seen[email] = { answers: [], work: [] };

    for (let window = 0; window < 4; window++) {
      for (const email of Object.keys(seen)) {
        const login = await home.request('POST', '/v1/portal/login', { body: { email } });
        seen[email].answers.push(observable(login));
        for (let i = 0; i < 4; i++) {
          const code = lastCode(home, email);
          const wrong = code === '000000' ? '111111' : '000000';
          ops.length = 0;
          const res = await home.request('POST', '/v1/portal/verify', { body: { email, code: wrong } });
          seen[email].work.push([...ops]);
          seen[email].answers.push(observable(res));
        }
      }
      home.clock.advance(10 * MIN + 1);
    }

    const known = seen['pia@example.com'];
    const unknown = seen['nobody-pia@example.com'];
    const statuses = known.answers.map((a) => a.status);
    // Per window: login, then 4 verifies. 10 wrong codes answer 401; from the 11th on, 429, logins too.
    expect(statuses).toEqual([202, 401, 401, 401, 401, 202, 401, 401, 401, 401, 202, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    const locked = known.answers.find((a) => a.status === 429)!;
    const retryAfter = locked.retryAfter!;
    // Locked until the first wrong code leaves the 24 hours: not the 576 guesses a day of fixed windows.
    expect(retryAfter).toBeGreaterThan(23 * HOUR);
    expect(locked.body.code).toBe('rate_limited');

    expectAlike(unknown.answers, known.answers);
    // The time class: the same operations on the same rows, in the same order, for every verify.
    expect(unknown.work).toEqual(known.work);

    // The lock holds until then, however the clock is paced.
    home.clock.advance(12 * HOUR);
    expect((await home.request('POST', '/v1/portal/login', { body: { email: 'pia@example.com' } })).status).toBe(429);
    expect(messagesTo(home, 'pia@example.com')).toHaveLength(3);
  });

  it('lets the owner sign in again once the day has passed, and a further lock lasts longer than the first', async () => {
    ({ home } = await recordingHome());
    await createCustomer(home, { name: 'Second Sid', email: 'sid@example.com' });
    const login = () => home!.request('POST', '/v1/portal/login', { body: { email: 'sid@example.com' } });
    const verify = (code: string) => home!.request('POST', '/v1/portal/verify', { body: { email: 'sid@example.com', code } });
    const wrongFor = (code: string | undefined) => (code === '000000' ? '111111' : '000000');

    // Five wrong in one code window: the first lock, 15 minutes.
    await login();
    for (let i = 0; i < 5; i++) expect((await verify(wrongFor(lastCode(home, 'sid@example.com')))).status).toBe(401);
    const first = await verify('123456');
    expect(first.status).toBe(429);
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(15 * MIN - 5);
    expect(Number(first.headers.get('retry-after'))).toBeLessThanOrEqual(15 * MIN);

    // Five more after it: ten in the day, and a second lock that lasts longer.
    home.clock.advance(15 * MIN + 1);
    await login();
    for (let i = 0; i < 5; i++) expect((await verify(wrongFor(lastCode(home, 'sid@example.com')))).status).toBe(401);
    const second = await verify('123456');
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(20 * MIN);

    home.clock.advance(Number(second.headers.get('retry-after')) + 1);
    expect((await login()).status).toBe(202);
    expect((await verify(lastCode(home, 'sid@example.com')!)).status).toBe(200);
  });
});

describe('codes sent per contact', () => {
  it('are capped per day, known or not, with 429 and a Retry-After of up to a day', async () => {
    ({ home } = await recordingHome({
      perContact: { limit: 1_000, windowSeconds: 900 },
      perContactDaily: { limit: 4, windowSeconds: 86_400 },
    }));
    await createCustomer(home, { name: 'Daily Dora', email: 'dora@example.com' });
    const answers: Record<string, ReturnType<typeof observable>[]> = { 'dora@example.com': [], 'nobody-dora@example.com': [] };
    for (let i = 0; i < 5; i++) {
      for (const email of Object.keys(answers))
        answers[email].push(observable(await home.request('POST', '/v1/portal/login', { body: { email } })));
      home.clock.advance(20 * MIN);
    }
    const known = answers['dora@example.com'];
    expect(known.map((a) => a.status)).toEqual([202, 202, 202, 202, 429]);
    const retryAfter = known[4].retryAfter!;
    expect(retryAfter).toBeGreaterThan(HOUR);
    expect(retryAfter).toBeLessThanOrEqual(24 * HOUR);
    expectAlike(answers['nobody-dora@example.com'], known);
    expect(messagesTo(home, 'dora@example.com')).toHaveLength(4);

    home.clock.advance(24 * HOUR);
    expect((await home.request('POST', '/v1/portal/login', { body: { email: 'dora@example.com' } })).status).toBe(202);
    expect(messagesTo(home, 'dora@example.com')).toHaveLength(5);
  });
});
