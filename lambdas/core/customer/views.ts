/** What the customer service takes and gives: request inputs and the masked and revealed views. */
import type { consentState } from './consent';
import type { ContactType } from './contact';

export interface MaskedCustomer {
  customerId: string;
  name: string;
  contact: { type: ContactType; masked: string };
  consent: ReturnType<typeof consentState>;
  retention: { expiresAt: string };
  erasure?: { status: string; scheduledFor: string; receiptId: string };
  legalHold?: boolean;
  createdAt: string;
}

export interface RevealedCustomer {
  name: string;
  email?: string;
  phone?: string;
}

export interface CreateCustomerInput {
  name: string;
  email?: string;
  phone?: string;
  consent?: { communications?: boolean };
}

export interface CustomerSettings {
  defaultPhoneRegion?: string;
}
