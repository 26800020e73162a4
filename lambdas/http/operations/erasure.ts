/** Thin operations of the forgetting routes: parsed input → use case → result. */
import type { Operations } from '../operation';
import { requireStaff } from './util';

export const erasureOperations: Operations = {
  requestErasure: async (req, app) => ({ status: 202, body: await app.erasure.request(requireStaff(req), req.params.id) }),
  cancelErasure: async (req, app) => ({ status: 200, body: await app.erasure.cancel(requireStaff(req), req.params.id) }),
  placeLegalHold: async (req, app) => ({
    status: 200,
    body: await app.legalHolds.place(requireStaff(req), req.params.id, req.body.reason),
  }),
  liftLegalHold: async (req, app) => ({ status: 200, body: await app.legalHolds.lift(requireStaff(req), req.params.id, req.body.reason) }),
  getErasureReceipt: async (req, app) => ({ status: 200, body: await app.erasure.receipt(req.params.receiptId) }),
};
