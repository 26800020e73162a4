/** Thin operations: parsed input → use case → result. Status codes for errors come from the mapper. */
import type { Operations } from '../operation';
import { requireStaff } from './util';

export const customerOperations: Operations = {
  createCustomer: async (req, app) => {
    const { customer, replayed } = await app.customers.create(requireStaff(req), req.body, req.headers['idempotency-key']);
    return {
      status: 201,
      body: customer,
      headers: { location: `/v1/customers/${customer.customerId}`, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) },
    };
  },
  searchCustomer: async (req, app) => ({ status: 200, body: await app.customers.search(requireStaff(req), req.body) }),
  getCustomer: async (req, app) => ({ status: 200, body: await app.customers.get(requireStaff(req), req.params.id) }),
  patchCustomer: async (req, app) => ({ status: 200, body: await app.customers.patch(requireStaff(req), req.params.id, req.body) }),
  revealCustomer: async (req, app) => ({
    status: 200,
    body: await app.customers.reveal(requireStaff(req), req.params.id, req.body.purpose),
  }),
  getAccessLog: async (req, app) => ({ status: 200, body: await app.customers.accessLog(requireStaff(req), req.params.id, req.query) }),
};
