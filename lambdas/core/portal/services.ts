/** Builds the portal's services (sessions, sign-in, the customer's own view) for createApp. */
import type { Contact } from '../customer/contact';
import type { Customers } from '../customer/customers';
import type { CustomerSettings } from '../customer/views';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessLog } from '../shared/access-log';
import type { Metrics } from '../shared/metrics';
import type { Clock, Log, Notifier, Store } from '../shared/ports';
import { Portal, type ReadMyCategories } from './my-data';
import { Sessions, type SessionSettings } from './sessions';
import { SignIn, type SignInSettings } from './sign-in';
import type { Vault } from '../shared/vault';

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
  policy: RetentionPolicy;
  readCategories: ReadMyCategories;
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
  /** After a contact change: the old contact's code and guard go, then every session and code of the customer. */
  const endAccess = async (customerId: string, oldContact?: Contact): Promise<void> => {
    if (oldContact) await signIn.forgetContact(oldContact);
    await sessions.endAll(customerId);
  };
  return { sessions, signIn, portal, endPortalAccess: endAccess };
}
