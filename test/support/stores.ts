/** Pass-through wrappers around the ports, for tests that slow down, fail or watch a few calls. */
import type { KeyService, Store } from '../../lambdas/core/shared/ports';

/** A Store that forwards every method to `inner`, except those given in `overrides`. */
export function wrapStore(inner: Store, overrides: Partial<Store> = {}): Store {
  return {
    get: (t, k, o) => inner.get(t, k, o),
    put: (t, i, c) => inner.put(t, i, c),
    delete: (t, k, c) => inner.delete(t, k, c),
    query: (t, p, o) => inner.query(t, p, o),
    queryIndex: (t, i, v, o) => inner.queryIndex(t, i, v, o),
    scan: (t, o) => inner.scan(t, o),
    ...overrides,
  };
}

/** A KeyService that calls `before(operation)` first (it may throw, failing the call) and then forwards to `inner`. */
export function tapKeys(inner: KeyService, before: (op: keyof KeyService) => void): KeyService {
  return {
    generateDataKey: async (c) => (before('generateDataKey'), inner.generateDataKey(c)),
    unwrapDataKey: async (w, c) => (before('unwrapDataKey'), inner.unwrapDataKey(w, c)),
    ...(inner.mac ? { mac: async (m: Uint8Array) => (before('mac'), inner.mac!(m)) } : {}),
  };
}
