/** Thin operations for the data categories: parsed input → use case → result. */
import type { Operations } from '../operation';
import { requireStaff } from './util';

export const categoryOperations: Operations = {
  createInteraction: async (req, app) => ({ status: 201, body: await app.interactions.create(requireStaff(req), req.params.id, req.body) }),
  listInteractions: async (req, app) => ({ status: 200, body: await app.interactions.list(requireStaff(req), req.params.id, req.query) }),
  createPurchase: async (req, app) => {
    const { purchase, replayed } = await app.purchases.create(requireStaff(req), req.params.id, req.body, req.headers['idempotency-key']);
    return { status: 201, body: purchase, headers: replayed ? { 'idempotent-replayed': 'true' } : undefined };
  },
  listPurchases: async (req, app) => ({ status: 200, body: await app.purchases.list(requireStaff(req), req.params.id, req.query) }),
  recordEvent: async (req, app) => ({ status: 202, body: await app.behaviour.record(requireStaff(req), req.params.id, req.body) }),
  setConsent: async (req, app) => {
    const { source, ...change } = req.body;
    return { status: 200, body: await app.consent.set(requireStaff(req), req.params.id, change, source) };
  },
};
