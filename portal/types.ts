/** The shapes the page reads from the API (see the OpenAPI document for the full schemas). */

export interface ConsentView {
  status: 'never' | 'active' | 'withdrawn' | 'expired';
  grantedAt?: string;
  expiresAt?: string;
  withdrawnAt?: string;
}

export type ConsentState = { communications: ConsentView; analytics: ConsentView };

export interface PurchaseItem {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface Erasure {
  status: string;
  scheduledFor: string;
  receiptId: string;
}

export interface Me {
  name: string;
  contact: { type: 'email' | 'phone'; value: string };
  consent: ConsentState;
  retention: { expiresAt: string };
  erasure?: Erasure;
  /** When the data would be deleted if the customer asked now (the grace period from now). */
  erasureIfRequestedNow?: string;
  legalHold?: boolean;
  createdAt: string;
  purchases: { purchaseId: string; currency: string; items: PurchaseItem[]; totalMinor: number; occurredAt: string }[];
  interactions: { interactionId: string; channel: string; summary?: string | null; occurredAt: string; recordedBy: string }[];
  behaviour: { eventId: string; type: string; path?: string; occurredAt: string }[];
  /** Which lists hold only their newest rows (the download has every one). */
  more: { interactions: boolean; purchases: boolean; behaviour: boolean };
}

export interface AccessEntry {
  at: string;
  actor: string;
  role: string;
  action: string;
  purpose?: string | null;
}

/** One page of the access log; `nextCursor` once the API pages it (issue 10), absent until then. */
export interface AccessPage {
  items: AccessEntry[];
  nextCursor?: string | null;
}

export interface ReceiptCategory {
  category: string;
  title: string;
  reason: string;
  legalBasis?: string;
  retention?: string;
}

export interface Receipt {
  receiptId: string;
  status: 'pending' | 'cancelled' | 'completed' | 'on-hold';
  requestedAt: string;
  scheduledFor: string;
  cancelledAt?: string;
  onHoldSince?: string;
  completedAt?: string;
  categories: { deleted: ReceiptCategory[]; retained: ReceiptCategory[] };
}

export interface Problem {
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}
