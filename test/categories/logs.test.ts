import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lambdas/adapters/logger';
import { capturePrintedInFile } from '../support/capture';
import { startTestHome, TOKENS, type TestHome } from '../support/home';

const SECRETS = [
  'Hypatia Alexandrina',
  'hypatia@library.example',
  'astrolabe-repair-secret',
  'token=Zm9vYmFyYmF6',
  'the conic sections dispute',
];

const printed = capturePrintedInFile();
let home: TestHome;
beforeAll(async () => {
  home = await startTestHome({ log: createLogger('privacy-crm-test', 'DEBUG') });
});
afterAll(async () => home?.close());

describe('logs of the data categories', () => {
  it('interactions, purchases, events and consent, good and bad, print request lines but never a personal value', async () => {
    const agent = { token: TOKENS.agent };
    const created = await home.request('POST', '/v1/customers', { ...agent, body: { name: SECRETS[0], email: SECRETS[1] } });
    const id = created.body.customerId;
    // 409: no consent yet
    await home.request('POST', `/v1/customers/${id}/events`, { ...agent, body: { type: 'page_view', path: `/x?${SECRETS[3]}` } });
    await home.request('PUT', `/v1/customers/${id}/consent`, { ...agent, body: { analytics: true, source: 'chat' } });
    await home.request('PUT', `/v1/customers/${id}/consent`, { ...agent, body: { analytics: true, source: SECRETS[4] } });
    await home.request('POST', `/v1/customers/${id}/events`, {
      ...agent,
      body: { type: 'page_view', path: `/x?${SECRETS[3]}#${SECRETS[1]}` },
    });
    await home.request('POST', `/v1/customers/${id}/events`, {
      ...agent,
      body: { type: 'page_view', path: `https://evil.example/${SECRETS[1]}` },
    });
    await home.request('POST', `/v1/customers/${id}/interactions`, { ...agent, body: { channel: 'email', summary: SECRETS[2] } });
    await home.request('POST', `/v1/customers/${id}/interactions`, { ...agent, body: { channel: SECRETS[2], summary: SECRETS[4] } });
    await home.request('POST', `/v1/customers/${id}/interactions`, {
      ...agent,
      body: { channel: 'email', summary: `${SECRETS[4]} `.repeat(40) },
    });
    await home.request('GET', `/v1/customers/${id}/interactions`, agent);
    await home.request('POST', `/v1/customers/${id}/purchases`, {
      ...agent,
      body: { currency: 'EUR', items: [{ sku: SECRETS[0], quantity: 1, unitPriceMinor: 1 }] },
    });
    await home.request('POST', `/v1/customers/${id}/purchases`, {
      ...agent,
      body: { currency: 'EUR', items: [{ sku: 'A1', quantity: 1, unitPriceMinor: 1 }], note: SECRETS[4] },
    });

    const all = printed.join('');
    expect(all).toContain('"message":"request"');
    expect(all).toContain('/v1/customers/{id}/interactions');
    for (const s of SECRETS) expect(all.toLowerCase()).not.toContain(s.toLowerCase());
  });
});
