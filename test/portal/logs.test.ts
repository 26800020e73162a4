import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lambdas/adapters/logger';
import { capturePrintedInFile } from '../support/capture';
import { TOKENS, type TestHome } from '../support/home';
import { lastCode, startPortalHome } from './support';

const printed = capturePrintedInFile();
let home: TestHome;
beforeAll(async () => {
  home = await startPortalHome({}, { log: createLogger('privacy-crm-test', 'DEBUG') });
});
afterAll(async () => home?.close());

describe('portal logs', () => {
  it('a whole portal visit, with wrong codes and a failed delivery, logs no contact, code, token or client address', async () => {
    const email = 'wittgenstein@tractatus.example';
    const created = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: 'Ludwig Portal', email } });
    expect(created.status).toBe(201);
    await home.request('POST', '/v1/portal/login', { body: { email } });
    await home.request('POST', '/v1/portal/login', { body: { email: 'stranger@tractatus.example' } });
    await home.request('POST', '/v1/portal/verify', { body: { email, code: '999999' } });
    const code = lastCode(home, email)!;
    const session = await home.request('POST', '/v1/portal/verify', { body: { email, code } });
    const token = session.body.token as string;
    for (const [method, path] of [
      ['GET', '/v1/me'],
      ['GET', '/v1/me/export'],
      ['GET', '/v1/me/access-log'],
      ['POST', '/v1/me/erasure'],
      ['DELETE', '/v1/me/erasure'],
    ]) {
      expect((await home.request(method, path, { token })).status).toBeLessThan(300);
    }
    await home.request('PUT', '/v1/me/consent', { token, body: { analytics: true } });
    await home.request('POST', '/v1/portal/logout', { token });

    // A delivery failure is logged (so ops can see it) but the answer stays 202.
    const send = home.outbox.send;
    home.outbox.send = async () => {
      throw new Error(`SES refused ${email}`);
    };
    try {
      expect((await home.request('POST', '/v1/portal/login', { body: { email } })).status).toBe(202);
    } finally {
      home.outbox.send = send;
    }

    const all = printed.join('');
    expect(all).toContain('POST /v1/portal/verify');
    expect(all).toContain('sign-in code not delivered');
    for (const secret of [email, 'tractatus', code, token, 'Ludwig', '127.0.0.1'])
      expect(all.toLowerCase(), secret).not.toContain(secret.toLowerCase());
  });
});
