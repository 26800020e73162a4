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
 * later a second run is counted: items read (by any means, scan included) per reminder sent.
 */
export async function reminderProbe(deps: {
  clock: SimClock;
  store: Store;
  shared: Omit<Ports, 'cipher' | 'clock' | 'store'>;
  settings: Settings;
}): Promise<{ itemsRead: number; due: number; itemsPerDue: number }> {
  const counter = new ItemCounter(deps.store);
  const app = createApp({ ...deps.shared, store: counter, cipher: new EsdkFieldCipher(), clock: deps.clock }, deps.settings);
  await app.reminders.daily();
  deps.clock.advance(86_400_000);
  counter.itemsRead = 0;
  const run = await app.reminders.daily();
  const due = run.retention + run.communications;
  return { itemsRead: counter.itemsRead, due, itemsPerDue: due > 0 ? counter.itemsRead / due : NaN };
}
