/**
 * The retention policy as a value: the inventory's categories with this deployment's retention
 * overrides, and the policy durations (erasure grace, reminder lead, consent lifetime, key margin).
 * Each home builds one from its settings and passes it to `createApp`; nothing in the core holds
 * module-level state. TTLs, the inventory page, the export and the receipts all read it.
 */
import { CATEGORIES, POLICY, type Category, type CategoryId } from './inventory';
import { dayOfStored, epoch, startOfDay } from './time';

const DAY = 86_400;

/**
 * Categories whose own rows carry their own TTL. The others follow the customer record (keys, index,
 * consent) or are operational (sessions, idempotency); receipts are the erasure ledger and stay 6 years.
 */
export const OVERRIDABLE_RETENTION: readonly CategoryId[] = ['contact', 'interactions', 'purchases', 'behaviour', 'accessLog'];
export const MAX_RETENTION_DAYS = 3650;
/** How much longer a customer key's TTL runs than the customer row's, so the expiry cascade can still open the record. */
export const DEFAULT_KEY_MARGIN_SECONDS = 7 * DAY;

export type RetentionOverrides = Partial<Record<CategoryId, number>>;

export interface PolicySettings {
  /** Per-category retention in days (CDK context `retentionDays`, CRM_RETENTION_DAYS). */
  retentionDays?: RetentionOverrides;
  erasureGraceSeconds?: number;
  reminderLeadSeconds?: number;
  communicationsConsentSeconds?: number;
  keyMarginSeconds?: number;
}

/** Every problem with a set of overrides, one per entry (the CDK config reports them all at synth). */
export function retentionOverrideProblems(overrideDays: Record<string, unknown>): { id: string; message: string }[] {
  const problems: { id: string; message: string }[] = [];
  for (const [id, d] of Object.entries(overrideDays)) {
    if (!(OVERRIDABLE_RETENTION as readonly string[]).includes(id)) {
      problems.push({ id, message: `is not a category whose retention can be set (${OVERRIDABLE_RETENTION.join(', ')})` });
    } else if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_RETENTION_DAYS) {
      problems.push({ id, message: `must be a whole number of days between 1 and ${MAX_RETENTION_DAYS}` });
    }
  }
  return problems;
}

export function validateRetentionOverrides(overrideDays: RetentionOverrides): void {
  const problems = retentionOverrideProblems(overrideDays);
  if (problems.length) throw new Error(problems.map((p) => `retention override ${p.id} ${p.message}`).join('; '));
}

/** Parses CRM_RETENTION_DAYS (a JSON object of category id → days); throws a clear error when malformed. */
export function parseRetentionOverrides(raw: string | undefined): RetentionOverrides {
  if (!raw?.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('CRM_RETENTION_DAYS must be a JSON object such as {"behaviour": 30}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('CRM_RETENTION_DAYS must be a JSON object such as {"behaviour": 30}');
  return parsed as RetentionOverrides;
}

export class RetentionPolicy {
  readonly categories: readonly Category[];
  readonly erasureGraceSeconds: number;
  readonly reminderLeadSeconds: number;
  readonly communicationsConsentSeconds: number;
  readonly keyMarginSeconds: number;

  constructor(settings: PolicySettings = {}) {
    const overrides = settings.retentionDays ?? {};
    validateRetentionOverrides(overrides);
    this.categories = CATEGORIES.map((c) => {
      const d = overrides[c.id];
      return d === undefined ? c : { ...c, retention: { ...c.retention, seconds: d * DAY, label: `${d} days (configured)` } };
    });
    this.erasureGraceSeconds = settings.erasureGraceSeconds ?? POLICY.erasureGraceSeconds;
    this.reminderLeadSeconds = settings.reminderLeadSeconds ?? POLICY.reminderLeadSeconds;
    this.communicationsConsentSeconds = settings.communicationsConsentSeconds ?? POLICY.communicationsConsentSeconds;
    this.keyMarginSeconds = settings.keyMarginSeconds ?? DEFAULT_KEY_MARGIN_SECONDS;
  }

  /** What the consent rules need (`consentStatus` and friends). */
  get consent(): { communicationsConsentSeconds: number } {
    return { communicationsConsentSeconds: this.communicationsConsentSeconds };
  }

  category(id: CategoryId): Category {
    const c = this.categories.find((x) => x.id === id);
    if (!c) throw new Error(`unknown category ${id}`);
    return c;
  }

  /** TTL (epoch seconds) for a row of `id` starting at `from`. */
  ttlFor(id: CategoryId, from: Date): number {
    return epoch(from) + this.category(id).retention.seconds;
  }

  /**
   * The customer record's TTL after activity on `day` (YYYY-MM-DD): a full retention period from the end
   * of that day. Whole days, like `lastActivityAt`: a TTL to the second, written in the same request as
   * an interaction, would match the two rows by time.
   */
  contactTtl(day: string): number {
    return this.ttlFor('contact', startOfDay(dayOfStored(day), 1));
  }

  /** When a customer's retention ends: the TTL, or under a legal hold, when it would without the hold. */
  retentionEnd(row: { expiresAt?: number; lastActivityAt: string }): string {
    const ttl = typeof row.expiresAt === 'number' ? row.expiresAt : this.contactTtl(row.lastActivityAt);
    return new Date(ttl * 1000).toISOString();
  }

  /** The public view served at GET /v1/privacy/inventory. */
  publicInventory() {
    return {
      categories: this.categories.map((c) => ({
        id: c.id,
        title: c.title,
        table: c.table,
        fields: [...c.fields],
        personal: c.personal,
        purpose: c.purpose,
        legalBasis: c.legalBasis,
        retention: { days: Math.round((c.retention.seconds / DAY) * 1000) / 1000, from: c.retention.from, label: c.retention.label },
        encryption: c.encryption,
        onErasure: c.onErasure,
        onErasureReason: c.onErasureReason,
        recipients: [...c.recipients],
        source: c.source,
      })),
      policy: {
        communicationsConsentDays: this.communicationsConsentSeconds / DAY,
        reminderLeadDays: this.reminderLeadSeconds / DAY,
        erasureGraceDays: this.erasureGraceSeconds / DAY,
      },
    };
  }
}

/** The inventory's defaults, for homes and tests that configure nothing. */
export const DEFAULT_POLICY = new RetentionPolicy();
