import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalKeyService, MASTER_KEY_FILE } from '../../lambdas/adapters/kms/local-kms';
import { IntegrityError } from '../../lambdas/core/shared/errors';

const bytes = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const posix = process.platform !== 'win32';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crm-local-kms-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalKeyService master key file', () => {
  it.runIf(posix)('is created on first start with mode 0600, holding two different 32-byte keys', async () => {
    await LocalKeyService.fromDirectory(dir);
    const path = join(dir, MASTER_KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const file = JSON.parse(await readFile(path, 'utf8')) as { wrappingKey: string; macKey: string };
    const wrappingKey = Buffer.from(file.wrappingKey, 'base64');
    const macKey = Buffer.from(file.macKey, 'base64');
    expect(wrappingKey).toHaveLength(32);
    expect(macKey).toHaveLength(32);
    expect(wrappingKey.equals(macKey)).toBe(false);
  });

  it('is reused after a restart: keys wrapped before still unwrap, and the legacy MAC is offered only then', async () => {
    const before = await LocalKeyService.fromDirectory(dir);
    const context = { customerId: 'c-1', purpose: 'customer-key' };
    const { plaintext, wrapped } = await before.generateDataKey(context);
    // Created just now: no blind index can have been computed under its MAC key.
    expect(before.mac).toBeUndefined();

    const after = await LocalKeyService.fromDirectory(dir);
    expect(hex(await after.unwrapDataKey(wrapped, context))).toBe(hex(plaintext));
    const file = JSON.parse(await readFile(join(dir, MASTER_KEY_FILE), 'utf8')) as { macKey: string };
    const expected = createHmac('sha256', Buffer.from(file.macKey, 'base64')).update('ann@example.com').digest('hex');
    expect(hex(await after.mac!(bytes('ann@example.com')))).toBe(expected);
  });

  it('concurrent first starts agree on a single master key', async () => {
    const services = await Promise.all(Array.from({ length: 5 }, () => LocalKeyService.fromDirectory(dir)));
    const context = { customerId: 'c-1' };
    const { plaintext, wrapped } = await services[0]!.generateDataKey(context);
    for (const s of services) expect(hex(await s.unwrapDataKey(wrapped, context))).toBe(hex(plaintext));
  });

  it('another data directory has another master key', async () => {
    const other = await mkdtemp(join(tmpdir(), 'crm-local-kms-'));
    try {
      const a = await LocalKeyService.fromDirectory(dir);
      const b = await LocalKeyService.fromDirectory(other);
      const { wrapped } = await a.generateDataKey({ customerId: 'c-1' });
      await expect(b.unwrapDataKey(wrapped, { customerId: 'c-1' })).rejects.toBeInstanceOf(IntegrityError);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it.runIf(posix)('refuses a master key file that other users can read', async () => {
    await LocalKeyService.fromDirectory(dir);
    await chmod(join(dir, MASTER_KEY_FILE), 0o644);
    await expect(LocalKeyService.fromDirectory(dir)).rejects.toThrow(/chmod 600/);
  });

  it('refuses a file that is not a master key file', async () => {
    await writeFile(join(dir, MASTER_KEY_FILE), '{"format":"something-else"}', { mode: 0o600 });
    await expect(LocalKeyService.fromDirectory(dir)).rejects.toThrow(/not a version 1 master key file/);
  });
});

describe('LocalKeyService data keys', () => {
  const keys = new LocalKeyService(LocalKeyService.generateKeys());

  it('wraps a fresh 32-byte key as iv, ciphertext and tag, and unwraps it under the same context', async () => {
    const { plaintext, wrapped } = await keys.generateDataKey({ customerId: 'c-1' });
    expect(plaintext).toHaveLength(32);
    expect(wrapped).toHaveLength(12 + 32 + 16);
    expect(hex(await keys.unwrapDataKey(wrapped, { customerId: 'c-1' }))).toBe(hex(plaintext));
  });

  it('binds the context as a set of pairs: key order does not matter', async () => {
    const { plaintext, wrapped } = await keys.generateDataKey({ a: '1', b: '2' });
    expect(hex(await keys.unwrapDataKey(wrapped, { b: '2', a: '1' }))).toBe(hex(plaintext));
  });

  it("a wrapped key copied to another customer's row does not unwrap", async () => {
    const { wrapped } = await keys.generateDataKey({ customerId: 'c-1' });
    const err = await keys.unwrapDataKey(wrapped, { customerId: 'c-2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).not.toContain('c-2');
    await expect(keys.unwrapDataKey(wrapped, { customerId: 'c-1', extra: 'x' })).rejects.toBeInstanceOf(IntegrityError);
  });

  it('a tampered or truncated wrapped key does not unwrap', async () => {
    const { wrapped } = await keys.generateDataKey({ customerId: 'c-1' });
    for (const at of [0, 12, 43, 59]) {
      const tampered = Uint8Array.from(wrapped);
      tampered[at] ^= 0x80;
      await expect(keys.unwrapDataKey(tampered, { customerId: 'c-1' })).rejects.toBeInstanceOf(IntegrityError);
    }
    await expect(keys.unwrapDataKey(wrapped.subarray(0, 59), { customerId: 'c-1' })).rejects.toBeInstanceOf(IntegrityError);
  });
});

describe('LocalKeyService legacy blind-index MAC', () => {
  it('is HMAC-SHA256 under the MAC key, not under the wrapping key', async () => {
    const raw = LocalKeyService.generateKeys();
    const keys = new LocalKeyService(raw, { legacyMac: true });
    const message = bytes('+447700900123');
    expect(hex(await keys.mac!(message))).toBe(createHmac('sha256', raw.macKey).update(message).digest('hex'));
    expect(hex(await keys.mac!(message))).not.toBe(createHmac('sha256', raw.wrappingKey).update(message).digest('hex'));
    expect(new LocalKeyService(raw).mac).toBeUndefined();
  });

  it('refuses keys of the wrong size, or one key used for both purposes', () => {
    const key = randomBytes(32);
    expect(() => new LocalKeyService({ wrappingKey: randomBytes(16), macKey: key })).toThrow(/32 bytes/);
    expect(() => new LocalKeyService({ wrappingKey: key, macKey: Buffer.from(key) })).toThrow(/must differ/);
  });
});
