/**
 * The application: domain services built from injected ports. Each home (Lambda, local server, tests)
 * builds its ports and calls `createApp` once; nothing here knows which home it runs in.
 */
import { AccessLog } from './access-log';
import { Customers, type CustomerSettings } from './customers';
import { GuardedStore, type WriteObserver } from './guarded-store';
import type { Clock, FieldCipher, KeyService, Log, Notifier, Scheduler, Store } from './ports';
import { Vault, type VaultOptions } from './vault';

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
  /** Test hook: sees the attribute names of every write (the inventory guard test). */
  observeWrites?: WriteObserver;
}

export function createApp(ports: Ports, settings: Settings = {}) {
  const store = new GuardedStore(ports.store, settings.observeWrites);
  const vault = new Vault({ store, keys: ports.keys, cipher: ports.cipher, clock: ports.clock }, settings.vault);
  const accessLog = new AccessLog({ store, vault, clock: ports.clock });
  const customers = new Customers({ store, vault, clock: ports.clock, accessLog, settings });
  return { ports: { ...ports, store }, settings, vault, accessLog, customers };
}

export type App = ReturnType<typeof createApp>;
