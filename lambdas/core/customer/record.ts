/**
 * The customer row: one record type for every path that touches it (requests, retention, legal hold,
 * erasure, the TTL stream), and one zod-checked mapper between the stored item and the domain value.
 * The schema is strict and its keys are exactly the table spec's attributes (a test checks it), so a
 * new attribute cannot be silently dropped by a read-modify-write.
 */
import * as z from 'zod';
import { CorruptRecordError } from '../shared/errors';
import type { Item } from '../shared/ports';
import { ConsentEventSchema } from './consent';
import type { Contact } from './contact';

/** What is sealed inside the customer row: the personal values and the pseudonyms that link other rows. */
export interface SealedCustomer {
  name: string;
  contact: Contact;
  pseudonyms: { interaction: string; behaviour: string };
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
  /** Blind index of the contact (keyed HMAC), also the key of its contact-index entry. */
  lookup: z.string(),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  /** TTL (epoch seconds); absent while a legal hold suspends deletion. */
  expiresAt: z.number().optional(),
  consent: z.array(ConsentEventSchema).default([]),
  erasure: ErasureMarkSchema.optional(),
  legalHold: z.strictObject({ since: z.string(), reason: bytes, by: z.string() }).optional(),
  /** What each reminder topic last announced (the date it named), so it is sent once. */
  reminders: z.record(z.string(), z.string()).optional(),
  /**
   * The contact was refused for good (a bounced address, an invalid number): when, and the provider's
   * error name. It applies while `lookup` is the row's own, so a changed contact is tried again.
   */
  undeliverable: z.strictObject({ lookup: z.string(), since: z.string(), reason: z.string() }).optional(),
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

/** The item to store; undefined attributes are not written. */
export function customerToItem(row: CustomerRow): Item {
  return { ...row };
}
