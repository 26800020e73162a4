/**
 * Field encryption for rows keyed by a pseudonym. The Encryption SDK writes the key name and the
 * encryption context in the clear into every message header, so sealing these values the usual way
 * (`vault.seal`, named and bound by customerId) would print the customerId on the very row the
 * pseudonym is meant to keep apart from it. Here the customer's own key is used under the pseudonym's
 * name, bound to {pseudonym, category, row id}: the row says nothing the key attributes do not already
 * say, a value moved to another row fails to decrypt, and shredding the customer key still destroys it.
 */
import type { CategoryId } from '../policy/inventory';
import type { FieldCipher } from '../shared/ports';
import { KeyShreddedError, type Vault } from '../shared/vault';

export class PseudonymSeal {
  constructor(private readonly deps: { vault: Vault; cipher: FieldCipher }) {}

  async seal(customerId: string, pseudonym: string, category: CategoryId, rowId: string, value: unknown): Promise<Uint8Array> {
    const key = await this.deps.vault.keyFor(customerId);
    try {
      const plaintext = new TextEncoder().encode(JSON.stringify(value));
      return await this.deps.cipher.encrypt(key, pseudonym, plaintext, { pseudonym, category, rowId });
    } finally {
      // The cipher caches keyrings by name; the vault only evicts names that are customerIds.
      this.deps.cipher.forget?.(pseudonym);
    }
  }

  /** Opens several values of one pseudonym; null for each when the customer key is gone (erased). */
  async openAll<T>(
    customerId: string,
    pseudonym: string,
    category: CategoryId,
    values: readonly { rowId: string; sealed: Uint8Array }[],
  ): Promise<(T | null)[]> {
    if (values.length === 0) return [];
    let key: Uint8Array;
    try {
      key = await this.deps.vault.keyFor(customerId);
    } catch (e) {
      if (e instanceof KeyShreddedError) return values.map(() => null);
      throw e;
    }
    try {
      const out: (T | null)[] = [];
      for (const v of values) {
        const plaintext = await this.deps.cipher.decrypt(key, pseudonym, v.sealed, { pseudonym, category, rowId: v.rowId });
        out.push(JSON.parse(new TextDecoder().decode(plaintext)) as T);
      }
      return out;
    } finally {
      this.deps.cipher.forget?.(pseudonym);
    }
  }
}
