/**
 * The data inventory: policy as code. Every category of data the system holds is declared here,
 * with why it is held, on which legal basis, for how long, how it is protected and what erasure does.
 * CDK (TTL, PITR), handlers (TTL values, export sections), `GET /v1/privacy/inventory` and the README
 * table are all derived from this one list; the store refuses attributes no table spec names.
 */

export type CategoryId =
  | 'contact'
  | 'consent'
  | 'interactions'
  | 'purchases'
  | 'behaviour'
  | 'accessLog'
  | 'sessions'
  | 'receipts'
  | 'customerKeys'
  | 'keyStore'
  | 'contactIndex'
  | 'idempotency';

export type OnErasure = 'deleted' | 'deleted-key-shredded' | 'retained-unlinkable' | 'retained-without-personal-data' | 'not-applicable';

export interface Retention {
  /** How long a row lives, in seconds, counted from `from`. */
  seconds: number;
  from: 'last-activity' | 'creation' | 'completion';
  /** Human-readable form for the inventory page and the README. */
  label: string;
}

export interface Category {
  id: CategoryId;
  title: string;
  table: TableName;
  fields: readonly string[];
  personal: boolean;
  purpose: string;
  legalBasis: string;
  retention: Retention;
  encryption: string;
  onErasure: OnErasure;
  onErasureReason: string;
  recipients: readonly string[];
  source: string;
  /** Shown in the customer's export (false only for operational records holding nothing about the person). */
  exported: boolean;
}

export type TableName =
  | 'customers'
  | 'customer-keys'
  | 'key-store'
  | 'contact-index'
  | 'interactions'
  | 'transactions'
  | 'behaviour'
  | 'access-log'
  | 'sessions'
  | 'receipts'
  | 'idempotency';

const DAY = 86_400;
const days = (n: number, from: Retention['from'], label?: string): Retention => ({
  seconds: n * DAY,
  from,
  label: label ?? `${n} days`,
});

const FIELD_LEVEL = "AWS Encryption SDK (AES-256-GCM, key commitment) under the customer's own data key, bound to customerId and category";
const TABLE_LEVEL = 'table encryption with a customer-managed KMS key';
const SERVICE = ['privacy-crm operators (staff roles named in the access log)', 'AWS as processor (hosting)'];

export const CATEGORIES: readonly Category[] = [
  {
    id: 'contact',
    title: 'Contact: name and one email or phone number',
    table: 'customers',
    fields: ['name', 'email or phone (one of them)'],
    personal: true,
    purpose: 'Keep the customer relationship: recognise the customer and answer them.',
    legalBasis: 'GDPR Art. 6(1)(b) contract / 6(1)(f) legitimate interest in answering the customer',
    retention: days(730, 'last-activity', '730 days after last activity'),
    encryption: FIELD_LEVEL,
    onErasure: 'deleted-key-shredded',
    onErasureReason: 'Deleted, and the customer key is destroyed so every backup copy becomes unreadable.',
    recipients: SERVICE,
    source: "Given by the customer, or entered by staff on the customer's request.",
    exported: true,
  },
  {
    id: 'consent',
    title: 'Consent records (communications, analytics)',
    table: 'customers',
    fields: ['purpose', 'granted', 'source', 'at'],
    personal: true,
    purpose: 'Prove what the customer agreed to, and honour withdrawal and expiry.',
    legalBasis: 'GDPR Art. 7(1) demonstrating consent; Art. 6(1)(c) legal obligation',
    retention: days(730, 'last-activity', 'with the customer record'),
    encryption: TABLE_LEVEL,
    onErasure: 'deleted',
    onErasureReason: 'Deleted with the customer record.',
    recipients: SERVICE,
    source: 'Given by the customer (portal) or recorded by staff with the stated source.',
    exported: true,
  },
  {
    id: 'interactions',
    title: 'Interactions (support contacts)',
    table: 'interactions',
    fields: ['channel', 'summary', 'occurredAt', 'actor'],
    personal: true,
    purpose: 'Continue a support conversation without asking the customer to repeat themselves.',
    legalBasis: 'GDPR Art. 6(1)(f) legitimate interest in customer support',
    retention: days(365, 'creation'),
    encryption: `${FIELD_LEVEL} (summary); rows keyed by a random pseudonym held only inside the encrypted contact record`,
    onErasure: 'deleted',
    onErasureReason: 'Deleted; the pseudonym that linked them is destroyed with the customer key.',
    recipients: SERVICE,
    source: 'Recorded by staff when the customer contacted us.',
    exported: true,
  },
  {
    id: 'purchases',
    title: 'Purchases (transactional)',
    table: 'transactions',
    fields: ['currency', 'items (sku, quantity, unitPriceMinor)', 'totalMinor', 'occurredAt'],
    personal: true,
    purpose: 'Fulfil orders, handle returns and keep the accounting record.',
    legalBasis: 'GDPR Art. 6(1)(b) contract; Art. 6(1)(c) legal obligation (bookkeeping)',
    retention: days(1095, 'creation', '3 years'),
    encryption: TABLE_LEVEL,
    onErasure: 'retained-unlinkable',
    onErasureReason:
      'Kept for the legal bookkeeping obligation; it holds no contact data and after erasure its customerId points at nothing.',
    recipients: [...SERVICE, 'tax authorities on lawful request'],
    source: 'Recorded when the customer bought something.',
    exported: true,
  },
  {
    id: 'behaviour',
    title: 'Browsing events (behavioural, consent-gated)',
    table: 'behaviour',
    fields: ['type', 'path (no query string or fragment)', 'occurredAt'],
    personal: true,
    purpose: 'Understand which pages work, only with analytics consent; never combined into a profile.',
    legalBasis: 'GDPR Art. 6(1)(a) consent',
    retention: days(90, 'creation'),
    encryption: `${TABLE_LEVEL}; rows keyed by a random pseudonym held only inside the encrypted contact record`,
    onErasure: 'deleted',
    onErasureReason: 'Deleted; the pseudonym that linked them is destroyed with the customer key.',
    recipients: SERVICE,
    source: "Collected from the customer's visits while analytics consent was active.",
    exported: true,
  },
  {
    id: 'accessLog',
    title: 'Access log (who read what, why)',
    table: 'access-log',
    fields: ['actor', 'role', 'action', 'purpose', 'at'],
    personal: true,
    purpose: 'Accountability: show the customer and the privacy officer every access to the data.',
    legalBasis: 'GDPR Art. 5(2) accountability and Art. 32 security of processing',
    retention: days(730, 'creation', '2 years'),
    encryption: `${TABLE_LEVEL}; the stated purpose is encrypted under the customer key`,
    onErasure: 'retained-without-personal-data',
    onErasureReason: 'Kept for accountability; once the customer key is destroyed the purposes are unreadable and the row names nobody.',
    recipients: SERVICE,
    source: 'Written by the system on every staff or self-service access.',
    exported: true,
  },
  {
    id: 'sessions',
    title: 'One-time sign-in codes and portal sessions',
    table: 'sessions',
    fields: ['hash of code or token', 'customerId', 'attempts', 'expiresAt'],
    personal: false,
    purpose: 'Let the customer sign in to the portal.',
    legalBasis: 'GDPR Art. 6(1)(b) contract / Art. 32 security',
    retention: { seconds: 12 * 3600, from: 'creation', label: 'minutes (codes 10 min; sessions 15 min idle, 12 h at most)' },
    encryption: `${TABLE_LEVEL}; codes and tokens stored only as hashes`,
    onErasure: 'deleted',
    onErasureReason: 'Deleted; erasure ends every session.',
    recipients: ['nobody'],
    source: 'Created by the system at sign-in.',
    exported: false,
  },
  {
    id: 'receipts',
    title: 'Erasure receipts',
    table: 'receipts',
    fields: ['status', 'requestedAt', 'scheduledFor', 'completedAt', 'categories'],
    personal: false,
    purpose: 'Prove an erasure happened and re-apply it after a restore from backup.',
    legalBasis: 'GDPR Art. 5(2) accountability; Art. 17 right to erasure',
    retention: days(2190, 'completion', '6 years'),
    encryption: TABLE_LEVEL,
    onErasure: 'not-applicable',
    onErasureReason: 'Never holds personal data; it is the proof of the erasure.',
    recipients: ['anyone holding the receipt id'],
    source: 'Created by the system when erasure is requested.',
    exported: false,
  },
  {
    id: 'customerKeys',
    title: 'Customer data keys (wrapped)',
    table: 'customer-keys',
    fields: ['wrapped data key'],
    personal: false,
    purpose: "Encrypt each customer's personal values under a key of their own, so erasure can destroy it.",
    legalBasis: 'GDPR Art. 32 security of processing',
    retention: days(730, 'last-activity', 'with the customer record'),
    encryption: 'AES-256-GCM under a branch key, bound to the customerId; point-in-time recovery 1 day only',
    onErasure: 'deleted-key-shredded',
    onErasureReason: 'Destroyed (crypto-shredding); after one day no backup of it exists.',
    recipients: ['nobody'],
    source: 'Generated by the service (random), wrapped under a branch key.',
    exported: false,
  },
  {
    id: 'keyStore',
    title: 'Branch keys and blind-index keys (wrapped)',
    table: 'key-store',
    fields: ['KMS-wrapped branch key or beacon key, per version', 'progress of a key rotation'],
    personal: false,
    purpose: 'Keep KMS off the request path: a few keys, unwrapped once per cache period, wrap the customer keys and key the blind index.',
    legalBasis: 'GDPR Art. 32 security of processing',
    retention: { seconds: 0, from: 'creation', label: 'until the version is rotated out and retired' },
    encryption: 'wrapped by the KMS key under an encryption context naming the key and version; point-in-time recovery 1 day only',
    onErasure: 'not-applicable',
    onErasureReason: 'Holds nothing about any one customer; erasure destroys the customer key instead.',
    recipients: ['nobody'],
    source: 'Generated by KMS.',
    exported: false,
  },
  {
    id: 'contactIndex',
    title: 'Contact lookup index (blind index)',
    table: 'contact-index',
    fields: ['HMAC-SHA256 of the normalised contact', 'customerId'],
    personal: true,
    purpose: 'Find a customer by exact email or phone without storing it readable.',
    legalBasis: 'GDPR Art. 6(1)(f) legitimate interest in recognising the customer',
    retention: days(730, 'last-activity', 'with the customer record'),
    encryption: 'keyed HMAC under a beacon key (generated by KMS, stored wrapped), not reversible without the key',
    onErasure: 'deleted',
    onErasureReason: 'Deleted with the customer record; its backups (point-in-time recovery) go after one day.',
    recipients: ['nobody'],
    source: 'Derived from the contact.',
    exported: false,
  },
  {
    id: 'idempotency',
    title: 'Idempotency records',
    table: 'idempotency',
    fields: ['keyed hash of the request', 'resulting customerId', 'resulting record id (purchases)'],
    personal: false,
    purpose: 'Make retried writes safe: the same request never creates two customers.',
    legalBasis: 'GDPR Art. 32 integrity of processing',
    retention: { seconds: DAY, from: 'creation', label: '24 hours' },
    encryption: `${TABLE_LEVEL}; keyed hashes only`,
    onErasure: 'deleted',
    onErasureReason: 'Expire within a day.',
    recipients: ['nobody'],
    source: 'Created by the system.',
    exported: false,
  },
];

/** Settings that are policy, not tables; overridable per deployment. */
export const POLICY = {
  communicationsConsentSeconds: 365 * DAY,
  reminderLeadSeconds: 30 * DAY,
  erasureGraceSeconds: 30 * DAY,
  codeTtlSeconds: 10 * 60,
  codeMaxAttempts: 5,
  sessionIdleSeconds: 15 * 60,
  sessionAbsoluteSeconds: 12 * 3600,
} as const;

/** The README's inventory table, generated (a test keeps the README in sync). */
export function inventoryMarkdown(): string {
  const rows = CATEGORIES.map(
    (c) => `| ${c.title} | \`${c.table}\` | ${c.purpose} | ${c.legalBasis} | ${c.retention.label} | ${c.onErasureReason} |`,
  );
  return ['| category | table | purpose | legal basis | retention | on erasure |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
