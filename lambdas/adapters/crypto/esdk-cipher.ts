/**
 * FieldCipher over the AWS Encryption SDK: each value is its own ESDK message, under a raw AES keyring
 * over the customer key, with the committing suite without signatures and an encryption context that
 * binds the ciphertext to its row. The keyring's name and the encryption context travel in the clear in
 * the message header, so both must be ids, never personal values.
 */
import { timingSafeEqual } from 'node:crypto';
// The SDK's parts, not @aws-crypto/client-node: that package is CommonJS only and re-exports every keyring
// (RSA, KMS, the hierarchical one with a DynamoDB client), which then all land in the bundle and run at
// load. The same client as its buildClient: encrypt and decrypt built with the same options.
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, CommitmentPolicy } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { IntegrityError } from '../../core/shared/errors';
import type { EncryptionContext, FieldCipher } from '../../core/shared/ports';

const CLIENT_OPTIONS = { commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 1 } as const;
const { encrypt } = buildEncrypt(CLIENT_OPTIONS);
const { decrypt } = buildDecrypt(CLIENT_OPTIONS);

/** 0x0478: key commitment, no ECDSA signature (the signing default costs ~6x the time and ~150 bytes). */
export const FIELD_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
export const KEY_NAMESPACE = 'privacy-crm';
/** Field values are small; refuse to buffer anything claiming to be much larger. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface EsdkFieldCipherOptions {
  /** Keyrings kept warm (least recently used dropped first). */
  maxKeyrings?: number;
  /** How long a keyring (and so a plaintext customer key) may stay in memory. */
  keyringTtlMs?: number;
  now?: () => number;
}

interface CachedKeyring {
  key: Buffer;
  keyring: RawAesKeyringNode;
  expiresAt: number;
}

export class EsdkFieldCipher implements FieldCipher {
  private readonly keyrings = new Map<string, CachedKeyring>();
  private readonly maxKeyrings: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor({ maxKeyrings = 64, keyringTtlMs = 5 * 60_000, now = Date.now }: EsdkFieldCipherOptions = {}) {
    this.maxKeyrings = Math.max(1, maxKeyrings);
    this.ttlMs = keyringTtlMs;
    this.now = now;
  }

  async encrypt(customerKey: Uint8Array, keyName: string, plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const { result } = await encrypt(this.keyring(customerKey, keyName), plaintext, {
      suiteId: FIELD_SUITE,
      encryptionContext: context,
    });
    return result;
  }

  async decrypt(customerKey: Uint8Array, keyName: string, ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const keyring = this.keyring(customerKey, keyName);
    let output: Awaited<ReturnType<typeof decrypt>>;
    try {
      output = await decrypt(keyring, ciphertext, { maxBodySize: MAX_BODY_BYTES });
    } catch (err) {
      throw refused(err);
    }
    const { plaintext, messageHeader } = output;
    if (messageHeader.suiteId !== FIELD_SUITE) throw refused();
    // The raw keyring authenticates the context it finds in the header; only this check ties it to the row.
    for (const [key, value] of Object.entries(context)) {
      if (messageHeader.encryptionContext[key] !== value) throw refused();
    }
    return plaintext;
  }

  /** Drops the cached keyring for `keyName` (after an erasure the key must not linger in memory). */
  forget(keyName: string): void {
    this.keyrings.get(keyName)?.key.fill(0);
    this.keyrings.delete(keyName);
  }

  private keyring(customerKey: Uint8Array, keyName: string): RawAesKeyringNode {
    const now = this.now();
    const cached = this.keyrings.get(keyName);
    if (cached) {
      this.keyrings.delete(keyName);
      if (cached.expiresAt > now && sameKey(cached.key, customerKey)) {
        this.keyrings.set(keyName, cached);
        return cached.keyring;
      }
      cached.key.fill(0);
    }
    // An all-zero key is a wiped buffer, never a generated key: encrypting under it would be a silent leak.
    if (customerKey.every((b) => b === 0)) throw new Error('The customer key is all zeros (a wiped buffer?).');
    const keyring = new RawAesKeyringNode({
      keyName,
      keyNamespace: KEY_NAMESPACE,
      // A copy: the keyring moves the key into a KeyObject and zeroes the buffer it was given, which
      // would otherwise wipe the caller's (cached) customer key.
      unencryptedMasterKey: Uint8Array.from(customerKey),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    // An unpooled copy, zeroed when dropped: only used to notice a different key under the same name.
    const key = Buffer.alloc(customerKey.length);
    key.set(customerKey);
    this.keyrings.set(keyName, { key, keyring, expiresAt: now + this.ttlMs });
    for (const [name, entry] of this.keyrings) {
      if (this.keyrings.size <= this.maxKeyrings) break;
      entry.key.fill(0);
      this.keyrings.delete(name);
    }
    return keyring;
  }
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One message for every refusal: wrong key, wrong row, tampering, or not an ESDK message at all. */
function refused(cause?: unknown): IntegrityError {
  const err = new IntegrityError('The value could not be decrypted for this record.');
  if (cause !== undefined) (err as { cause?: unknown }).cause = cause;
  return err;
}
