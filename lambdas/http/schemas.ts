/**
 * Request and response schemas: the one definition that validates requests, types the handlers and
 * generates the OpenAPI document. Request objects are strict: an unknown field is an error, never
 * silently stored or dropped.
 */
import * as z from 'zod';
import { CATEGORIES } from '../core/policy/inventory';
import { CURSOR_MAX_CHARS, PAGE_LIMIT } from '../core/shared/paging';
import { ROLES } from '../core/shared/principal';
import { safeText } from './text-policy';

export const Uuid = z.uuid({ version: 'v4' }).max(36);

// Bounds of the text the server writes. Every string in the document has one (OWASP API4), and the
// tests check real responses against the document, so a bound that does not hold fails a test.
/** A moment the server wrote (ISO 8601, UTC). */
export const Timestamp = z.iso.datetime().max(40);
/** A day (ISO 8601 date, UTC), for what is deliberately kept no finer than a day. */
export const Day = z.iso.date().max(10).describe('A day (UTC), kept no finer so that it cannot be matched to other rows by time.');
/** A machine word: a status, role, action, category or source name. */
export const Word = z.string().max(64);
/** A title, label or field name. */
export const Label = z.string().max(200);
/** A sentence or two the server wrote (inventory texts, problem details). */
export const Prose = z.string().max(1000);
/** What a customer wrote or staff stated (a purpose, a reason), as stored: at most 500 characters. */
export const Statement = z.string().max(500);

export const Email = z
  .string()
  .max(320)
  .meta({ description: 'Email address; trimmed and lower-cased.', examples: ['alice@example.com'] });
export const Phone = z
  .string()
  .max(40)
  .meta({ description: 'Phone number in any common formatting; stored as E.164.', examples: ['+44 20 7946 0958'] });
// Stored in NFC: the same name typed on two keyboards is one value (and masks, compares, exports alike).
const Name = safeText(400)
  .normalize('NFC')
  .meta({ description: '1 to 200 characters after trimming; one line, no control, bidi or zero-width characters.' });

export const CreateCustomerBody = z
  .strictObject({
    name: Name,
    email: Email.optional(),
    phone: Phone.optional(),
    consent: z.strictObject({ communications: z.boolean().optional() }).optional(),
  })
  .meta({ id: 'CreateCustomer', description: 'Exactly one of email or phone.', oneOf: [{ required: ['email'] }, { required: ['phone'] }] });

export const ContactQueryBody = z
  .strictObject({ email: Email.optional(), phone: Phone.optional() })
  .meta({ id: 'ContactQuery', description: 'Exactly one of email or phone.', oneOf: [{ required: ['email'] }, { required: ['phone'] }] });

export const PatchCustomerBody = z
  .strictObject({
    name: Name.optional(),
    email: Email.optional(),
    phone: Phone.optional(),
    purpose: safeText(500)
      .trim()
      .min(3)
      .optional()
      .meta({ description: 'Required with email or phone: why the contact method changes; written to the access log. One line.' }),
  })
  .meta({
    id: 'PatchCustomer',
    description:
      'At least one of name, email, phone. At most one of email or phone; it replaces the current contact method, which needs the ' +
      "privacy_officer or admin role and a purpose, tells the old and the new contact, and ends the customer's portal sessions and codes.",
    minProperties: 1,
  });

export const RevealBody = z
  .strictObject({
    purpose: safeText(500).trim().min(3).meta({ description: 'Why the full values are needed; written to the access log. One line.' }),
  })
  .meta({ id: 'RevealRequest' });

const ConsentView = z.strictObject({
  status: z.enum(['never', 'active', 'withdrawn', 'expired']),
  grantedAt: Timestamp.optional(),
  expiresAt: Timestamp.optional(),
  withdrawnAt: Timestamp.optional(),
  source: Word.optional(),
});

export const ConsentState = z.strictObject({ communications: ConsentView, analytics: ConsentView }).meta({ id: 'ConsentState' });

export const MaskedCustomer = z
  .strictObject({
    customerId: Uuid,
    name: z.string().max(1000).meta({ description: 'Masked: initials only.' }),
    contact: z.strictObject({ type: z.enum(['email', 'phone']), masked: z.string().max(400) }),
    consent: ConsentState,
    retention: z.strictObject({ expiresAt: Timestamp }),
    erasure: z.strictObject({ status: Word, scheduledFor: Timestamp, receiptId: Uuid }).optional(),
    legalHold: z.boolean().optional(),
    createdAt: Timestamp,
  })
  .meta({ id: 'MaskedCustomer' });

export const RevealedCustomer = z
  .strictObject({ name: z.string().max(400), email: z.string().max(320).optional(), phone: z.string().max(40).optional() })
  .meta({ id: 'RevealedCustomer' });

export const CustomerIdResult = z.strictObject({ customerId: Uuid }).meta({ id: 'CustomerIdResult' });

export const AccessEntry = z
  .strictObject({
    at: Timestamp,
    actor: Label.meta({ description: 'Who: staff:<staff id>, customer (the portal), or system:<job>. Never a name.' }),
    role: Word,
    action: Word,
    purpose: Statement.nullable().optional().meta({ description: 'null once the customer key is destroyed.' }),
  })
  .meta({ id: 'AccessEntry' });

const LIMIT_MESSAGE = `must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}`;

/** A page cursor: opaque to the client, handed back unchanged. */
export const Cursor = z
  .string()
  .min(1)
  .max(CURSOR_MAX_CHARS)
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be the nextCursor of a previous page of this list' })
  .meta({ description: 'Opaque: the nextCursor of the previous page of the same list.' });

/** `?limit=&cursor=` of every list route; a query string carries text, so the digits are read here. */
export const PageQuery = z.strictObject({
  limit: z
    .preprocess(
      (v) => (typeof v === 'string' && /^[0-9]{1,4}$/.test(v) ? Number(v) : v),
      z
        .number({ error: LIMIT_MESSAGE })
        .int({ error: LIMIT_MESSAGE })
        .min(PAGE_LIMIT.min, { error: LIMIT_MESSAGE })
        .max(PAGE_LIMIT.max, { error: LIMIT_MESSAGE }),
    )
    .optional()
    .meta({ description: `Items per page, ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max} (default ${PAGE_LIMIT.default}).`, format: 'int32' }),
  cursor: Cursor.optional(),
});

/** How long the inventory's lists are (maxItems in the contract: every array the API answers is bounded). */
export const INVENTORY_BOUNDS = {
  categories: CATEGORIES.length,
  fields: Math.max(...CATEGORIES.map((c) => c.fields.length)),
  recipients: Math.max(...CATEGORIES.map((c) => c.recipients.length)),
} as const;

/** At most this many field errors in one problem; the first ones are enough to fix a request. */
export const MAX_PROBLEM_ERRORS = 20;

/** `nextCursor` of a page: present only when more items follow. */
export const NextCursor = Cursor.optional().meta({ description: 'Present when more items follow: pass it as `cursor` to get them.' });

export const AccessLogResult = z
  .strictObject({ items: z.array(AccessEntry).max(PAGE_LIMIT.max), nextCursor: NextCursor })
  .meta({ id: 'AccessLog', description: 'One page, newest first.' });

export const Inventory = z
  .object({
    categories: z
      .array(
        z.object({
          id: Word,
          title: Label,
          table: Word,
          fields: z.array(Word).max(INVENTORY_BOUNDS.fields),
          personal: z.boolean(),
          purpose: Prose,
          legalBasis: Prose,
          retention: z.object({ days: z.number(), from: Word, label: Label }),
          encryption: Prose,
          onErasure: Word,
          onErasureReason: Prose,
          recipients: z.array(Label).max(INVENTORY_BOUNDS.recipients),
          source: Prose,
        }),
      )
      .max(INVENTORY_BOUNDS.categories),
    policy: z.record(Word, z.number()),
  })
  .meta({ id: 'Inventory' });

export const Problem = z
  .object({
    type: Label,
    title: Word,
    status: z.number().int().min(400).max(599).meta({ format: 'int32' }),
    detail: Prose,
    code: Word,
    errors: z
      .array(z.object({ field: Label, message: Label }))
      .max(MAX_PROBLEM_ERRORS)
      .optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

export const RoleEnum = z.enum(ROLES);
