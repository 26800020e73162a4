/**
 * The application: domain services built from injected ports. Each home (Lambda, local server, tests)
 * builds its ports and calls `createApp` once; nothing here knows which home it runs in.
 */
import { AccessLog } from './access-log';
import { createCategoryServices } from './categories';
import { createForgetting, type ForgettingSettings } from './forgetting';
import { Customers, type CustomerSettings } from './customers';
import { GuardedStore, type WriteObserver } from './guarded-store';
import { NO_METRICS, type Metrics } from './metrics';
import type { Clock, FieldCipher, KeyService, Log, Notifier, Scheduler, Store } from './ports';
import { createPortalServices, type PortalSettings } from './portal-services';
import { Vault, type VaultOptions } from './vault';

export interface Ports {
  store: Store;
  keys: KeyService;
  cipher: FieldCipher;
  clock: Clock;
  notifier: Notifier;
  scheduler: Scheduler;
  log: Log;
  /** Business event counts (EMF in AWS); none when absent. */
  metrics?: Metrics;
}

export interface Settings extends CustomerSettings {
  vault?: VaultOptions;
  portal?: PortalSettings;
  forgetting?: ForgettingSettings;
  /** Test hook: sees the attribute names of every write (the inventory guard test). */
  observeWrites?: WriteObserver;
}

export function createApp(ports: Ports, settings: Settings = {}) {
  const store = new GuardedStore(ports.store, settings.observeWrites);
  const metrics = ports.metrics ?? NO_METRICS;
  const vault = new Vault({ store, keys: ports.keys, cipher: ports.cipher, clock: ports.clock }, settings.vault);
  const accessLog = new AccessLog({ store, vault, clock: ports.clock });
  const customers = new Customers({ store, vault, clock: ports.clock, accessLog, settings, metrics });
  const forgetting = createForgetting(
    { store, clock: ports.clock, vault, customers, accessLog, notifier: ports.notifier, scheduler: ports.scheduler, log: ports.log,
      metrics },
    settings.forgetting,
  );
  // Activity (interaction, purchase, consent change, portal sign-in) extends retention.
  const onActivity = forgetting.retention.onActivity;
  const categories = createCategoryServices({ store, vault, cipher: ports.cipher, clock: ports.clock, customers, accessLog, onActivity });
  const portal = createPortalServices(
    { store, vault, clock: ports.clock, notifier: ports.notifier, log: ports.log, metrics, customers, accessLog, ...categories,
      onSignIn: onActivity },
    settings,
  );
  return { ports: { ...ports, store, metrics }, settings, vault, accessLog, customers, ...categories, ...portal, ...forgetting };
}

export type App = ReturnType<typeof createApp>;
