import { openApiDocument } from '../openapi';
import type { Operations } from '../operation';

export const metaOperations: Operations = {
  getInventory: async (_req, app) => ({
    status: 200,
    body: app.policy.publicInventory(),
    headers: { 'cache-control': 'public, max-age=300' },
  }),
  getOpenApi: async () => ({ status: 200, body: openApiDocument() }),
};
