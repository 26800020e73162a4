/**
 * KeyService for the local home: a master key file (0600) in the data dir stands in for KMS. It holds
 * two independent 32-byte keys, one that wraps key material (AES-256-GCM, the encryption context as
 * associated data: branch and beacon keys, and customer keys from before branch keys) and one behind
 * the legacy blind-index MAC (HMAC-SHA256), offered only where indexes made by it may exist.
 */
import { constants } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IntegrityError } from '../../core/shared/errors';
import type { EncryptionContext, KeyService } from '../../core/shared/ports';

export const MASTER_KEY_FILE = 'master.key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FILE_FORMAT = 'privacy-crm-local-master-key';

export interface LocalKeys {
  wrappingKey: Uint8Array;
  macKey: Uint8Array;
}

export interface LocalKeyOptions {
  /**
   * Offer the legacy MAC (`mac`), for blind indexes computed before beacon keys. Off for a master key
   * file created just now: no such index can exist under it.
   */
  legacyMac?: boolean;
}

export class LocalKeyService implements KeyService {
  private readonly wrappingKey: Buffer;
  private readonly macKey: Buffer;
  readonly mac?: (message: Uint8Array) => Promise<Uint8Array>;

  constructor(keys: LocalKeys, options: LocalKeyOptions = {}) {
    if (keys.wrappingKey.length !== KEY_BYTES || keys.macKey.length !== KEY_BYTES) {
      throw new Error(`Local master keys must be ${KEY_BYTES} bytes each.`);
    }
    if (timingSafeEqual(keys.wrappingKey, keys.macKey)) throw new Error('The wrapping key and the MAC key must differ.');
    // Own copies: the caller's buffers may be pooled or reused.
    this.wrappingKey = Buffer.alloc(KEY_BYTES);
    this.wrappingKey.set(keys.wrappingKey);
    this.macKey = Buffer.alloc(KEY_BYTES);
    this.macKey.set(keys.macKey);
    if (options.legacyMac) this.mac = async (message) => createHmac('sha256', this.macKey).update(message).digest();
  }

  /** Fresh random keys, for tests. */
  static generateKeys(): LocalKeys {
    return { wrappingKey: randomBytes(KEY_BYTES), macKey: randomBytes(KEY_BYTES) };
  }

  /** Loads `${dir}/master.key`, creating it (mode 0600, exclusively) on first use. */
  static async fromDirectory(dir: string): Promise<LocalKeyService> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, MASTER_KEY_FILE);
    const existing = await readKeyFile(path);
    return new LocalKeyService(existing ?? (await createKeyFile(path)), { legacyMac: existing !== undefined });
  }

  async generateDataKey(context: EncryptionContext): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }> {
    const plaintext = randomBytes(KEY_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.wrappingKey, iv);
    cipher.setAAD(associatedData(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { plaintext, wrapped: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]) };
  }

  async unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    if (wrapped.length !== IV_BYTES + KEY_BYTES + TAG_BYTES) throw unwrapRefused();
    const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.wrappingKey, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(context));
      decipher.setAuthTag(bytes.subarray(IV_BYTES + KEY_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, IV_BYTES + KEY_BYTES)), decipher.final()]);
    } catch {
      throw unwrapRefused();
    }
  }
}

function unwrapRefused(): IntegrityError {
  return new IntegrityError('The data key could not be unwrapped for this context.');
}

/** Canonical JSON of the context (keys sorted), so the same pairs in any order bind the same way. */
function associatedData(context: EncryptionContext): Buffer {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(context).sort()) {
    const value = context[key];
    if (typeof value !== 'string') throw new Error('Encryption context values must be strings.');
    sorted[key] = value;
  }
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

interface KeyFile {
  format: typeof FILE_FORMAT;
  version: 1;
  wrappingKey: string;
  macKey: string;
}

const NO_FOLLOW = process.platform === 'win32' ? 0 : constants.O_NOFOLLOW;

async function readKeyFile(path: string): Promise<LocalKeys | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path} is not a regular file.`);
    assertPrivate(path, info.mode);
    return parseKeyFile(path, await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

async function createKeyFile(path: string): Promise<LocalKeys> {
  const keys = LocalKeyService.generateKeys();
  const body: KeyFile = {
    format: FILE_FORMAT,
    version: 1,
    wrappingKey: Buffer.from(keys.wrappingKey).toString('base64'),
    macKey: Buffer.from(keys.macKey).toString('base64'),
  };
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o600);
  } catch (err) {
    // Another process created it first: use theirs, once it is completely written.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readWhenComplete(path);
    throw err;
  }
  try {
    await handle.chmod(0o600);
    await handle.writeFile(`${JSON.stringify(body)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  assertPrivate(path, (await stat(path)).mode);
  return keys;
}

async function readWhenComplete(path: string): Promise<LocalKeys> {
  for (let attempt = 1; ; attempt++) {
    try {
      const keys = await readKeyFile(path);
      if (keys) return keys;
      if (attempt >= 20) throw new Error(`${path} disappeared while it was being created.`);
    } catch (err) {
      if (attempt >= 20 || !(err instanceof IncompleteKeyFile)) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

class IncompleteKeyFile extends Error {}

function parseKeyFile(path: string, text: string): LocalKeys {
  if (text.trim() === '') throw new IncompleteKeyFile(`${path} is empty.`);
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<KeyFile>;
  } catch {
    throw new IncompleteKeyFile(`${path} is not a master key file.`);
  }
  if (
    parsed.format !== FILE_FORMAT ||
    parsed.version !== 1 ||
    typeof parsed.wrappingKey !== 'string' ||
    typeof parsed.macKey !== 'string'
  ) {
    throw new Error(`${path} is not a version 1 master key file.`);
  }
  const wrappingKey = Buffer.from(parsed.wrappingKey, 'base64');
  const macKey = Buffer.from(parsed.macKey, 'base64');
  if (wrappingKey.length !== KEY_BYTES || macKey.length !== KEY_BYTES) throw new Error(`${path} holds keys of the wrong size.`);
  return { wrappingKey, macKey };
}

/** A master key readable by other users is a leak waiting to happen: refuse it rather than use it. */
function assertPrivate(path: string, mode: number): void {
  if (process.platform === 'win32') return;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${path} is accessible to other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it.`);
  }
}
