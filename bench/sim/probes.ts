/**
 * Probes run after the measured window: KMS calls of a read and a search on an instance that has just
 * served the same customer (warm), and the items the daily reminders job reads per reminder it sends.
 */
import { EsdkFieldCipher } from '../../lambdas/adapters/crypto/esdk-cipher';
import { createApp, type Ports, type Settings } from '../../lambdas/core/app';
import type { Store } from '../../lambdas/core/shared/ports';
import { ItemCounter, type CallCounter, type SimClock } from '../counting';
import type { SimContext } from './ops';
import { apiEvent, type EventSpec } from './workload';

/** Average KMS calls of the second of two identical requests on one instance. */
export async function warmProbes(ctx: SimContext, kms: CallCounter<unknown>, samples: number): Promise<{ read: number; search: number }> {
  const twice = async (spec: EventSpec): Promise<number> => {
    const instance = ctx.api.instances[Math.floor(ctx.random() * ctx.api.instances.length)]!;
    const first = await instance.handler(apiEvent(spec));
    if (first.statusCode >= 300) throw new Error(`warm probe: ${spec.method} ${spec.resource} answered ${first.statusCode}`);
    const before = kms.total();
    await instance.handler(apiEvent(spec));
    return kms.total() - before;
  };
  let read = 0;
  let search = 0;
  for (let n = 0; n < samples; n++) {
    const i = ctx.people.hot();
    read += await twice({ method: 'GET', resource: '/v1/customers/{id}', params: { id: ctx.people.ids[i]! }, staffRole: 'agent' });
    search += await twice({ method: 'POST', resource: '/v1/customers/search', body: { email: ctx.people.emails[i]! }, staffRole: 'agent' });
  }
  return { read: read / samples, search: search / samples };
}

/**
 * The daily reminders job over every customer: a first run catches up (unmeasured), then one day
 * later a second run is counted: items read (by any means, scan included). Per reminder sent: what grows
 * with the customers due (their index items and wrapped keys). Per run: what does not (the checkpoint in
 * `sessions`, and each branch key once in `key-store`, bounded by the number of branches); at 10 million
 * customers a day's run sends about 100 times the probe's reminders, so that part all but vanishes.
 */
export async function reminderProbe(deps: {
  clock: SimClock;
  store: Store;
  shared: Omit<Ports, 'cipher' | 'clock' | 'store'>;
  settings: Settings;
}): Promise<ReminderFigures> {
  const counter = new ItemCounter(deps.store);
  const app = createApp({ ...deps.shared, store: counter, cipher: new EsdkFieldCipher(), clock: deps.clock }, deps.settings);
  await app.reminders.daily();
  deps.clock.advance(86_400_000);
  counter.reset();
  const run = await app.reminders.daily();
  const due = run.retention + run.communications;
  const perRun = PER_RUN_TABLES.reduce((n, t) => n + (counter.byTable.get(t) ?? 0), 0);
  return {
    itemsRead: counter.itemsRead,
    due,
    perRun,
    itemsPerDue: due > 0 ? (counter.itemsRead - perRun) / due : NaN,
    itemsPerDueAllIn: due > 0 ? counter.itemsRead / due : NaN,
  };
}

/** Tables a run reads a fixed number of items from, however many customers are due. */
const PER_RUN_TABLES = ['key-store', 'sessions'] as const;

export interface ReminderFigures {
  /** Every item the run read. */
  itemsRead: number;
  due: number;
  /** Items read once per run (checkpoint, branch keys). */
  perRun: number;
  /** Items read per reminder sent, the per-run items aside. */
  itemsPerDue: number;
  /** Every item read, per reminder sent. */
  itemsPerDueAllIn: number;
}
