/**
 * The vault: per-customer data keys (random, wrapped under a branch key, stored in their own table),
 * a small short-lived cache of plaintext keys, sealing and opening values bound to {customerId,
 * category}, and the blind index under the beacon key. KMS sits behind the branch and beacon keys
 * (./branch-keys.ts, ./beacon.ts), which an instance unwraps once per cache period: a warm request
 * makes no KMS call. docs/ARCHITECTURE.md "Key hierarchy" has the whole picture.
 */
import { randomBytes } from 'node:crypto';
import { Beacon } from './beacon';
import { BranchKeys, CUSTOMER_KEY_BYTES, type WrappedKey } from './branch-keys';
import { isBranchWrapped, isStale, rewrapCustomerKey, unwrapCustomerKey, wrappedKeyOf } from './customer-keys';
import { NotFoundError } from './errors';
import { KeyMaterial } from './key-material';
import type { CategoryId } from '../policy/inventory';
import type { Clock, FieldCipher, Item, KeyService, Store } from './ports';

export type { WrappedKey } from './branch-keys';

export interface VaultOptions {
  /** Customer keys in memory (default 5 minutes, 1,000 keys). */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  /** How many branch keys new customer keys are spread over (16 to 64, default 16). */
  branches?: number;
  /** Branch and beacon key material in memory (default 15 minutes). */
  keyCacheTtlMs?: number;
  /** How long an instance trusts its list of branch and beacon versions (default 60 s); rotations wait this out. */
  keyRefreshMs?: number;
}

/** The erased-or-missing key case: the data under it is gone for good. */
export class KeyShreddedError extends NotFoundError {}

interface CacheEntry {
  key: Uint8Array;
  expiresAt: number;
}

const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class Vault {
  readonly material: KeyMaterial;
  readonly branchKeys: BranchKeys;
  readonly beacon: Beacon;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(
    private readonly deps: { store: Store; keys: KeyService; cipher: FieldCipher; clock: Clock },
    options: VaultOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? 5 * 60_000;
    this.max = options.cacheMaxEntries ?? 1_000;
    const now = () => deps.clock.now();
    this.material = new KeyMaterial({ store: deps.store, keys: deps.keys, now }, { cacheTtlMs: options.keyCacheTtlMs });
    this.branchKeys = new BranchKeys(this.material, { branches: options.branches, refreshMs: options.keyRefreshMs });
    this.beacon = new Beacon({ material: this.material, keys: deps.keys, now }, { refreshMs: options.keyRefreshMs });
  }

  /**
   * A fresh random customer key, wrapped under its branch key. It is not stored: the caller writes it
   * with `storeKey` at the right point of its write order.
   */
  async newKey(customerId: string): Promise<{ plaintext: Uint8Array; wrapped: WrappedKey }> {
    const plaintext = new Uint8Array(randomBytes(CUSTOMER_KEY_BYTES));
    return { plaintext, wrapped: await this.branchKeys.wrap(customerId, plaintext) };
  }

  async storeKey(customerId: string, wrapped: WrappedKey, plaintext: Uint8Array, expiresAt: number): Promise<void> {
    await this.deps.store.put(
      'customer-keys',
      { customerId, ...wrapped, createdAt: this.deps.clock.now().toISOString(), expiresAt },
      { kind: 'notExists' },
    );
    this.remember(customerId, plaintext);
  }

  /** The customer's plaintext key, from the cache or unwrapped under its branch key (KMS only for the old format). */
  async keyFor(customerId: string): Promise<Uint8Array> {
    const hit = this.cache.get(customerId);
    const now = Date.now();
    if (hit && hit.expiresAt > now) {
      // Refresh LRU position.
      this.cache.delete(customerId);
      this.cache.set(customerId, hit);
      return hit.key;
    }
    if (hit) this.evict(customerId);
    const row = await this.deps.store.get('customer-keys', { customerId }, { consistent: true });
    const wrapped = wrappedKeyOf(row);
    if (!row || !wrapped) throw new KeyShreddedError('The customer key does not exist.');
    const key = await this.unwrapKey(customerId, wrapped);
    await this.rewrapIfStale(row, wrapped, key);
    this.remember(customerId, key);
    return key;
  }

  /** The stored wrapped key, if any (used when resuming an interrupted create). */
  async wrappedKey(customerId: string): Promise<WrappedKey | undefined> {
    return wrappedKeyOf(await this.deps.store.get('customer-keys', { customerId }, { consistent: true }));
  }

  async unwrap(customerId: string, wrapped: WrappedKey): Promise<Uint8Array> {
    const key = await this.unwrapKey(customerId, wrapped);
    this.remember(customerId, key);
    return key;
  }

  async seal(customerId: string, category: CategoryId, value: unknown, key?: Uint8Array): Promise<Uint8Array> {
    const k = key ?? (await this.keyFor(customerId));
    const plaintext = new TextEncoder().encode(JSON.stringify(value));
    return this.deps.cipher.encrypt(k, customerId, plaintext, { customerId, category });
  }

  async open<T>(customerId: string, category: CategoryId, ciphertext: Uint8Array): Promise<T> {
    const k = await this.keyFor(customerId);
    const plaintext = await this.deps.cipher.decrypt(k, customerId, ciphertext, { customerId, category });
    return JSON.parse(new TextDecoder().decode(plaintext)) as T;
  }

  /** Crypto-shredding: delete the wrapped key and drop the cached plaintext. Idempotent. */
  async shred(customerId: string): Promise<void> {
    this.evict(customerId);
    await this.deps.store.delete('customer-keys', { customerId });
  }

  evict(customerId: string): void {
    const hit = this.cache.get(customerId);
    // The cipher may hold keyrings over this very buffer: drop them before zeroing it.
    this.deps.cipher.forget?.(customerId);
    if (hit) hit.key.fill(0);
    this.cache.delete(customerId);
  }

  /** Blind index of a normalised contact under the beacon key's write version: keyed HMAC, hex. Enumerating it needs the key. */
  async blindIndex(type: 'email' | 'phone', normalised: string): Promise<string> {
    return hex(await this.beacon.mac(await this.beacon.writeVersion(), text(`${type}:${normalised}`)));
  }

  /**
   * The contact's blind index under every live beacon version, the write version first, each computed
   * only when the caller asks for it: a lookup that hits the first computes nothing more. During a
   * rebuild the others still find the entries not yet rebuilt.
   */
  async *blindIndexes(type: 'email' | 'phone', normalised: string): AsyncIterable<string> {
    for (const version of await this.beacon.ordered()) yield hex(await this.beacon.mac(version, text(`${type}:${normalised}`)));
  }

  /** Whether `lookup` is this contact's blind index under a live beacon version. */
  async isBlindIndexOf(lookup: string, type: 'email' | 'phone', normalised: string): Promise<boolean> {
    for await (const candidate of this.blindIndexes(type, normalised)) if (candidate === lookup) return true;
    return false;
  }

  /** Keyed fingerprint of arbitrary request data (idempotency), never a plain hash of personal data. */
  async fingerprint(label: string, data: string): Promise<string> {
    return hex(await this.beacon.mac(await this.beacon.writeVersion(), text(`${label}:${data}`)));
  }

  /**
   * The fingerprint under every live beacon key (not the legacy MAC), the write version first: a
   * record made before a rotation is still found.
   */
  async fingerprints(label: string, data: string): Promise<string[]> {
    const versions = (await this.beacon.ordered()).filter((v) => !v.legacy);
    return Promise.all(versions.map(async (v) => hex(await this.beacon.mac(v, text(`${label}:${data}`)))));
  }

  get cachedKeys(): number {
    return this.cache.size;
  }

  private unwrapKey(customerId: string, wrapped: WrappedKey): Promise<Uint8Array> {
    return unwrapCustomerKey({ keys: this.deps.keys, branchKeys: this.branchKeys }, customerId, wrapped);
  }

  /**
   * Lazy re-wrap on read: a key in the old format (wrapped by KMS) moves under its branch key, so the
   * next cold read needs no KMS call; one under an older branch version moves if this instance already
   * knows the newer one. Best effort: any failure (a function whose role may only read keys, a race)
   * leaves it for `npm run rewrap-keys`, and the read goes on.
   */
  private async rewrapIfStale(row: Item, wrapped: WrappedKey, key: Uint8Array): Promise<void> {
    const newest = isBranchWrapped(wrapped) ? this.branchKeys.knownNewest(wrapped.branch) : undefined;
    if (!isStale(wrapped, newest)) return;
    await rewrapCustomerKey({ store: this.deps.store, branchKeys: this.branchKeys }, row, key).catch(() => false);
  }

  private remember(customerId: string, key: Uint8Array): void {
    // Own copy, so zeroing on eviction never touches a caller's buffer.
    const copy = new Uint8Array(key);
    this.cache.delete(customerId);
    this.cache.set(customerId, { key: copy, expiresAt: Date.now() + this.ttlMs });
    while (this.cache.size > this.max) {
      const oldest = this.cache.keys().next().value as string;
      this.evict(oldest);
    }
  }
}

/** A random, unguessable identifier (pseudonyms, ids): 128 bits, base64url. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
