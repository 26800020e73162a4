/**
 * A fake AWS KMS for aws-sdk-client-mock that does real cryptography, so code under test gets the same
 * guarantees it gets from KMS: a data key wrapped under one encryption context does not unwrap under
 * another, a tampered blob is refused, and a MAC depends on the message and on the key.
 *
 * Key material is derived per KeyId from a random root, so two key ids (or two installs) never share
 * keys. KeyIds are compared literally: unlike KMS, an alias and an ARN of the same key are different.
 *
 * CiphertextBlob layout: 0x01 | u16 keyId length | keyId (utf8) | iv (12) | AES-256-GCM ciphertext | tag (16),
 * with associated data = keyId | 0x00 | canonical JSON of the EncryptionContext (keys sorted).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  DependencyTimeoutException,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KeyUnavailableException,
  KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  type DecryptCommandInput,
  type DecryptCommandOutput,
  type GenerateDataKeyCommandInput,
  type GenerateDataKeyCommandOutput,
  type GenerateMacCommandInput,
  type GenerateMacCommandOutput,
} from '@aws-sdk/client-kms';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

export type KmsOperation = 'GenerateDataKey' | 'Decrypt' | 'GenerateMac';

/** Faults the fake can raise on the next call of an operation. */
export type KmsFault =
  | 'KMSInternalException'
  | 'DependencyTimeoutException'
  | 'ThrottlingException'
  | 'KeyUnavailableException'
  | 'KMSInvalidStateException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  /** The socket error the SDK surfaces when KMS cannot be reached. */
  | 'ECONNREFUSED';

export interface FakeKms {
  /** The aws-sdk-client-mock stub: inspect calls with `mock.commandCalls(GenerateMacCommand)`. */
  mock: AwsClientStub<KMSClient>;
  /** Makes the next call of `operation` fail with `fault` (default KMSInternalException). Queues in order. */
  failNext(operation: KmsOperation, fault?: KmsFault | Error): void;
  /** Puts KMSClient#send back. */
  restore(): void;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const META = { $metadata: { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 } };

/** Replaces KMSClient#send (every instance) with the fake. Call `restore()` when done. */
export function installFakeKms(): FakeKms {
  const root = randomBytes(32);
  const derive = (purpose: string, keyId: string) => createHmac('sha256', root).update(`${purpose}\0${keyId}`).digest();
  const faults = new Map<KmsOperation, Error[]>();
  const takeFault = (operation: KmsOperation) => {
    const fault = faults.get(operation)?.shift();
    if (fault) throw fault;
  };

  const mock = mockClient(KMSClient);

  mock.on(GenerateDataKeyCommand).callsFake(async (input: GenerateDataKeyCommandInput): Promise<GenerateDataKeyCommandOutput> => {
    takeFault('GenerateDataKey');
    const keyId = requireKeyId(input.KeyId);
    const length = input.KeySpec === 'AES_256' ? 32 : input.KeySpec === 'AES_128' ? 16 : input.NumberOfBytes;
    if (!length || length < 1 || length > 1024) throw validation('KeySpec or NumberOfBytes is required.');
    const plaintext = new Uint8Array(randomBytes(length));
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', derive('wrap', keyId), iv);
    cipher.setAAD(associatedData(keyId, input.EncryptionContext));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(keyId, 'utf8');
    const header = Buffer.alloc(3);
    header.writeUInt8(1, 0);
    header.writeUInt16BE(id.length, 1);
    const blob = new Uint8Array(Buffer.concat([header, id, iv, ciphertext, cipher.getAuthTag()]));
    return { ...META, $metadata: { ...META.$metadata, httpStatusCode: 200 }, KeyId: keyId, Plaintext: plaintext, CiphertextBlob: blob };
  });

  mock.on(DecryptCommand).callsFake(async (input: DecryptCommandInput): Promise<DecryptCommandOutput> => {
    takeFault('Decrypt');
    const blob = input.CiphertextBlob ? Buffer.from(input.CiphertextBlob) : Buffer.alloc(0);
    if (blob.length < 3 || blob[0] !== 1) throw kmsFault('InvalidCiphertextException');
    const idLength = blob.readUInt16BE(1);
    const ivAt = 3 + idLength;
    if (blob.length < ivAt + IV_BYTES + TAG_BYTES) throw kmsFault('InvalidCiphertextException');
    const keyId = blob.subarray(3, ivAt).toString('utf8');
    if (input.KeyId !== undefined && input.KeyId !== keyId) throw kmsFault('IncorrectKeyException');
    try {
      const decipher = createDecipheriv('aes-256-gcm', derive('wrap', keyId), blob.subarray(ivAt, ivAt + IV_BYTES));
      decipher.setAAD(associatedData(keyId, input.EncryptionContext));
      decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(blob.subarray(ivAt + IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
      return {
        $metadata: { ...META.$metadata, httpStatusCode: 200 },
        KeyId: keyId,
        Plaintext: new Uint8Array(plaintext),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    } catch {
      throw kmsFault('InvalidCiphertextException');
    }
  });

  mock.on(GenerateMacCommand).callsFake(async (input: GenerateMacCommandInput): Promise<GenerateMacCommandOutput> => {
    takeFault('GenerateMac');
    const keyId = requireKeyId(input.KeyId);
    const hashes: Record<string, string> = {
      HMAC_SHA_224: 'sha224',
      HMAC_SHA_256: 'sha256',
      HMAC_SHA_384: 'sha384',
      HMAC_SHA_512: 'sha512',
    };
    const hash = hashes[input.MacAlgorithm ?? ''];
    if (!hash) throw validation('MacAlgorithm is required.');
    const message = input.Message;
    if (!message || message.length < 1 || message.length > 4096) throw validation('Message must be 1 to 4096 bytes.');
    return {
      $metadata: { ...META.$metadata, httpStatusCode: 200 },
      KeyId: keyId,
      MacAlgorithm: input.MacAlgorithm,
      Mac: new Uint8Array(createHmac(hash, derive('mac', keyId)).update(message).digest()),
    };
  });

  return {
    mock,
    failNext(operation, error = 'KMSInternalException') {
      const queue = faults.get(operation) ?? [];
      queue.push(typeof error === 'string' ? kmsFault(error) : error);
      faults.set(operation, queue);
    },
    restore() {
      faults.clear();
      mock.restore();
    },
  };
}

/** A real KMS exception (or the SDK's socket error), with fixed text only. */
export function kmsFault(name: KmsFault): Error {
  const opts = { message: `Fake KMS: ${name}.`, ...META };
  switch (name) {
    case 'KMSInternalException':
      return new KMSInternalException({ ...opts, $metadata: { ...META.$metadata, httpStatusCode: 500 } });
    case 'DependencyTimeoutException':
      return new DependencyTimeoutException({ ...opts, $metadata: { ...META.$metadata, httpStatusCode: 503 } });
    case 'KeyUnavailableException':
      return new KeyUnavailableException({ ...opts, $metadata: { ...META.$metadata, httpStatusCode: 500 } });
    case 'KMSInvalidStateException':
      return new KMSInvalidStateException(opts);
    case 'InvalidCiphertextException':
      return new InvalidCiphertextException(opts);
    case 'IncorrectKeyException':
      return new IncorrectKeyException(opts);
    case 'ThrottlingException': {
      // KMS does not model ThrottlingException; the SDK builds a generic service exception for it.
      const err = new KMSServiceException({ ...opts, name, $fault: 'client' });
      (err as { $retryable?: { throttling: boolean } }).$retryable = { throttling: true };
      return err;
    }
    case 'ECONNREFUSED':
      return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
  }
}

function validation(message: string): Error {
  return new KMSServiceException({ name: 'ValidationException', $fault: 'client', message, ...META });
}

function requireKeyId(keyId: string | undefined): string {
  if (!keyId) throw validation('KeyId is required.');
  return keyId;
}

function associatedData(keyId: string, context: Record<string, string> | undefined): Buffer {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(context ?? {}).sort()) sorted[key] = String(context?.[key]);
  return Buffer.concat([Buffer.from(keyId, 'utf8'), Buffer.from([0]), Buffer.from(JSON.stringify(sorted), 'utf8')]);
}
