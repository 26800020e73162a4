/** Builds the data-category services (interactions, purchases, behaviour, consent, export) for createApp. */
import type { AccessLog } from '../shared/access-log';
import { Behaviour } from './behaviour';
import type { ActivityHook } from './common';
import { ConsentService, type ConsentSettings } from '../customer/consent';
import type { Customers } from '../customer/customers';
import { Exports } from './export';
import { Interactions } from './interactions';
import type { Clock, FieldCipher, Store } from '../shared/ports';
import { PseudonymSeal } from './pseudonym-seal';
import { Purchases } from './purchases';
import type { Vault } from '../shared/vault';

export interface CategoryDeps {
  store: Store;
  vault: Vault;
  cipher: FieldCipher;
  clock: Clock;
  customers: Customers;
  accessLog: AccessLog;
  /** Called after an interaction, a purchase or a consent change: activity extends retention. */
  onActivity?: ActivityHook;
  consentSettings?: ConsentSettings;
}

export function createCategoryServices(deps: CategoryDeps) {
  const { store, vault, clock, customers, accessLog, onActivity } = deps;
  const seal = new PseudonymSeal({ vault, cipher: deps.cipher });
  const interactions = new Interactions({ store, clock, customers, accessLog, seal, onActivity });
  const purchases = new Purchases({ store, clock, vault, customers, accessLog, onActivity });
  const behaviour = new Behaviour({ store, clock, customers });
  const consent = new ConsentService({
    customers,
    accessLog,
    clock,
    settings: deps.consentSettings,
    onActivity,
    onAnalyticsWithdrawn: async (_customerId, row) => {
      await behaviour.purge(row);
    },
  });
  const exports = new Exports({ store, vault, clock, customers, accessLog, interactions, purchases, behaviour, consentSettings: deps.consentSettings });
  return { interactions, purchases, behaviour, consent, exports };
}
