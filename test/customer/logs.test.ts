import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lambdas/adapters/logger';
import { capturePrintedInFile } from '../support/capture';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

const SECRETS = ['Ludwig Wittgenstein', 'ludwig@tractatus.example', '+43 1 58801 0', '+431588010', 'tractatus', 'see the ledger please'];

// Capture everything the process prints, whatever prints it.
const printed = capturePrintedInFile();
let home: TestHome;
beforeAll(async () => {
  home = await startTestHome({ log: createLogger('privacy-crm-test', 'DEBUG') });
});
afterAll(async () => home?.close());

describe('logs', () => {
  it('a full staff flow, with errors, prints request lines but never a personal value', async () => {
    const created = await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: SECRETS[0], email: SECRETS[1] } });
    expect(created.status).toBe(201);
    const id = created.body.customerId;
    await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { email: SECRETS[1] } });
    await home.request('GET', `/v1/customers/${id}`, { token: TOKENS.agent });
    await home.request('POST', `/v1/customers/${id}/reveal`, { token: TOKENS.officer, body: { purpose: SECRETS[5] } });
    await home.request('PATCH', `/v1/customers/${id}`, { token: TOKENS.officer, body: { phone: SECRETS[2], purpose: SECRETS[5] } });
    await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: SECRETS[0], email: SECRETS[1], note: SECRETS[4] } });
    await home.request('POST', '/v1/customers', { token: TOKENS.agent, body: { name: SECRETS[0], phone: 'not a phone tractatus' } });
    await home.request('POST', '/v1/customers/search', { token: TOKENS.agent, body: { phone: SECRETS[3] } });

    const all = printed.join('');
    expect(all).toContain('"message":"request"'); // the capture works and the logger wrote
    expect(all).toContain('POST /v1/customers');
    for (const s of SECRETS) expect(all.toLowerCase()).not.toContain(s.toLowerCase());
  });
});
