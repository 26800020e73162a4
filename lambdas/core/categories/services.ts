/** Builds the data-category services (interactions, purchases, behaviour, consent, export) for createApp. */
import type { Customers } from '../customer/customers';
import type { RetentionPolicy } from '../policy/retention-policy';
import type { AccessLog } from '../shared/access-log';
import type { Idempotency } from '../shared/idempotency';
import type { Clock, FieldCipher, Store } from '../shared/ports';
import type { Vault } from '../shared/vault';
import { Behaviour } from './behaviour';
import type { ActivityHook } from './common';
import { ConsentService } from './consent';
import { Exports } from './export';
import { Interactions } from './interactions';
import { PseudonymSeal } from './pseudonym-seal';
import { Purchases } from './purchases';

export interface CategoryDeps {
  store: Store;
  vault: Vault;
  cipher: FieldCipher;
  clock: Clock;
  policy: RetentionPolicy;
  customers: Customers;
  accessLog: AccessLog;
  idempotency: Idempotency;
  /** Called after an interaction, a purchase or a consent change: activity extends retention. */
  onActivity?: ActivityHook;
}

export function createCategoryServices(deps: CategoryDeps) {
  const { store, vault, clock, policy, customers, accessLog, idempotency, onActivity } = deps;
  const seal = new PseudonymSeal({ vault, cipher: deps.cipher });
  const interactions = new Interactions({ store, clock, policy, customers, accessLog, seal, onActivity });
  const purchases = new Purchases({ store, clock, policy, vault, customers, accessLog, idempotency, onActivity });
  const behaviour = new Behaviour({ store, clock, policy, customers });
  const consent = new ConsentService({
    customers,
    accessLog,
    clock,
    policy,
    onActivity,
    onAnalyticsWithdrawn: async (_customerId, row) => {
      await behaviour.purge(row);
    },
  });
  const exports = new Exports({ store, vault, clock, policy, customers, accessLog, interactions, purchases, behaviour });
  return { interactions, purchases, behaviour, consent, exports };
}
