/**
 * Request and response schemas: the one definition that validates requests, types the handlers and
 * generates the OpenAPI document. Request objects are strict: an unknown field is an error, never
 * silently stored or dropped.
 */
import { z } from 'zod';
import { ROLES } from '../core/shared/principal';

export const Uuid = z.uuid({ version: 'v4' });

export const Email = z.string().max(320).meta({ description: 'Email address; trimmed and lower-cased.', examples: ['alice@example.com'] });
export const Phone = z.string().max(40).meta({ description: 'Phone number in any common formatting; stored as E.164.', examples: ['+44 20 7946 0958'] });
const Name = z.string().max(400).meta({ description: '1 to 200 characters after trimming.' });

export const CreateCustomerBody = z
  .strictObject({
    name: Name,
    email: Email.optional(),
    phone: Phone.optional(),
    consent: z.strictObject({ communications: z.boolean().optional() }).optional(),
  })
  .meta({ id: 'CreateCustomer', description: 'Exactly one of email or phone.' });

export const ContactQueryBody = z
  .strictObject({ email: Email.optional(), phone: Phone.optional() })
  .meta({ id: 'ContactQuery', description: 'Exactly one of email or phone.' });

export const PatchCustomerBody = z
  .strictObject({ name: Name.optional(), email: Email.optional(), phone: Phone.optional() })
  .meta({ id: 'PatchCustomer', description: 'At most one of email or phone; it replaces the current contact method.' });

export const RevealBody = z
  .strictObject({ purpose: z.string().trim().min(3).max(500).meta({ description: 'Why the full values are needed; written to the access log.' }) })
  .meta({ id: 'RevealRequest' });

const ConsentView = z.strictObject({
  status: z.enum(['never', 'active', 'withdrawn', 'expired']),
  grantedAt: z.iso.datetime().optional(),
  expiresAt: z.iso.datetime().optional(),
  withdrawnAt: z.iso.datetime().optional(),
  source: z.string().optional(),
});

export const ConsentState = z.strictObject({ communications: ConsentView, analytics: ConsentView }).meta({ id: 'ConsentState' });

export const MaskedCustomer = z
  .strictObject({
    customerId: Uuid,
    name: z.string().meta({ description: 'Masked: initials only.' }),
    contact: z.strictObject({ type: z.enum(['email', 'phone']), masked: z.string() }),
    consent: ConsentState,
    retention: z.strictObject({ expiresAt: z.iso.datetime() }),
    erasure: z.strictObject({ status: z.string(), scheduledFor: z.iso.datetime(), receiptId: z.string() }).optional(),
    legalHold: z.boolean().optional(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'MaskedCustomer' });

export const RevealedCustomer = z
  .strictObject({ name: z.string(), email: z.string().optional(), phone: z.string().optional() })
  .meta({ id: 'RevealedCustomer' });

export const CustomerIdResult = z.strictObject({ customerId: Uuid }).meta({ id: 'CustomerIdResult' });

export const AccessEntry = z
  .strictObject({
    at: z.iso.datetime(),
    actor: z.string(),
    role: z.string(),
    action: z.string(),
    purpose: z.string().nullable().optional().meta({ description: 'null once the customer key is destroyed.' }),
  })
  .meta({ id: 'AccessEntry' });

export const AccessLogResult = z.strictObject({ items: z.array(AccessEntry) }).meta({ id: 'AccessLog' });

export const Inventory = z
  .object({
    categories: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        table: z.string(),
        fields: z.array(z.string()),
        personal: z.boolean(),
        purpose: z.string(),
        legalBasis: z.string(),
        retention: z.object({ days: z.number(), from: z.string(), label: z.string() }),
        encryption: z.string(),
        onErasure: z.string(),
        onErasureReason: z.string(),
        recipients: z.array(z.string()),
        source: z.string(),
      }),
    ),
    policy: z.record(z.string(), z.number()),
  })
  .meta({ id: 'Inventory' });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

export const RoleEnum = z.enum(ROLES);
