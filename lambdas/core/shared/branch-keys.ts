/**
 * Branch keys: the middle of the key hierarchy (KMS key → branch keys → customer keys → Encryption
 * SDK message keys). A customer key is a random 256-bit key wrapped with AES-256-GCM under the
 * branch key its customerId hashes to, the customerId, branch and version bound as associated data:
 * moved to another customer's row it no longer unwraps. Branch keys are versioned: new customer keys
 * go under the newest version, older ones are re-wrapped by `npm run rewrap-keys` (./key-jobs.ts).
 * docs/ARCHITECTURE.md "Key hierarchy" explains the choice and the threat model.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { IntegrityError } from './errors';
import { isFresh, type KeyMaterial, type StoredKey } from './key-material';

/** A customer key as stored in `customer-keys`; without `branch` it was wrapped by KMS directly (legacy). */
export interface WrappedKey {
  wrappedKey: Uint8Array;
  branch?: number;
  branchVersion?: number;
}

export interface BranchKeyOptions {
  /** How many branch keys new customer keys are spread over (16 to 64, default 16). */
  branches?: number;
  /** How long an instance trusts its idea of a branch's newest version (default 60 s); also the settle time of a rotation. */
  refreshMs?: number;
}

export const MIN_BRANCHES = 16;
export const MAX_BRANCHES = 64;
const FORMAT = 1;
const IV_BYTES = 12;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
export const WRAPPED_BYTES = 1 + IV_BYTES + KEY_BYTES + TAG_BYTES;

export const branchKeyId = (branch: number) => `branch-${String(branch).padStart(2, '0')}`;

export class BranchKeys {
  readonly branches: number;
  readonly refreshMs: number;
  private readonly heads = new Map<number, { row: StoredKey; until: number }>();

  constructor(
    private readonly material: KeyMaterial,
    options: BranchKeyOptions = {},
  ) {
    this.branches = options.branches ?? MIN_BRANCHES;
    if (!Number.isInteger(this.branches) || this.branches < MIN_BRANCHES || this.branches > MAX_BRANCHES) {
      throw new Error(`The number of branch keys must be a whole number from ${MIN_BRANCHES} to ${MAX_BRANCHES}.`);
    }
    this.refreshMs = options.refreshMs ?? 60_000;
  }

  /** The branch of a customer: stable, spread evenly, and revealing nothing a customerId does not. */
  branchOf(customerId: string): number {
    return createHash('sha256').update(customerId).digest().readUInt32BE(0) % this.branches;
  }

  /** Wraps a customer key under the newest version of the customer's branch. */
  async wrap(customerId: string, plaintext: Uint8Array, branch = this.branchOf(customerId)): Promise<Required<WrappedKey>> {
    const head = await this.newest(branch);
    const version = head.version;
    const key = await this.material.material('branch-key', head.keyId, version, head);
    if (!key) throw new IntegrityError('The newest branch key was retired meanwhile.');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(customerId, branch, version));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const wrappedKey = new Uint8Array(Buffer.concat([Buffer.from([FORMAT]), iv, body, cipher.getAuthTag()]));
    return { wrappedKey, branch, branchVersion: version };
  }

  /** Unwraps a branch-wrapped customer key; IntegrityError if it is not this customer's, or was tampered with. */
  async unwrap(customerId: string, stored: Required<WrappedKey>): Promise<Uint8Array> {
    const { wrappedKey: w, branch, branchVersion } = stored;
    if (w.length !== WRAPPED_BYTES || w[0] !== FORMAT) throw refused();
    const key = await this.material.material('branch-key', branchKeyId(branch), branchVersion);
    // A retired version: every key under it should have been re-wrapped first.
    if (!key) throw new IntegrityError('The branch key of this customer key no longer exists.');
    const bytes = Buffer.from(w.buffer, w.byteOffset, w.byteLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(associatedData(customerId, branch, branchVersion));
      decipher.setAuthTag(bytes.subarray(WRAPPED_BYTES - TAG_BYTES));
      return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, WRAPPED_BYTES - TAG_BYTES)), decipher.final()]));
    } catch {
      throw refused();
    }
  }

  /**
   * The newest version of a branch, as this instance last saw it (refreshed every `refreshMs`).
   * A branch nobody has used yet gets its first version here.
   */
  async newest(branch: number): Promise<StoredKey> {
    const head = this.heads.get(branch);
    if (head && isFresh(head.until, this.material.nowMs(), this.refreshMs)) return head.row;
    const keyId = branchKeyId(branch);
    const row = (await this.material.newest(keyId)) ?? (await this.material.create('branch-key', keyId, 1)).row;
    this.heads.set(branch, { row, until: this.material.nowMs() + this.refreshMs });
    return row;
  }

  /** The newest version if this instance knows it without a read (the lazy re-wrap on read uses it). */
  knownNewest(branch: number): number | undefined {
    const head = this.heads.get(branch);
    return head && isFresh(head.until, this.material.nowMs(), this.refreshMs) ? head.row.version : undefined;
  }

  /** Forgets what this instance knows of the branches' versions (after a rotation it made itself). */
  refresh(): void {
    this.heads.clear();
  }
}

/**
 * Wrap format 1, associated data: a label, then the customerId, branch and version (NUL-separated;
 * a customerId holds no NUL). A key moved to another row, branch or version fails to unwrap.
 */
function associatedData(customerId: string, branch: number, version: number): Buffer {
  return Buffer.from(`privacy-crm/customer-key/v${FORMAT}\0${customerId}\0${branch}\0${version}`, 'utf8');
}

function refused(): IntegrityError {
  return new IntegrityError('The customer key could not be unwrapped for this customer.');
}

export const CUSTOMER_KEY_BYTES = KEY_BYTES;
