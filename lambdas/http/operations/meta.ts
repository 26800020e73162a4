import { publicInventory } from '../../core/policy/inventory';
import { openApiDocument } from '../openapi';
import type { Operations } from '../operation';

export const metaOperations: Operations = {
  getInventory: async () => ({ status: 200, body: publicInventory(), headers: { 'cache-control': 'public, max-age=300' } }),
  getOpenApi: async () => ({ status: 200, body: openApiDocument() }),
};
