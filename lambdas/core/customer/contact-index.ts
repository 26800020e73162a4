/** The blind-index entry of a customer's contact: claimed on create and on a contact change, released after. */
import { ConditionFailedError, ConflictError } from '../shared/errors';
import type { Clock, Store } from '../shared/ports';
import { epoch, isExpired } from '../policy/time';

/** How long an index entry whose customer row does not exist yet counts as a create still in flight. */
const IN_FLIGHT_SECONDS = 60;

/**
 * Claims the blind-index entry for `customerId`, or takes over one left by a create that never
 * finished. `isLive` says whether a customer id names a live customer. `candidates` are the contact's
 * index under every live beacon version: while a rebuild is under way, a live customer found under an
 * older one holds the contact too.
 */
export async function claimIndex(
  deps: { store: Store; clock: Clock; isLive: (customerId: string) => Promise<boolean> },
  lookup: string,
  customerId: string,
  expiresAt: number | undefined,
  candidates?: AsyncIterable<string>,
): Promise<void> {
  const { store, clock } = deps;
  const now = clock.now();
  const entry = { lookup, customerId, createdAt: now.toISOString(), expiresAt };
  for await (const older of candidates ?? []) {
    if (older === lookup) continue;
    const holder = await store.get('contact-index', { lookup: older }, { consistent: true });
    if (holder && holder.customerId !== customerId && (await deps.isLive(String(holder.customerId)))) {
      throw new ConflictError('A customer with this contact already exists.', 'contact_exists');
    }
  }
  try {
    await store.put('contact-index', entry, { kind: 'notExists' });
    return;
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
  const current = await store.get('contact-index', { lookup }, { consistent: true });
  const owner = current ? String(current.customerId) : undefined;
  if (owner === customerId) return;
  const taken = new ConflictError('A customer with this contact already exists.', 'contact_exists');
  if (owner && (await deps.isLive(owner))) throw taken;
  // No live owner: either a create still in flight (recent) or one that died (dangling). Only the latter is taken over.
  const age = current ? epoch(now) - epoch(new Date(String(current.createdAt))) : Infinity;
  const expired = isExpired(current, now);
  if (!expired && age < IN_FLIGHT_SECONDS) throw taken;
  await store
    .put('contact-index', entry, current ? { kind: 'equals', values: { customerId: owner } } : { kind: 'notExists' })
    .catch((e) => {
      if (e instanceof ConditionFailedError) throw taken;
      throw e;
    });
}

/** Deletes the entry only while it still names `customerId` (another customer may own the contact by now). */
export async function releaseIndex(store: Store, lookup: string, customerId: string): Promise<void> {
  await store.delete('contact-index', { lookup }, { kind: 'equals', values: { customerId } }).catch(() => undefined);
}
