/**
 * Forgetting, assembled: the cascade, receipts, erasure requests and their handler, legal holds and
 * retention (activity, TTL expiry, reminders). `createApp` spreads what this returns into the app.
 */
import type { AccessLog } from './access-log';
import { Cascade } from './cascade';
import type { ConsentSettings } from './consent';
import type { Customers } from './customers';
import { ErasureService } from './erasure';
import { ErasureSchedules } from './erasure-schedules';
import { LegalHolds } from './legal-hold';
import { NoticeSender } from './notices';
import type { Metrics } from './metrics';
import type { Clock, Log, Notifier, Scheduler, Store } from './ports';
import { Receipts } from './receipts';
import { DEFAULT_KEY_MARGIN_SECONDS, Retention } from './retention';
import type { Vault } from './vault';

export interface ForgettingSettings {
  /** Seconds between an erasure request and the erasure (default: the inventory's 30 days). */
  erasureGraceSeconds?: number;
  /** How long before retention ends or consent lapses the customer is reminded (default 30 days). */
  reminderLeadSeconds?: number;
  /** How much longer a customer key's TTL runs than the customer row's (default 7 days). */
  keyMarginSeconds?: number;
  consent?: ConsentSettings;
}

export interface ForgettingDeps {
  store: Store;
  clock: Clock;
  vault: Vault;
  customers: Customers;
  accessLog: AccessLog;
  notifier: Notifier;
  scheduler: Scheduler;
  log: Log;
  metrics?: Metrics;
}

export function createForgetting(deps: ForgettingDeps, settings: ForgettingSettings = {}) {
  const { store, clock, vault, customers, accessLog, log, metrics } = deps;
  const keyMarginSeconds = settings.keyMarginSeconds ?? DEFAULT_KEY_MARGIN_SECONDS;
  const cascade = new Cascade({ store, vault, customers, log });
  const receipts = new Receipts({ store, clock });
  const sender = new NoticeSender({ notifier: deps.notifier, clock, log });
  const erasure = new ErasureService(
    { store, clock, scheduler: deps.scheduler, log, customers, accessLog, receipts, cascade, notices: sender, metrics },
    { erasureGraceSeconds: settings.erasureGraceSeconds },
  );
  const legalHolds = new LegalHolds({ store, clock, vault, customers, accessLog, cascade, erasure, log, keyMarginSeconds });
  const retention = new Retention(
    { store, clock, log, cascade, holds: legalHolds, notices: sender, metrics },
    { reminderLeadSeconds: settings.reminderLeadSeconds, keyMarginSeconds, consent: settings.consent },
  );
  const erasureSchedules = new ErasureSchedules({ store, clock, scheduler: deps.scheduler, receipts, log });
  return { cascade, receipts, erasure, erasureSchedules, legalHolds, retention };
}
