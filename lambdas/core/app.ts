/**
 * The application: domain services built from injected ports and a retention policy value. Each home
 * (Lambda, local server, tests) builds its ports and calls `createApp` once; nothing here knows which
 * home it runs in. The subsystems meet only here, through narrow callbacks: activity extends retention
 * (`onActivity`), and the portal reads the categories through `readCategories`.
 */
import { createCategoryServices } from './categories/services';
import type { Contact } from './customer/contact';
import { Customers } from './customer/customers';
import { NoticeSender } from './customer/notice-sender';
import { IndexRebuild } from './customer/reindex';
import type { CustomerSettings } from './customer/views';
import { createForgetting } from './forgetting/services';
import { DEFAULT_POLICY, type RetentionPolicy } from './policy/retention-policy';
import { createPortalServices, type PortalSettings } from './portal/services';
import type { ReadMyCategories } from './portal/my-data';
import { AccessLog } from './shared/access-log';
import { Idempotency } from './shared/idempotency';
import { GuardedStore, type WriteObserver } from './shared/guarded-store';
import { BranchRotation } from './shared/key-jobs';
import { NO_METRICS, type Metrics } from './shared/metrics';
import type { Clock, FieldCipher, KeyService, Log, Notifier, Scheduler, Store } from './shared/ports';
import { Vault, type VaultOptions } from './shared/vault';

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
  /** Retention, grace and reminder policy (default: the inventory's). */
  policy?: RetentionPolicy;
  vault?: VaultOptions;
  portal?: PortalSettings;
  /** Test hook: sees the attribute names of every write (the inventory guard test). */
  observeWrites?: WriteObserver;
}

export function createApp(ports: Ports, settings: Settings = {}) {
  const policy = settings.policy ?? DEFAULT_POLICY;
  const { clock, log } = ports;
  const metrics = ports.metrics ?? NO_METRICS;
  const store = new GuardedStore(ports.store, settings.observeWrites);
  const vault = new Vault({ store, keys: ports.keys, cipher: ports.cipher, clock }, settings.vault);
  const accessLog = new AccessLog({ store, vault, clock, policy });
  // One Idempotency-Key ledger for every retried write (customer creates, purchases).
  const idempotency = new Idempotency({ store, clock, vault, policy });
  // The portal is built after the customers it reads: a contact change reaches it through this late binding.
  const portalAccess: { end?: (customerId: string, oldContact?: Contact) => Promise<void> } = {};
  const customers = new Customers({
    store,
    vault,
    clock,
    policy,
    accessLog,
    idempotency,
    settings,
    metrics,
    notices: new NoticeSender({ notifier: ports.notifier, clock, policy, log }),
    endPortalAccess: (customerId, oldContact) => portalAccess.end!(customerId, oldContact),
  });
  // An erased customer's messages go from a notifier that keeps copies (the local outbox) too.
  const onErased = async (customerId: string) => ports.notifier.forget?.(customerId);
  const forgetting = createForgetting({
    store,
    clock,
    policy,
    vault,
    customers,
    accessLog,
    notifier: ports.notifier,
    scheduler: ports.scheduler,
    log,
    onErased,
    metrics,
  });
  // Activity (interaction, purchase, consent change, portal sign-in) extends retention.
  const onActivity = forgetting.retention.onActivity;
  const categories = createCategoryServices({
    store,
    vault,
    cipher: ports.cipher,
    clock,
    policy,
    customers,
    accessLog,
    idempotency,
    onActivity,
  });
  const readCategories: ReadMyCategories = async (row, sealed, limit) => {
    const [interactions, purchases, behaviour] = await Promise.all([
      categories.interactions.newest(row, sealed, limit),
      categories.purchases.newest(row.customerId, limit),
      categories.behaviour.newest(row, sealed, limit),
    ]);
    return {
      interactions: interactions.items,
      purchases: purchases.items,
      behaviour: behaviour.items,
      more: { interactions: interactions.more, purchases: purchases.more, behaviour: behaviour.more },
    };
  };
  const portal = createPortalServices(
    { store, vault, clock, notifier: ports.notifier, log, metrics, policy, customers, accessLog, readCategories, onSignIn: onActivity },
    settings,
  );
  portalAccess.end = portal.endPortalAccess;
  // Operator jobs: rotate the beacon key (index rebuild) and the branch keys (re-wrap).
  const keyJobs = {
    rebuildIndex: new IndexRebuild({ store, vault, clock, policy, isLive: customers.isLive }),
    branchRotation: new BranchRotation({ store, vault, keys: ports.keys, clock }),
  };
  const app = { ports: { ...ports, store, metrics }, settings, policy, vault, accessLog, customers, keyJobs };
  return { ...app, ...categories, ...portal, ...forgetting };
}

export type App = ReturnType<typeof createApp>;
