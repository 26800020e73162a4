/**
 * Schemas of the forgetting routes: erasure requests, legal holds and the public erasure receipt.
 * The portal's own erasure routes answer with the same shapes (`ErasureScheduled`, `ErasureCancelled`).
 */
import * as z from 'zod';
import { INVENTORY_BOUNDS, Label, Problem, Prose, Timestamp, Uuid, Word } from './schemas';
import { safeText } from './text-policy';

export const ErasureScheduled = z
  .strictObject({
    receiptId: Uuid.meta({ description: 'Public, holds no personal data: GET /v1/erasure-receipts/{receiptId}.' }),
    scheduledFor: Timestamp.meta({ description: 'When the erasure runs unless cancelled (or held) before.' }),
  })
  .meta({ id: 'ErasureScheduled' });

export const ErasureCancelled = z.strictObject({ receiptId: Uuid, status: z.literal('cancelled') }).meta({ id: 'ErasureCancelled' });

export const LegalHoldBody = z
  .strictObject({
    reason: safeText(500).trim().min(3).meta({
      description: 'Why the data must be kept (e.g. a case reference). Encrypted under the customer key and written to the access log.',
    }),
  })
  .meta({ id: 'LegalHoldRequest' });

export const LiftLegalHoldBody = z
  .strictObject({
    reason: safeText(500)
      .trim()
      .min(3)
      .meta({
        description:
          'Why the hold ends (e.g. the case was closed). Encrypted under the customer key and written to the access log; ' +
          'never on the receipt.',
      }),
  })
  .meta({ id: 'LiftLegalHoldRequest' });

export const LegalHoldState = z
  .strictObject({ customerId: Uuid, legalHold: z.boolean(), since: Timestamp.optional() })
  .meta({ id: 'LegalHoldState' });

const Category = z.strictObject({ category: Word, title: Label, reason: Prose });

export const ErasureReceipt = z
  .strictObject({
    receiptId: Uuid,
    status: z.enum(['pending', 'cancelled', 'completed', 'on-hold']),
    requestedAt: Timestamp,
    scheduledFor: Timestamp,
    cancelledAt: Timestamp.optional(),
    onHoldSince: Timestamp.optional().meta({ description: 'A legal hold keeps the data until it is lifted; the erasure then completes.' }),
    completedAt: Timestamp.optional(),
    history: z
      .array(z.strictObject({ event: z.enum(['hold_placed', 'hold_lifted']), at: Timestamp }))
      .max(100)
      .optional()
      .meta({ description: 'Legal holds placed on and lifted from the waiting erasure, oldest first: only what and when, never why.' }),
    categories: z
      .strictObject({
        deleted: z.array(Category).max(INVENTORY_BOUNDS.categories),
        retained: z.array(Category.extend({ legalBasis: Prose, retention: Label })).max(INVENTORY_BOUNDS.categories),
      })
      .meta({
        description: 'Completed: what was deleted and what was kept, under which legal basis. Pending: what will be. Cancelled: empty.',
      }),
  })
  .meta({ id: 'ErasureReceipt', description: 'Proof of an erasure. Holds no personal data.' });

/** 409 answers of these routes (an erasure already under way). */
export const ConflictResponse = {
  status: 409,
  description: 'The erasure is already under way (code erasure_in_progress).',
  schema: Problem,
  contentType: 'application/problem+json',
} as const;
