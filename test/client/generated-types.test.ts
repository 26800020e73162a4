/** The committed client types match the document the API serves today. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, clientTypesModule } from '../../client/generate';
import { startTestHome } from '../support/home';

describe('client/schema.generated.ts', () => {
  it('is what openapi-typescript makes of the served /v1/openapi.json', async () => {
    const home = await startTestHome();
    let doc: unknown;
    try {
      const res = await home.request('GET', '/v1/openapi.json');
      expect(res.status).toBe(200);
      doc = res.body;
    } finally {
      await home.close();
    }
    const expected = await clientTypesModule(doc as Parameters<typeof clientTypesModule>[0]);
    const committed = readFileSync(CLIENT_TYPES_PATH, 'utf8');
    // Not toBe: a 3,000-line diff would bury the one thing to do.
    if (committed !== expected) {
      expect.fail('client/schema.generated.ts is stale (the OpenAPI document changed): run npm run client:generate, and commit it.');
    }
  });
});
