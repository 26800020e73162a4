/**
 * Schemas of the data-category routes (interactions, purchases, behavioural events, consent) and of the
 * customer export. Request objects are strict; the domain re-checks every rule, so the core is safe to
 * call without them (the portal, jobs).
 */
import * as z from 'zod';
import { BEHAVIOUR_TYPES, PATH_MAX_CHARS } from '../core/categories/behaviour';
import { CONSENT_PURPOSES, CONSENT_SOURCES, STAFF_CONSENT_SOURCES } from '../core/customer/consent';
import { INTERACTION_CHANNELS, SUMMARY_MAX_CHARS } from '../core/categories/interactions';
import { PURCHASE_LIMITS, SKU_PATTERN } from '../core/categories/purchases';
import { PAGE_LIMIT } from '../core/shared/paging';
import { ConsentState, Day, INVENTORY_BOUNDS, Label, NextCursor, Prose, Statement, Timestamp, Uuid, Word } from './schemas';
import { safeText } from './text-policy';

const OccurredAt = z.iso.datetime({ offset: true }).max(40).meta({
  description:
    'When it happened: ISO 8601 with seconds and a time zone. Defaults to now; not in the future, not older than the category is kept.',
});

const Expiry = Timestamp.optional().meta({
  description: 'When it is deleted (inventory retention); absent while a legal hold suspends deletion.',
});

export const CreateInteractionBody = z
  .strictObject({
    channel: z.enum(INTERACTION_CHANNELS),
    summary: safeText(SUMMARY_MAX_CHARS, { multiline: true })
      .optional()
      .meta({ description: `What the contact was about, at most ${SUMMARY_MAX_CHARS} characters. Encrypted under the customer's key.` }),
    occurredAt: OccurredAt.optional(),
  })
  .meta({ id: 'CreateInteraction' });

export const Interaction = z
  .strictObject({
    interactionId: Uuid,
    channel: z.enum(INTERACTION_CHANNELS),
    summary: z.string().max(SUMMARY_MAX_CHARS).nullable().optional().meta({ description: 'null once the customer key is destroyed.' }),
    occurredAt: Timestamp,
    recordedBy: Label.meta({ description: 'The staff member (id, never a name) who recorded it.' }),
    expiresAt: Expiry,
  })
  .meta({ id: 'Interaction' });

export const InteractionList = z
  .strictObject({ items: z.array(Interaction).max(PAGE_LIMIT.max), nextCursor: NextCursor })
  .meta({ id: 'InteractionList', description: 'One page, newest first.' });

const PurchaseItem = z.strictObject({
  sku: z.string().max(64).regex(SKU_PATTERN).meta({ description: 'Article number: 1 to 64 letters, digits, ".", "_" or "-".' }),
  quantity: z.number().int().min(1).max(PURCHASE_LIMITS.maxQuantity).meta({ format: 'int32' }),
  unitPriceMinor: z
    .number()
    .int()
    .min(0)
    .max(PURCHASE_LIMITS.maxUnitPriceMinor)
    .meta({ format: 'int64', description: "Price of one unit in the currency's minor unit (cents), an integer." }),
});

export const CreatePurchaseBody = z
  .strictObject({
    currency: z
      .string()
      .max(3)
      .regex(/^[A-Z]{3}$/)
      .meta({ description: 'ISO 4217 code of a real currency, e.g. EUR.', examples: ['EUR'] }),
    items: z.array(PurchaseItem).min(1).max(PURCHASE_LIMITS.maxItems),
    occurredAt: OccurredAt.optional(),
  })
  .meta({ id: 'CreatePurchase', description: 'The total is computed by the server. No contact data: purchases outlive an erasure.' });

export const Purchase = z
  .strictObject({
    purchaseId: Uuid,
    currency: z.string().max(3),
    items: z.array(PurchaseItem).max(PURCHASE_LIMITS.maxItems),
    totalMinor: z
      .number()
      .int()
      .min(0)
      .max(PURCHASE_LIMITS.maxItems * PURCHASE_LIMITS.maxQuantity * PURCHASE_LIMITS.maxUnitPriceMinor)
      .meta({ format: 'int64', description: 'Sum of quantity × unitPriceMinor, computed by the server.' }),
    occurredAt: Timestamp,
    recordedBy: Label,
    expiresAt: Expiry,
  })
  .meta({ id: 'Purchase' });

export const PurchaseList = z
  .strictObject({ items: z.array(Purchase).max(PAGE_LIMIT.max), nextCursor: NextCursor })
  .meta({ id: 'PurchaseList', description: 'One page, newest first.' });

export const RecordEventBody = z
  .strictObject({
    type: z
      .enum(BEHAVIOUR_TYPES)
      .meta({ description: 'The kind of event; nothing else about it is stored (no search terms, no products).' }),
    path: z
      .string()
      .max(PATH_MAX_CHARS)
      .optional()
      .meta({
        description:
          'A path on this site starting with "/". Stored without query string, fragment or ";" parameters; segments that look like an ' +
          'email, a long number or a token are replaced by :email, :number, :token. Full URLs are refused.',
      }),
    occurredAt: OccurredAt.optional(),
  })
  .meta({ id: 'RecordEvent', description: "Accepted only while the customer's analytics consent is active." });

export const EventAccepted = z.strictObject({ eventId: Uuid, occurredAt: Timestamp }).meta({ id: 'EventAccepted' });

export const SetConsentBody = z
  .strictObject({
    communications: z.boolean().optional(),
    analytics: z.boolean().optional(),
    source: z
      .enum(STAFF_CONSENT_SOURCES)
      .meta({ description: 'How the customer told us. Consent given through the portal is recorded by the portal itself.' }),
  })
  .meta({
    id: 'SetConsent',
    description: 'At least one of communications, analytics. Granting communications again reconfirms it for another year.',
    anyOf: [{ required: ['communications'] }, { required: ['analytics'] }],
  });

// The customer export, schema version 1 (documented in docs/export.md).

const Facts = {
  category: Word.meta({ description: 'Inventory category id.' }),
  title: Label,
  fields: z.array(Word).max(INVENTORY_BOUNDS.fields),
  purpose: Prose,
  legalBasis: Prose,
  retention: z.strictObject({ label: Label, days: z.number(), from: z.enum(['last-activity', 'creation', 'completion']) }),
  recipients: z.array(Label).max(INVENTORY_BOUNDS.recipients),
  source: Prose.meta({ description: 'Where this data came from.' }),
  onErasure: Prose.meta({ description: 'What an erasure does to this category, and why.' }),
};
const section = <T extends z.ZodType>(data: T) => z.strictObject({ ...Facts, data });

const ConsentEvent = z.strictObject({
  purpose: z.enum(CONSENT_PURPOSES),
  granted: z.boolean(),
  source: Word.meta({ description: `How the customer told us: ${CONSENT_SOURCES.join(', ')}.` }),
  at: Timestamp,
});

const BehaviourEvent = z.strictObject({
  eventId: Uuid,
  type: z.enum(BEHAVIOUR_TYPES),
  path: z.string().max(PATH_MAX_CHARS).optional(),
  occurredAt: Timestamp,
  expiresAt: Expiry,
});

const ExportedAccessEntry = z.strictObject({
  at: Timestamp,
  actor: Label,
  role: Word,
  action: Word,
  purpose: Statement.nullable().optional(),
  expiresAt: Expiry,
});

export const CustomerExportSchema = z
  .strictObject({
    schemaVersion: z.literal('1'),
    generatedAt: Timestamp,
    customerId: Uuid,
    categories: z.strictObject({
      contact: section(
        z.strictObject({
          name: z.string().max(400),
          email: z.string().max(320).optional(),
          phone: z.string().max(40).optional(),
          createdAt: Timestamp,
          lastActivityAt: Day,
          retentionExpiresAt: Timestamp.optional(),
          erasure: z.strictObject({ status: Word, scheduledFor: Timestamp, receiptId: Uuid }).optional(),
          legalHold: z.boolean().optional(),
        }),
      ),
      consent: section(z.strictObject({ state: ConsentState, history: z.array(ConsentEvent) })),
      interactions: section(z.strictObject({ items: z.array(Interaction) })),
      purchases: section(z.strictObject({ items: z.array(Purchase) })),
      behaviour: section(z.strictObject({ items: z.array(BehaviourEvent) })),
      accessLog: section(z.strictObject({ items: z.array(ExportedAccessEntry) })),
    }),
  })
  .meta({
    id: 'CustomerExport',
    description:
      'Everything held about one customer (GDPR Art. 15 and 20), one section per category with its purpose, legal basis, retention, ' +
      'recipients and source. Schema version 1.',
  });
