/**
 * Portal sign-in with a one-time code sent to the customer's own contact.
 *
 * - The answer never tells whether a contact is known: login always ends the same way (202), and the
 *   part that differs (finding the customer, storing and sending a code) runs inside a constant time
 *   budget that the response waits out. Padding rather than work off the response path, because a
 *   Lambda function is frozen once it has answered and work left running may never finish.
 * - Codes: 6+ digits from a CSPRNG, stored only as a keyed hash (KMS HMAC) bound to the contact,
 *   single use (a conditional delete), 10 minutes.
 * - Wrong tries are counted per contact, known or not, so locking tells nothing either: 5 per code,
 *   10 per rolling day; then the code dies and sign-in for that contact locks, each lock longer
 *   than the one before (./contact-guard.ts).
 * - Rate limits per contact (codes sent, per 15 minutes and per day) and per client (every login and
 *   verify). Neither the contact nor the client address is stored: only keyed hashes, in rows that
 *   expire with their window.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { AccessLog } from '../shared/access-log';
import { normaliseContact, type Contact } from '../customer/contact';
import type { Customers } from '../customer/customers';
import { ConditionFailedError, UnauthorizedError, ValidationError } from '../shared/errors';
import { POLICY } from '../policy/inventory';
import type { Metrics } from '../shared/metrics';
import type { Clock, Log, Notifier, Store } from '../shared/ports';
import { RateLimiter, type Limit } from './rate-limit';
import type { NewSession, Sessions } from './sessions';
import type { Vault } from '../shared/vault';
import { DAY_SECONDS, epoch, isExpired } from '../policy/time';
import { codeId, ContactGuard } from './contact-guard';

export interface SignInSettings {
  codeDigits: number;
  codeTtlSeconds: number;
  /** Wrong codes per code lifetime, and per rolling 24 hours, before the contact locks. */
  maxAttempts: number;
  dailyMaxAttempts: number;
  /** The first lock; each further one lasts `lockEscalation` times longer, at most `maxLockSeconds`. */
  lockSeconds: number;
  lockEscalation: number;
  maxLockSeconds: number;
  /** Codes sent to one contact, per short window and per day. */
  perContact: Limit;
  perContactDaily: Limit;
  /** Logins and verifications from one client address. */
  perClient: Limit;
  /** Time budget every accepted login waits out, known contact or not; above the slowest known-contact path. */
  loginBudgetMs: number;
}

/**
 * The login time budget: the smallest 50 ms step covering the slow path's p99 (a known contact: code
 * stored and sent), since every login holds a Lambda for the whole budget. Measured with
 * `npm run bench -- --login` (local home, unpadded, 190 logins each path, on a shared 2-core machine
 * under load): slow path p99 139-150 ms (p50 23-31 ms), fast path p99 146 ms. In AWS, each login that
 * overruns logs "sign-in time budget exceeded", which is alarmed: raise this if it fires.
 */
export const LOGIN_BUDGET_MS = 200;

export const DEFAULT_SIGN_IN_SETTINGS: SignInSettings = {
  codeDigits: 6,
  codeTtlSeconds: POLICY.codeTtlSeconds,
  maxAttempts: POLICY.codeMaxAttempts,
  dailyMaxAttempts: 10,
  lockSeconds: 15 * 60,
  lockEscalation: 4,
  maxLockSeconds: DAY_SECONDS,
  perContact: { limit: 5, windowSeconds: 15 * 60 },
  perContactDaily: { limit: 20, windowSeconds: DAY_SECONDS },
  perClient: { limit: 60, windowSeconds: 10 * 60 },
  loginBudgetMs: LOGIN_BUDGET_MS,
};

export interface ContactInput {
  email?: string;
  phone?: string;
}

export interface SignInDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  customers: Customers;
  accessLog: AccessLog;
  sessions: Sessions;
  notifier: Notifier;
  log: Log;
  metrics?: Metrics;
  defaultPhoneRegion?: string;
  /** Called after a successful sign-in (a sign-in is customer activity). */
  onSignIn?: (customerId: string) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SignIn {
  readonly settings: SignInSettings;
  private readonly limiter: RateLimiter;
  private readonly guard: ContactGuard;

  constructor(
    private readonly deps: SignInDeps,
    settings: Partial<SignInSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SIGN_IN_SETTINGS, ...settings };
    if (this.settings.codeDigits < 6) throw new Error('sign-in codes need at least 6 digits');
    this.limiter = new RateLimiter(deps);
    this.guard = new ContactGuard(deps, this.settings);
  }

  /** Sends a code if the contact belongs to a customer; answers identically, in the same time, if not. */
  async login(input: ContactInput, client: string | undefined): Promise<void> {
    const started = performance.now();
    const contact = normaliseContact(input, this.deps.defaultPhoneRegion);
    await this.limitClient(client);
    const key = await this.contactKey(contact);
    await this.guard.assertNotLocked(key);
    await this.limiter.hit('login-contact', key, this.settings.perContact);
    await this.limiter.hit('login-contact-day', key, this.settings.perContactDaily);
    try {
      await this.sendCode(input, contact, key);
    } catch (e) {
      // A failure here exists only for known contacts: answering 503 would tell them apart.
      this.deps.log.warn('sign-in code not delivered', { errorName: (e as Error)?.name, errorCode: (e as { code?: string })?.code });
    } finally {
      const elapsed = performance.now() - started;
      if (elapsed > this.settings.loginBudgetMs) this.deps.log.warn('sign-in time budget exceeded', { elapsedMs: Math.round(elapsed) });
      else await sleep(this.settings.loginBudgetMs - elapsed);
    }
  }

  /** Exchanges a valid code for a session. Every failure looks alike: wrong, expired, used or unknown. */
  async verify(input: ContactInput & { code: string }, client: string | undefined): Promise<NewSession> {
    const contact = normaliseContact({ email: input.email, phone: input.phone }, this.deps.defaultPhoneRegion);
    const code = normaliseCode(input.code);
    await this.limitClient(client);
    const key = await this.contactKey(contact);

    // Claim a try before comparing anything: parallel guesses each need a counted attempt.
    const claim = await this.guard.claim(key);

    const id = codeId(key);
    const presented = await this.codeHash(key, code);
    const row = await this.deps.store.get('sessions', { id }, { consistent: true });
    const stored = typeof row?.codeHash === 'string' ? row.codeHash : undefined;
    const live = row?.kind === 'code' && !isExpired(row, this.deps.clock.now());
    if (!row || !live || !stored || !sameHex(stored, presented) || typeof row.customerId !== 'string') {
      await this.guard.failed(claim);
      throw new UnauthorizedError('The code is wrong, expired or already used.');
    }
    // Single use: only one request can delete the row it checked.
    try {
      await this.deps.store.delete('sessions', { id }, { kind: 'equals', values: { codeHash: stored } });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new UnauthorizedError('The code is wrong, expired or already used.');
      throw e;
    }
    const customerId = row.customerId;
    // The customer may have been erased, or changed their contact, since the code was sent.
    const customer = await this.deps.customers.load(customerId);
    const stillTheirs = customer && (await this.deps.customers.hasContact(customer, contact));
    if (!customer || !stillTheirs) throw new UnauthorizedError('The code is wrong, expired or already used.');
    await this.guard.succeeded(key);
    const session = await this.deps.sessions.create(customerId);
    await this.deps.accessLog.append(
      customerId,
      { kind: 'customer', customerId, sessionId: session.sessionId },
      'sign_in',
      undefined,
      !!customer?.legalHold,
    );
    await this.deps.onSignIn?.(customerId);
    return session;
  }

  /** Forgets a contact that no longer belongs to its customer: its pending code and its guard row. */
  async forgetContact(contact: Contact): Promise<void> {
    const key = await this.contactKey(contact);
    await this.deps.store.delete('sessions', { id: codeId(key) });
    await this.guard.forget(key);
  }

  private async sendCode(input: ContactInput, contact: Contact, key: string): Promise<void> {
    const customer = await this.deps.customers.findByContact(input);
    if (!customer) return;
    const code = String(randomInt(0, 10 ** this.settings.codeDigits)).padStart(this.settings.codeDigits, '0');
    const now = this.deps.clock.now();
    await this.deps.store.put('sessions', {
      id: codeId(key),
      kind: 'code',
      customerId: customer.customerId,
      codeHash: await this.codeHash(key, code),
      createdAt: now.toISOString(),
      expiresAt: epoch(now) + this.settings.codeTtlSeconds,
    });
    const message = codeMessage(contact, code, Math.round(this.settings.codeTtlSeconds / 60));
    await this.deps.notifier.send({ customerId: customer.customerId, ...message });
  }

  private async limitClient(client: string | undefined): Promise<void> {
    // Addresses are personal data: the counter row holds only a keyed hash of it.
    const key = await this.deps.vault.fingerprint('portal-client', client ?? 'unknown');
    await this.limiter.hit('client', key, this.settings.perClient);
  }

  private async contactKey(contact: Contact): Promise<string> {
    return keyOfLookup(await this.deps.vault.blindIndex(contact.type, contact.value));
  }

  private codeHash(key: string, code: string): Promise<string> {
    return this.deps.vault.fingerprint('portal-code', `${key}:${code}`);
  }
}

/** The contact's key in the sessions table: derived from the blind index (itself a keyed HMAC), never the contact. */
const keyOfLookup = (lookup: string) => createHash('sha256').update(`portal-contact:${lookup}`).digest('hex');

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** "123 456" or "123-456" as typed or pasted; anything but 6 to 12 digits is a malformed request. */
export function normaliseCode(raw: string): string {
  const code = raw.replace(/[\s-]/g, '');
  if (!/^\d{6,12}$/.test(code))
    throw new ValidationError('The code must be the digits from the message.', [{ field: 'code', message: 'must be 6 to 12 digits' }]);
  return code;
}

/** Plain text only: no link, no tracking pixel, nothing fetched when it is opened. */
export function codeMessage(contact: Contact, code: string, minutes: number) {
  if (contact.type === 'phone') {
    return {
      to: contact.value,
      channel: 'sms' as const,
      body: `Your privacy-crm sign-in code: ${code}. It works once, for ${minutes} minutes.`,
    };
  }
  return {
    to: contact.value,
    channel: 'email' as const,
    subject: 'Your privacy-crm sign-in code',
    body: [
      `Your sign-in code is ${code}`,
      '',
      `It works once, for ${minutes} minutes. Type it on the page where you asked for it.`,
      'If you did not ask for a code, ignore this message: nobody can sign in without it.',
    ].join('\n'),
  };
}
