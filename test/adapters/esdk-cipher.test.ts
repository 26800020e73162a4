import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  NodeAlgorithmSuite,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { EsdkFieldCipher, FIELD_SUITE, KEY_NAMESPACE } from '../../lambdas/adapters/crypto/esdk-cipher';
import { IntegrityError } from '../../lambdas/core/shared/errors';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

const esdk = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 1 });
const keyringFor = (key: Uint8Array, keyName: string) =>
  new RawAesKeyringNode({
    keyName,
    keyNamespace: KEY_NAMESPACE,
    unencryptedMasterKey: Uint8Array.from(key), // the keyring zeroes what it is given
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });

const cipher = new EsdkFieldCipher();
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const contextA = { customerId: 'cust-a', category: 'contact' };
const contextB = { customerId: 'cust-b', category: 'contact' };

describe('EsdkFieldCipher', () => {
  it('decrypts what it encrypted, for the same customer key and row', async () => {
    const sealed = await cipher.encrypt(keyA, 'cust-a', text('ann@example.com'), contextA);
    expect(Buffer.from(sealed).includes(Buffer.from('ann@example.com'))).toBe(false);
    expect(str(await cipher.decrypt(keyA, 'cust-a', sealed, contextA))).toBe('ann@example.com');
    expect(str(await cipher.decrypt(keyA, 'cust-a', sealed, { category: 'contact', customerId: 'cust-a' }))).toBe('ann@example.com');
  });

  it('encrypts the same value differently every time', async () => {
    const one = await cipher.encrypt(keyA, 'cust-a', text('same'), contextA);
    const two = await cipher.encrypt(keyA, 'cust-a', text('same'), contextA);
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(false);
  });

  it("a ciphertext moved to another customer's row fails, even under the same key", async () => {
    const sealed = await cipher.encrypt(keyA, 'cust-a', text('ann@example.com'), contextA);
    const err = await cipher.decrypt(keyA, 'cust-a', sealed, contextB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).not.toMatch(/ann|cust-/);
  });

  it('a ciphertext moved to another category of the same customer fails', async () => {
    const sealed = await cipher.encrypt(keyA, 'cust-a', text('+447700900123'), contextA);
    await expect(cipher.decrypt(keyA, 'cust-a', sealed, { ...contextA, category: 'identity' })).rejects.toBeInstanceOf(IntegrityError);
  });

  it('a ciphertext whose context lacks a pair the reader expects fails', async () => {
    const sealed = await cipher.encrypt(keyA, 'cust-a', text('x'), { customerId: 'cust-a' });
    await expect(cipher.decrypt(keyA, 'cust-a', sealed, contextA)).rejects.toBeInstanceOf(IntegrityError);
  });

  it("another customer's key does not decrypt, under either key name", async () => {
    const sealed = await cipher.encrypt(keyA, 'cust-a', text('ann@example.com'), contextA);
    await expect(cipher.decrypt(keyB, 'cust-a', sealed, contextA)).rejects.toBeInstanceOf(IntegrityError);
    await expect(cipher.decrypt(keyB, 'cust-b', sealed, contextA)).rejects.toBeInstanceOf(IntegrityError);
    await expect(cipher.decrypt(keyA, 'cust-b', sealed, contextA)).rejects.toBeInstanceOf(IntegrityError);
  });

  it("leaves the caller's customer key intact (the ESDK zeroes the key buffer a keyring is built from)", async () => {
    const key = randomBytes(32);
    const copy = Buffer.from(key);
    const local = new EsdkFieldCipher();
    const sealed = await local.encrypt(key, 'cust-k', text('v'), contextA);
    await local.decrypt(key, 'cust-k', sealed, contextA);
    expect(key.equals(copy)).toBe(true);
    expect(str(await new EsdkFieldCipher().decrypt(copy, 'cust-k', sealed, contextA))).toBe('v');
  });

  it('refuses to encrypt under a wiped (all-zero) key', async () => {
    await expect(new EsdkFieldCipher().encrypt(new Uint8Array(32), 'cust-z', text('v'), contextA)).rejects.toThrow(/all zeros/);
  });

  it('a changed key under a cached key name is noticed, not served from the cache', async () => {
    const local = new EsdkFieldCipher();
    const sealed = await local.encrypt(keyA, 'cust-x', text('v'), contextA);
    await expect(local.decrypt(keyB, 'cust-x', sealed, contextA)).rejects.toBeInstanceOf(IntegrityError);
    expect(str(await local.decrypt(keyA, 'cust-x', sealed, contextA))).toBe('v');
  });

  it('keeps working when keyrings expire, are evicted or are forgotten', async () => {
    let now = 0;
    const local = new EsdkFieldCipher({ maxKeyrings: 1, keyringTtlMs: 1000, now: () => now });
    const sealedA = await local.encrypt(keyA, 'cust-a', text('a'), contextA);
    const sealedB = await local.encrypt(keyB, 'cust-b', text('b'), contextB);
    expect(str(await local.decrypt(keyA, 'cust-a', sealedA, contextA))).toBe('a');
    now += 5000;
    expect(str(await local.decrypt(keyB, 'cust-b', sealedB, contextB))).toBe('b');
    local.forget('cust-b');
    expect(str(await local.decrypt(keyB, 'cust-b', sealedB, contextB))).toBe('b');
  });

  it('any tampered byte makes decryption fail', async () => {
    const sealed = await cipher.encrypt(keyA, 'cust-a', text('ann@example.com'), contextA);
    const positions = [0, 1, 2, 10, 40, Math.floor(sealed.length / 2), sealed.length - 30, sealed.length - 1];
    for (const at of positions) {
      const tampered = Uint8Array.from(sealed);
      tampered[at] ^= 0x01;
      await expect(cipher.decrypt(keyA, 'cust-a', tampered, contextA), `byte ${at}`).rejects.toBeInstanceOf(IntegrityError);
    }
    await expect(cipher.decrypt(keyA, 'cust-a', sealed.subarray(0, sealed.length - 1), contextA)).rejects.toBeInstanceOf(IntegrityError);
    await expect(cipher.decrypt(keyA, 'cust-a', new Uint8Array(0), contextA)).rejects.toBeInstanceOf(IntegrityError);
    await expect(cipher.decrypt(keyA, 'cust-a', text('not an ESDK message'), contextA)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('writes message format 2 with the committing suite 0x0478, which carries no signature', async () => {
    const sealed = Buffer.from(await cipher.encrypt(keyA, 'cust-a', text('ann@example.com'), contextA));
    expect(FIELD_SUITE).toBe(0x0478);
    expect(sealed[0]).toBe(0x02); // message format version 2: key commitment
    expect(sealed.readUInt16BE(1)).toBe(0x0478);

    const { messageHeader } = await esdk.decrypt(keyringFor(keyA, 'cust-a'), sealed);
    expect(messageHeader.suiteId).toBe(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
    expect(new NodeAlgorithmSuite(messageHeader.suiteId).signatureCurve).toBeUndefined();
    // Signed suites put their verification key into the context; ours holds only what we asked for.
    expect({ ...messageHeader.encryptionContext }).toEqual(contextA);
    expect(messageHeader.encryptedDataKeys).toHaveLength(1);
    expect(messageHeader.encryptedDataKeys[0].providerId).toBe(KEY_NAMESPACE);
  });

  it('keeps the overhead per value small: a fixed ~330 bytes for a UUID customer, well under the signing suite', async () => {
    const customerId = randomUUID();
    const context = { customerId, category: 'contact' };
    const value = text('ann@example.com');
    const sealed = await cipher.encrypt(keyA, customerId, value, context);
    const longer = await cipher.encrypt(keyA, customerId, new Uint8Array(500).fill(7), context);
    const { result: signed } = await esdk.encrypt(keyringFor(keyA, customerId), value, {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      encryptionContext: context,
    });
    // Header (message id, context, one wrapped key, commitment, auth tag) plus one frame; the key name
    // and the context are in it, so the overhead grows with the id length, not with the value.
    const overhead = sealed.length - value.length;
    expect(overhead).toBeLessThan(360);
    expect(longer.length - 500).toBe(overhead);
    expect(signed.length - sealed.length).toBeGreaterThan(100);
  });

  it('refuses a valid message under the same key if it was written with another suite', async () => {
    const { result: signed } = await esdk.encrypt(keyringFor(keyA, 'cust-a'), text('x'), {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      encryptionContext: contextA,
    });
    await expect(cipher.decrypt(keyA, 'cust-a', signed, contextA)).rejects.toBeInstanceOf(IntegrityError);
  });
});
