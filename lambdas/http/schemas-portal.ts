/** Schemas of the portal routes: sign-in, the customer's own data and self-service actions. */
import * as z from 'zod';
import { BEHAVIOUR_TYPES, PATH_MAX_CHARS } from '../core/categories/behaviour';
import { MY_DATA_ROWS } from '../core/portal/my-data';
import { Interaction, Purchase } from './schemas-categories';
import { ConsentState, Day, Email, Phone, Prose, Timestamp, Uuid, Word } from './schemas';

export const PortalLoginBody = z
  .strictObject({ email: Email.optional(), phone: Phone.optional() })
  .meta({ id: 'PortalLogin', description: 'Exactly one of email or phone.', oneOf: [{ required: ['email'] }, { required: ['phone'] }] });

export const PortalVerifyBody = z
  .strictObject({
    email: Email.optional(),
    phone: Phone.optional(),
    code: z
      .string()
      .max(32)
      .meta({ description: 'The one-time code from the message; spaces and dashes are ignored.', examples: ['123456'] }),
  })
  .meta({
    id: 'PortalVerify',
    description: 'The same email or phone as at login, and the code sent to it.',
    oneOf: [{ required: ['email'] }, { required: ['phone'] }],
  });

export const LoginAccepted = z
  .strictObject({ detail: Prose })
  .meta({ id: 'LoginAccepted', description: 'The same answer whether or not the contact is known.' });

export const PortalSession = z
  .strictObject({
    token: z.string().max(128).meta({ description: 'Opaque bearer token for /v1/me*. Stored by the server only as a hash.' }),
    expiresAt: Timestamp.meta({ description: 'Ends after 15 minutes without a request; each request moves this on.' }),
    absoluteExpiresAt: Timestamp.meta({ description: 'Ends at the latest 12 hours after sign-in.' }),
  })
  .meta({ id: 'PortalSession' });

const BehaviourEvent = z.strictObject({
  eventId: Uuid,
  type: z.enum(BEHAVIOUR_TYPES),
  path: z.string().max(PATH_MAX_CHARS).optional(),
  occurredAt: Timestamp,
  expiresAt: Timestamp,
});

export const Me = z
  .strictObject({
    customerId: Uuid,
    name: z.string().max(400),
    contact: z.strictObject({ type: z.enum(['email', 'phone']), value: z.string().max(320) }),
    consent: ConsentState,
    retention: z.strictObject({ expiresAt: Timestamp.meta({ description: 'When the record is deleted unless there is new activity.' }) }),
    erasure: z.strictObject({ status: Word, scheduledFor: Timestamp, receiptId: Uuid }).optional(),
    erasureIfRequestedNow: Timestamp.optional().meta({
      description: 'When the data would be deleted if erasure were asked for now (after the grace period); absent while one is pending.',
    }),
    legalHold: z.boolean().optional(),
    createdAt: Timestamp,
    lastActivityAt: Day,
    interactions: z.array(Interaction).max(MY_DATA_ROWS),
    purchases: z.array(Purchase).max(MY_DATA_ROWS),
    behaviour: z.array(BehaviourEvent).max(MY_DATA_ROWS),
    more: z
      .strictObject({ interactions: z.boolean(), purchases: z.boolean(), behaviour: z.boolean() })
      .meta({ description: `Which lists hold only their newest ${MY_DATA_ROWS} rows; GET /v1/me/export has every row.` }),
  })
  .meta({
    id: 'Me',
    description: `The signed-in customer's record, unmasked, with the newest ${MY_DATA_ROWS} rows of each category (the export has all).`,
  });

export const MeConsentBody = z
  .strictObject({ communications: z.boolean().optional(), analytics: z.boolean().optional() })
  .meta({ id: 'MeConsent', description: 'At least one of communications, analytics; recorded with source "portal".', minProperties: 1 });
