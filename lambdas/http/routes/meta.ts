import * as z from 'zod';
import { Inventory } from '../schemas';
import type { RouteDef } from '../route';

export const metaRoutes: readonly RouteDef[] = [
  {
    operationId: 'getInventory',
    method: 'GET',
    path: '/v1/privacy/inventory',
    auth: 'public',
    summary: 'The data inventory: every category held, why, on which legal basis, for how long.',
    responses: [{ status: 200, description: 'Inventory.', schema: Inventory }],
    tags: ['privacy'],
  },
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    auth: 'public',
    summary: 'This document.',
    responses: [{ status: 200, description: 'OpenAPI 3.1 document.', schema: z.object({ openapi: z.literal('3.1.0') }).loose() }],
    tags: ['meta'],
  },
];
