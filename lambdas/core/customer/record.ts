/**
 * The customer row: one record type for every path that touches it (requests, retention, legal hold,
 * erasure, the TTL stream), and one zod-checked mapper between the stored item and the domain value.
 * The schema is strict and its keys are exactly the table spec's attributes and legacy attributes (a test
 * checks it), so a new attribute cannot be silently dropped by a read-modify-write.
 */
import * as z from 'zod';
import { CorruptRecordError } from '../shared/errors';
import type { Item } from '../shared/ports';
import { dayOfStored } from '../policy/time';
import { ConsentEventSchema } from './consent';
import type { Contact } from './contact';

/**
 * What is sealed inside the customer row: the personal values, the pseudonyms that link other rows, and
 * the contact's blind index (the key of its contact-index entry). Sealed, not beside the row: the
 * customers table keeps 35 days of backups, and a blind index there would link the contact to the
 * customerId for that long after an erasure. Records sealed before it moved here lack it.
 */
export interface SealedCustomer {
  name: string;
  contact: Contact;
  pseudonyms: { interaction: string; behaviour: string };
  lookup?: string;
}

// Ciphertexts; z.instanceof would narrow to Uint8Array<ArrayBuffer>, which Buffer is not.
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'must be binary');

/** The erasure mark; `startedAt` once the erasure handler has taken it over (then nothing may stop it). */
export const ErasureMarkSchema = z.strictObject({
  status: z.enum(['pending', 'on-hold']),
  receiptId: z.string(),
  requestedAt: z.string(),
  scheduledFor: z.string(),
  startedAt: z.string().optional(),
});
export type ErasureMark = z.infer<typeof ErasureMarkSchema>;

export const CustomerRowSchema = z.strictObject({
  customerId: z.string(),
  /** Version for conditional writes: every write bumps it. */
  v: z.number().int(),
  sealed: bytes,
  contactType: z.enum(['email', 'phone']),
  /** Legacy: rows written before the blind index moved into the sealed record. Read, dropped on the next write. */
  lookup: z.string().optional(),
  createdAt: z.string(),
  /** The day (YYYY-MM-DD) of the last activity; older rows hold a full timestamp, read as its day. */
  lastActivityAt: z.string().transform(dayOfStored),
  /** TTL (epoch seconds); absent while a legal hold suspends deletion. */
  expiresAt: z.number().optional(),
  consent: z.array(ConsentEventSchema).default([]),
  erasure: ErasureMarkSchema.optional(),
  legalHold: z.strictObject({ since: z.string(), reason: bytes, by: z.string() }).optional(),
  /** What each reminder topic last announced (the date it named), so it is sent once. */
  reminders: z.record(z.string(), z.string()).optional(),
  /** The day (YYYY-MM-DD) the next reminder is due, and the row's shard of the reminder index (reminder-day.ts). */
  remindShard: z.number().int().optional(),
  remindOn: z.string().optional(),
  /**
   * The contact was refused for good (a bounced address, an invalid number): when, and the provider's
   * error name. Not tried again until the contact changes (a change clears it). `lookup`: legacy, marks
   * written while the row still carried the blind index (they apply while it matches); never written again.
   */
  undeliverable: z.strictObject({ since: z.string(), reason: z.string(), lookup: z.string().optional() }).optional(),
});
export type CustomerRow = z.output<typeof CustomerRowSchema>;

export function customerFromItem(item: Item): CustomerRow {
  const parsed = CustomerRowSchema.safeParse(item);
  if (!parsed.success) {
    // Attribute names only: values may be personal.
    throw new CorruptRecordError('customers', parsed.error.issues.map((i) => i.path.join('.') || i.code).join(', '));
  }
  return parsed.data;
}

/** The item to store; undefined attributes are not written, nor legacy ones (`lookup`, also in `undeliverable`). */
export function customerToItem(row: CustomerRow): Item {
  const { lookup: _legacy, ...item } = row;
  if (!row.undeliverable) return item;
  const { lookup: _legacyMark, ...undeliverable } = row.undeliverable;
  return { ...item, undeliverable };
}

/**
 * Whether the row's contact was refused for good. A legacy mark names the blind index it was made for,
 * and applies only while the row still carries that one (or no longer says: a contact change clears it).
 */
export function isUndeliverable(row: CustomerRow): boolean {
  const mark = row.undeliverable;
  if (!mark) return false;
  return mark.lookup === undefined || row.lookup === undefined || mark.lookup === row.lookup;
}
