/**
 * Rows of `customer-keys`: a customer's key, wrapped under a branch key (./branch-keys.ts) or, for
 * keys created before branch keys, by KMS directly. Both formats unwrap; the old one is re-wrapped
 * under a branch key when read, and by `npm run rewrap-keys` (./key-jobs.ts) for the rest.
 */
import type { BranchKeys, WrappedKey } from './branch-keys';
import { ConditionFailedError } from './errors';
import type { EncryptionContext, Item, KeyService, Store } from './ports';

/** The encryption context of a customer key wrapped by KMS directly (the format before branch keys). */
export const legacyKeyContext = (customerId: string): EncryptionContext => ({ customerId, purpose: 'customer-data-key' });

export function wrappedKeyOf(item: Item | undefined): WrappedKey | undefined {
  if (!item || !(item.wrappedKey instanceof Uint8Array)) return undefined;
  const { wrappedKey, branch, branchVersion } = item;
  return typeof branch === 'number' && typeof branchVersion === 'number' ? { wrappedKey, branch, branchVersion } : { wrappedKey };
}

export function isBranchWrapped(w: WrappedKey): w is Required<WrappedKey> {
  return typeof w.branch === 'number' && typeof w.branchVersion === 'number';
}

export async function unwrapCustomerKey(
  deps: { keys: KeyService; branchKeys: BranchKeys },
  customerId: string,
  w: WrappedKey,
): Promise<Uint8Array> {
  return isBranchWrapped(w) ? deps.branchKeys.unwrap(customerId, w) : deps.keys.unwrapDataKey(w.wrappedKey, legacyKeyContext(customerId));
}

/**
 * Whether a stored key should move under a branch key's newest version: always for the old format;
 * for an older version only when `newest` is known.
 */
export function isStale(w: WrappedKey, newest: number | undefined): boolean {
  return !isBranchWrapped(w) || (newest !== undefined && w.branchVersion < newest);
}

/**
 * Re-wraps one stored key under the newest version of its customer's branch. Conditional on the row
 * being as read, so a key shredded or re-wrapped meanwhile is never written back. Returns whether it
 * wrote (false: the row changed meanwhile).
 */
export async function rewrapCustomerKey(
  deps: { store: Store; branchKeys: BranchKeys },
  item: Item,
  plaintext: Uint8Array,
): Promise<boolean> {
  const customerId = String(item.customerId);
  const w = wrappedKeyOf(item);
  const next = await deps.branchKeys.wrap(customerId, plaintext, w && isBranchWrapped(w) ? w.branch : undefined);
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  try {
    await deps.store.put(
      'customer-keys',
      { ...item, ...next },
      {
        kind: 'equals',
        values: { customerId, branch: num(item.branch), branchVersion: num(item.branchVersion), expiresAt: num(item.expiresAt) },
      },
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionFailedError) return false;
    throw e;
  }
}
