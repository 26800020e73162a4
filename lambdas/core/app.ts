/**
 * The application: domain services built from injected ports. Each home (Lambda, local server, tests)
 * builds its ports and calls `createApp` once; nothing here knows which home it runs in.
 */
import { AccessLog } from './shared/access-log';
import { createCategoryServices } from './categories/services';
import { createForgetting, type ForgettingSettings } from './forgetting/services';
import { Customers, type CustomerSettings } from './customer/customers';
import { GuardedStore, type WriteObserver } from './shared/guarded-store';
import type { Clock, FieldCipher, KeyService, Log, Notifier, Scheduler, Store } from './shared/ports';
import { createPortalServices, type PortalSettings } from './portal/services';
import { Vault, type VaultOptions } from './shared/vault';

export interface Ports {
  store: Store;
  keys: KeyService;
  cipher: FieldCipher;
  clock: Clock;
  notifier: Notifier;
  scheduler: Scheduler;
  log: Log;
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
  const vault = new Vault({ store, keys: ports.keys, cipher: ports.cipher, clock: ports.clock }, settings.vault);
  const accessLog = new AccessLog({ store, vault, clock: ports.clock });
  const customers = new Customers({ store, vault, clock: ports.clock, accessLog, settings });
  const forgetting = createForgetting(
    { store, clock: ports.clock, vault, customers, accessLog, notifier: ports.notifier, scheduler: ports.scheduler, log: ports.log },
    settings.forgetting,
  );
  // Activity (interaction, purchase, consent change, portal sign-in) extends retention.
  const onActivity = forgetting.retention.onActivity;
  const categories = createCategoryServices({ store, vault, cipher: ports.cipher, clock: ports.clock, customers, accessLog, onActivity });
  const portal = createPortalServices({ store, vault, clock: ports.clock, notifier: ports.notifier, log: ports.log, customers, accessLog, ...categories, onSignIn: onActivity }, settings);
  return { ports: { ...ports, store }, settings, vault, accessLog, customers, ...categories, ...portal, ...forgetting };
}

export type App = ReturnType<typeof createApp>;
