/**
 * Ports: what the domain needs from the outside world. Adapters (DynamoDB, KMS, Scheduler, SES/SNS,
 * and their local stand-ins) implement them and are injected at one composition root per home.
 */
import type { TableId } from '../policy/tables';

export interface Clock {
  now(): Date;
}

/** Values a row may hold. Binary values are ciphertexts. */
export type Value = string | number | boolean | null | Uint8Array | Value[] | { [k: string]: Value | undefined };
export type Item = Record<string, Value | undefined>;
export type Key = Record<string, string | number>;

export type WriteCondition =
  | { kind: 'notExists' }
  | { kind: 'exists' }
  /** Every named attribute holds exactly this value (undefined: attribute absent). */
  | { kind: 'equals'; values: Record<string, string | number | boolean | undefined> };

export interface QueryOptions {
  limit?: number;
  cursor?: string;
  /**
   * Start past this sort key value in the query's direction (not with `cursor`): how a page position the
   * domain handed out as its own cursor, which names no partition, is resumed.
   */
  after?: string | number;
  descending?: boolean;
  /** Sort key begins with. */
  prefix?: string;
  consistent?: boolean;
}

export interface IndexQueryOptions {
  limit?: number;
  cursor?: string;
  /** Only entries whose index sort key is at most this (an index with a sort key), in sort-key order. */
  atMost?: string | number;
}

export interface Page {
  items: Item[];
  cursor?: string;
}

/** One of `totalSegments` disjoint parts of a table, scanned in parallel by operator commands. */
export interface ScanOptions {
  segment: number;
  totalSegments: number;
}

/** Single-item storage with conditional writes: the only consistency tool the domain relies on. */
export interface Store {
  get(table: TableId, key: Key, opts?: { consistent?: boolean }): Promise<Item | undefined>;
  /** Throws ConditionFailedError when `condition` does not hold. */
  put(table: TableId, item: Item, condition?: WriteCondition): Promise<void>;
  /** Idempotent: deleting an absent row succeeds unless a condition says otherwise. */
  delete(table: TableId, key: Key, condition?: WriteCondition): Promise<void>;
  /**
   * Deletes every row named, unconditionally (absent rows and repeated keys are fine), in as few requests
   * as the store allows (DynamoDB BatchWriteItem: 25 per call, unprocessed items retried). Not atomic: when
   * it throws, some of the rows may be gone; a retry finishes the job.
   */
  batchDelete(table: TableId, keys: readonly Key[]): Promise<void>;
  query(table: TableId, partition: string | number, opts?: QueryOptions): Promise<Page>;
  /**
   * The rows whose `index` key (a global secondary index of the table spec) equals `value`. Eventually
   * consistent: a row written a moment ago may be missing. Items carry only what the index projects.
   */
  queryIndex(table: TableId, index: string, value: string | number, opts?: IndexQueryOptions): Promise<Page>;
  /**
   * Every row of a table, or of one segment of it: for operator commands (re-applying erasures, re-indexing)
   * and the local home's reaper only, never a request path or scheduled job (DESIGN.md "Scale rules").
   */
  scan(table: TableId, opts?: ScanOptions): AsyncIterable<Item>;
}

export type EncryptionContext = Record<string, string>;

/**
 * KMS: generates and unwraps the key material of the key hierarchy (branch keys, beacon keys), each
 * bound to an encryption context. The vault calls it once per key version and cache period, never
 * per request (see shared/branch-keys.ts, shared/beacon.ts).
 */
export interface KeyService {
  generateDataKey(context: EncryptionContext): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }>;
  unwrapDataKey(wrapped: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  /**
   * Legacy only: HMAC-SHA256 under the KMS MAC key that computed blind indexes before beacon keys.
   * Present while such indexes may exist; `npm run rebuild-index` replaces them, after which it is never called.
   */
  mac?(message: Uint8Array): Promise<Uint8Array>;
}

/** Envelope encryption of one value under a customer key (AWS Encryption SDK in every home). */
export interface FieldCipher {
  encrypt(customerKey: Uint8Array, keyName: string, plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  /** Returns the plaintext only if the message's encryption context contains `context`; else IntegrityError. */
  decrypt(customerKey: Uint8Array, keyName: string, ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  /** Drops anything derived from the key of `keyName` (called when the vault evicts or shreds it). */
  forget?(keyName: string): void;
}

export interface Message {
  /** Whose message it is: never sent or logged, it lets a notifier that keeps copies drop them on erasure. */
  customerId: string;
  to: string;
  channel: 'email' | 'sms';
  subject?: string;
  body: string;
}

/** Sends a message to a contact (SES/SNS in AWS, the outbox locally). */
export interface Notifier {
  send(message: Message): Promise<void>;
  /**
   * Drops every copy kept of the customer's messages; called when the customer is erased. Only a
   * notifier that keeps copies has it (the local outbox); SES and SNS keep none we could reach.
   */
  forget?(customerId: string): Promise<void>;
}

/** One-time delayed invocation (EventBridge Scheduler in AWS, a polled table locally). */
export interface Scheduler {
  /** Creates or replaces the schedule `name` to fire at `at` with `payload`. */
  schedule(name: string, at: Date, payload: Record<string, string>): Promise<void>;
  /** Idempotent: cancelling an absent schedule succeeds. */
  cancel(name: string): Promise<void>;
  /** Whether the schedule `name` exists (not yet fired, or firing). */
  exists(name: string): Promise<boolean>;
}

/** Minimal structured logger. Callers pass ids and codes only, never personal values. */
export interface Log {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}
