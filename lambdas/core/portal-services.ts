/** Builds the portal's services (sessions, sign-in, the customer's own view) for createApp. */
import type { AccessLog } from './access-log';
import type { Behaviour } from './behaviour';
import type { Customers, CustomerSettings } from './customers';
import type { Interactions } from './interactions';
import type { Metrics } from './metrics';
import type { Clock, Log, Notifier, Store } from './ports';
import { Portal } from './portal';
import type { Purchases } from './purchases';
import { Sessions, type SessionSettings } from './sessions';
import { SignIn, type SignInSettings } from './sign-in';
import type { Vault } from './vault';

export interface PortalSettings {
  signIn?: Partial<SignInSettings>;
  sessions?: Partial<SessionSettings>;
}

export interface PortalServiceDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  notifier: Notifier;
  log: Log;
  metrics?: Metrics;
  customers: Customers;
  accessLog: AccessLog;
  interactions: Interactions;
  purchases: Purchases;
  behaviour: Behaviour;
  /** Called after a successful sign-in (a sign-in is customer activity). */
  onSignIn?: (customerId: string) => Promise<void>;
}

export function createPortalServices(deps: PortalServiceDeps, settings: CustomerSettings & { portal?: PortalSettings } = {}) {
  const { store, clock, customers } = deps;
  const sessions = new Sessions(
    { store, clock, customerExists: async (customerId) => (await customers.load(customerId)) !== undefined },
    settings.portal?.sessions,
  );
  const signIn = new SignIn({ ...deps, sessions, defaultPhoneRegion: settings.defaultPhoneRegion }, settings.portal?.signIn);
  const portal = new Portal(deps);
  return { sessions, signIn, portal };
}
