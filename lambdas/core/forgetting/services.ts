/**
 * Forgetting, assembled: the cascade, receipts, erasure (requests, the run, re-applying the ledger),
 * legal holds and retention (activity, TTL expiry, reminders). `createApp` spreads what this returns
 * into the app.
 */
import type { Customers } from '../customer/customers';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessLog } from '../shared/access-log';
import type { Metrics } from '../shared/metrics';
import type { Clock, Log, Notifier, Scheduler, Store } from '../shared/ports';
import type { Vault } from '../shared/vault';
import { Cascade } from './cascade';
import { ErasureReapply } from './erasure-reapply';
import { ErasureRequests } from './erasure-requests';
import { ErasureRun } from './erasure-run';
import { ErasureSchedules } from './erasure-schedules';
import { LegalHolds } from './legal-hold';
import { NoticeSender } from './notices';
import { Receipts } from './receipts';
import { Retention } from './retention';

export interface ForgettingDeps {
  store: Store;
  clock: Clock;
  policy: RetentionPolicy;
  vault: Vault;
  customers: Customers;
  accessLog: AccessLog;
  notifier: Notifier;
  scheduler: Scheduler;
  log: Log;
  /** Called once a customer is erased (by request or TTL expiry), after their last row is gone. */
  onErased?: (customerId: string) => Promise<void>;
  metrics?: Metrics;
}

export function createForgetting(deps: ForgettingDeps) {
  const { store, clock, policy, vault, customers, accessLog, scheduler, log, metrics } = deps;
  const cascade = new Cascade({ store, vault, customers, log, onErased: deps.onErased });
  const receipts = new Receipts({ store, clock, policy });
  const notices = new NoticeSender({ notifier: deps.notifier, clock, policy, log });
  const erasure = new ErasureRequests({ store, clock, scheduler, policy, customers, accessLog, receipts, cascade, notices, metrics });
  const erasureRun = new ErasureRun({ store, clock, scheduler, log, policy, receipts, cascade, notices, metrics });
  const erasureReapply = new ErasureReapply({ store, clock, receipts, cascade, run: erasureRun });
  const legalHolds = new LegalHolds({ store, clock, policy, vault, customers, accessLog, cascade, erasure: erasureRun, log });
  const retention = new Retention({ store, clock, policy, log, cascade, holds: legalHolds, notices, metrics });
  const erasureSchedules = new ErasureSchedules({ store, clock, scheduler, receipts, log });
  return { cascade, receipts, erasure, erasureRun, erasureReapply, erasureSchedules, legalHolds, retention };
}
