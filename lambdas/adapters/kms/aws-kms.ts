/**
 * KeyService over AWS KMS: per-customer data keys (GenerateDataKey/Decrypt, bound to an encryption
 * context) and the blind-index MAC (GenerateMac with an HMAC_256 key that never leaves KMS).
 */
import { DecryptCommand, GenerateDataKeyCommand, GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DependencyUnavailableError, IntegrityError } from '../../core/shared/errors';
import type { EncryptionContext, KeyService } from '../../core/shared/ports';
import { isTransientAwsError, type AwsErrorShape } from '../aws-errors';

export interface AwsKeyServiceOptions {
  client: KMSClient;
  /** Symmetric encryption key that wraps the customer data keys. */
  keyId: string;
  /** HMAC_256 key behind the blind index. */
  macKeyId: string;
}

export class AwsKeyService implements KeyService {
  private readonly client: KMSClient;
  private readonly keyId: string;
  private readonly macKeyId: string;

  constructor({ client, keyId, macKeyId }: AwsKeyServiceOptions) {
    this.client = client;
    this.keyId = keyId;
    this.macKeyId = macKeyId;
  }

  async generateDataKey(context: EncryptionContext): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }> {
    const out = await this.call(() =>
      this.client.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: context })),
    );
    if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key.');
    return { plaintext: out.Plaintext, wrapped: out.CiphertextBlob };
  }

  async unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const out = await this.call(() =>
      this.client.send(new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: context, KeyId: this.keyId })),
    );
    if (!out.Plaintext) throw new Error('KMS Decrypt returned no plaintext.');
    return out.Plaintext;
  }

  async mac(message: Uint8Array): Promise<Uint8Array> {
    const out = await this.call(() =>
      this.client.send(new GenerateMacCommand({ KeyId: this.macKeyId, MacAlgorithm: 'HMAC_SHA_256', Message: message })),
    );
    if (!out.Mac) throw new Error('KMS GenerateMac returned no MAC.');
    return out.Mac;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapKmsError(err);
    }
  }
}

/** KMS refused the ciphertext: wrong key, tampered blob, or a wrapped key moved to another customer. */
const INTEGRITY = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);
const KMS_FAULTS = new Set(['KMSInternalException', 'DependencyTimeoutException', 'KeyUnavailableException', 'KMSInvalidStateException']);

/** Our messages are fixed texts: no key material, message or context value ever reaches them. */
export function mapKmsError(err: unknown): unknown {
  const name = err && typeof err === 'object' ? (err as AwsErrorShape).name : undefined;
  if (typeof name === 'string' && INTEGRITY.has(name)) {
    const integrity = new IntegrityError('KMS refused to unwrap the data key for this context.');
    (integrity as { cause?: unknown }).cause = err;
    return integrity;
  }
  if (isTransientAwsError(err, KMS_FAULTS)) return new DependencyUnavailableError('KMS', { cause: err });
  return err;
}
