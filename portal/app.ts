/**
 * The customer portal page: sign in with a one-time code, see what is held and who looked at it,
 * change consent, download everything, ask for (and cancel) erasure. Talks only to this origin's
 * /v1 API. Every value from the server goes into the page as text (textContent), never as HTML.
 *
 * The session token lives in sessionStorage: it survives a reload but not closing the tab, and the
 * strict CSP (scripts from this origin only) is what keeps other scripts away from it.
 */

interface ConsentView {
  status: 'never' | 'active' | 'withdrawn' | 'expired';
  grantedAt?: string;
  expiresAt?: string;
  withdrawnAt?: string;
}

interface PurchaseItem {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

interface Me {
  name: string;
  contact: { type: 'email' | 'phone'; value: string };
  consent: { communications: ConsentView; analytics: ConsentView };
  retention: { expiresAt: string };
  erasure?: { status: string; scheduledFor: string; receiptId: string };
  legalHold?: boolean;
  createdAt: string;
  purchases: { purchaseId: string; currency: string; items: PurchaseItem[]; totalMinor: number; occurredAt: string }[];
  interactions: { interactionId: string; channel: string; summary?: string | null; occurredAt: string; recordedBy: string }[];
  behaviour: { eventId: string; type: string; path?: string; occurredAt: string }[];
}

interface AccessEntry {
  at: string;
  actor: string;
  role: string;
  action: string;
  purpose?: string | null;
}

/** One page of the access log; `nextCursor` fetches the next (older) one. */
interface AccessPage {
  items: AccessEntry[];
  nextCursor?: string;
}

interface Problem {
  detail?: string;
  code?: string;
}

const TOKEN_KEY = 'privacy-crm.portal.token';

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

const ui = {
  title: el('page-title'),
  status: el('status'),
  error: el('error'),
  signIn: el('sign-in'),
  loginForm: el<HTMLFormElement>('login-form'),
  contact: el<HTMLInputElement>('contact'),
  verifyForm: el<HTMLFormElement>('verify-form'),
  code: el<HTMLInputElement>('code'),
  restart: el<HTMLButtonElement>('restart'),
  signOut: el<HTMLButtonElement>('sign-out'),
  dashboard: el('dashboard'),
  name: el('me-name'),
  contactLabel: el('me-contact-label'),
  contactValue: el('me-contact'),
  created: el('me-created'),
  retention: el('me-retention'),
  communications: el<HTMLInputElement>('consent-communications'),
  communicationsState: el('consent-communications-state'),
  analytics: el<HTMLInputElement>('consent-analytics'),
  analyticsState: el('consent-analytics-state'),
  purchases: el('purchases'),
  interactions: el('interactions'),
  behaviour: el('behaviour'),
  accessLog: el('access-log'),
  download: el<HTMLButtonElement>('download'),
  erasureNone: el('erasure-none'),
  erasurePending: el('erasure-pending'),
  erasureDate: el('erasure-date'),
  erasureReceipt: el('erasure-receipt'),
  erasureHold: el('erasure-hold'),
  deleteButton: el<HTMLButtonElement>('delete'),
  cancelDelete: el<HTMLButtonElement>('cancel-delete'),
  confirm: el<HTMLDialogElement>('confirm-delete'),
  confirmYes: el<HTMLButtonElement>('confirm-yes'),
  confirmNo: el<HTMLButtonElement>('confirm-no'),
};

let pendingContact: { email: string } | { phone: string } | undefined;

// ---- talking to the API -------------------------------------------------------------------------

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfter: number | undefined,
  ) {
    super(problem.detail ?? `HTTP ${status}`);
  }
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as Problem;
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, problem, Number.isFinite(retry) && retry > 0 ? retry : undefined);
  }
  return res;
}

async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await api(method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

// ---- feedback -----------------------------------------------------------------------------------

function say(message: string): void {
  ui.error.hidden = true;
  ui.error.textContent = '';
  ui.status.textContent = message;
}

function fail(e: unknown): void {
  ui.status.textContent = '';
  let message = 'Something went wrong. Please try again.';
  if (e instanceof ApiError) {
    if (e.status === 401 && token()) {
      endSession();
      message = 'Your session has ended. Please sign in again.';
    } else if (e.status === 429) {
      const minutes = e.retryAfter ? Math.max(1, Math.ceil(e.retryAfter / 60)) : undefined;
      message = `${e.problem.detail ?? 'Too many attempts.'}${minutes ? ` Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` : ''}`;
    } else if (e.problem.detail) {
      message = e.problem.detail;
    }
  }
  ui.error.textContent = message;
  ui.error.hidden = false;
}

async function busy<T>(button: HTMLButtonElement | HTMLInputElement, work: () => Promise<T>): Promise<T | undefined> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } catch (e) {
    fail(e);
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// ---- formatting ---------------------------------------------------------------------------------

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const day = (iso: string) => dateFormat.format(new Date(iso));
const moment = (iso: string) => dateTimeFormat.format(new Date(iso));

function money(minor: number, currency: string): string {
  try {
    const digits = new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency} (minor units)`;
  }
}

const ACTIONS: Record<string, string> = {
  create: 'created your record',
  read: 'viewed your data',
  update: 'changed your details',
  reveal: 'saw your full name and contact',
  search: 'looked you up by your contact',
  read_access_log: 'viewed this access log',
  read_interactions: 'viewed your support contacts',
  create_interaction: 'recorded a support contact',
  read_purchases: 'viewed your purchases',
  create_purchase: 'recorded a purchase',
  record_event: 'recorded a visit',
  update_consent: 'changed your consent',
  request_erasure: 'asked for your data to be deleted',
  cancel_erasure: 'cancelled the deletion',
  legal_hold: 'put your data on legal hold',
  lift_legal_hold: 'lifted the legal hold',
  export: 'downloaded your data',
  sign_in: 'signed in',
  sign_out: 'signed out',
};

const ROLES: Record<string, string> = { agent: 'support agent', privacy_officer: 'privacy officer', admin: 'administrator' };

function who(entry: AccessEntry): string {
  if (entry.actor === 'customer') return 'You';
  if (entry.actor.startsWith('staff:')) return `Staff member ${entry.actor.slice(6)} (${ROLES[entry.role] ?? entry.role})`;
  if (entry.actor.startsWith('system:')) return 'Our system (automatic)';
  return entry.actor;
}

function consentText(view: ConsentView, expires: boolean): string {
  switch (view.status) {
    case 'active':
      return expires && view.expiresAt ? `On since ${day(view.grantedAt!)}; it lapses on ${day(view.expiresAt)} unless you confirm it again.` : `On since ${day(view.grantedAt!)}.`;
    case 'expired':
      return `Lapsed on ${day(view.expiresAt!)}. Switch it on to confirm it again.`;
    case 'withdrawn':
      return `Off since ${day(view.withdrawnAt!)}.`;
    default:
      return 'Off: you never agreed to it.';
  }
}

// ---- rendering (text only) ----------------------------------------------------------------------

function node<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const n = document.createElement(tag);
  if (text !== undefined) n.textContent = text;
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
}

/** A table whose rows become labelled blocks on a phone; explicit roles keep it a table for screen readers. */
function table(caption: string, columns: string[], rows: string[][], numeric: number[] = []): HTMLElement {
  const wrap = node('div', undefined, { class: 'scroll' });
  const t = node('table', undefined, { role: 'table' });
  t.append(node('caption', caption));
  const head = node('thead', undefined, { role: 'rowgroup' });
  const hr = node('tr', undefined, { role: 'row' });
  for (const c of columns) hr.append(node('th', c, { scope: 'col', role: 'columnheader' }));
  head.append(hr);
  const body = node('tbody', undefined, { role: 'rowgroup' });
  for (const r of rows) {
    const tr = node('tr', undefined, { role: 'row' });
    r.forEach((cell, i) => tr.append(node('td', cell, { 'data-label': columns[i], role: 'cell', ...(numeric.includes(i) ? { class: 'num' } : {}) })));
    body.append(tr);
  }
  t.append(head, body);
  wrap.append(t);
  return wrap;
}

function fill(container: HTMLElement, content: HTMLElement | string): void {
  container.replaceChildren(typeof content === 'string' ? node('p', content, { class: 'empty' }) : content);
}

function renderMe(me: Me): void {
  ui.name.textContent = me.name;
  ui.contactLabel.textContent = me.contact.type === 'email' ? 'Email' : 'Phone';
  ui.contactValue.textContent = me.contact.value;
  ui.created.textContent = day(me.createdAt);
  ui.retention.textContent = day(me.retention.expiresAt);

  ui.communications.checked = me.consent.communications.status === 'active';
  ui.communicationsState.textContent = consentText(me.consent.communications, true);
  ui.analytics.checked = me.consent.analytics.status === 'active';
  ui.analyticsState.textContent = consentText(me.consent.analytics, false);

  fill(
    ui.purchases,
    me.purchases.length === 0
      ? 'No purchases.'
      : table(
          `${me.purchases.length} purchase${me.purchases.length === 1 ? '' : 's'}, kept 3 years for bookkeeping`,
          ['Date', 'Items', 'Total'],
          me.purchases.map((p) => [day(p.occurredAt), p.items.map((i) => `${i.quantity} × ${i.sku}`).join(', '), money(p.totalMinor, p.currency)]),
          [2],
        ),
  );
  fill(
    ui.interactions,
    me.interactions.length === 0
      ? 'No support contacts.'
      : table(
          `${me.interactions.length} support contact${me.interactions.length === 1 ? '' : 's'}, each kept one year`,
          ['Date', 'How', 'Summary'],
          me.interactions.map((i) => [day(i.occurredAt), i.channel.replace('_', ' '), i.summary ?? '—']),
        ),
  );
  fill(
    ui.behaviour,
    me.behaviour.length === 0
      ? 'No visits recorded.'
      : table(
          `${me.behaviour.length} visit${me.behaviour.length === 1 ? '' : 's'}, each kept 90 days`,
          ['When', 'What', 'Page'],
          me.behaviour.map((b) => [moment(b.occurredAt), b.type, b.path ?? '—']),
        ),
  );
  renderErasure(me.erasure, me.legalHold === true);
}

function renderErasure(erasure: Me['erasure'], legalHold: boolean): void {
  const pending = erasure !== undefined;
  ui.erasureNone.hidden = pending;
  ui.erasurePending.hidden = !pending;
  ui.erasureHold.hidden = !legalHold;
  if (erasure) {
    ui.erasureDate.textContent = `Your data will be deleted on ${day(erasure.scheduledFor)}.`;
    ui.erasureReceipt.textContent = erasure.receiptId;
  }
}

/** The access log shown so far: "Show more" appends the next page until no nextCursor is left. */
let shownLog: AccessPage = { items: [] };

function renderAccessLog(page: AccessPage, append = false): void {
  shownLog = { items: append ? [...shownLog.items, ...page.items] : page.items, nextCursor: page.nextCursor };
  const items = shownLog.items;
  fill(
    ui.accessLog,
    items.length === 0
      ? 'Nobody has looked at your data yet.'
      : table(
          'Newest first. Staff must give a reason to see your full name and contact.',
          ['When', 'Who', 'What', 'Why'],
          items.map((e) => [moment(e.at), who(e), ACTIONS[e.action] ?? e.action.replaceAll('_', ' '), e.purpose ?? (e.purpose === null ? '(no longer readable)' : '—')]),
        ),
  );
  const cursor = shownLog.nextCursor;
  if (cursor === undefined) return;
  const more = node('button', 'Show more', { type: 'button', class: 'quiet', id: 'access-log-more' });
  more.addEventListener('click', () => {
    void busy(more, async () => {
      const next = await apiJson<AccessPage>('GET', `/v1/me/access-log?cursor=${encodeURIComponent(cursor)}`);
      renderAccessLog(next, true);
      say(`${next.items.length} older entr${next.items.length === 1 ? 'y' : 'ies'} shown.`);
      // The button was replaced: keep the keyboard where it was, or on the table once everything is shown.
      const target = document.getElementById('access-log-more') ?? ui.accessLog.querySelector('table');
      if (target?.tagName === 'TABLE') target.setAttribute('tabindex', '-1');
      target?.focus();
    });
  });
  ui.accessLog.append(more);
}

// ---- flows --------------------------------------------------------------------------------------

function contactFrom(raw: string): { email: string } | { phone: string } {
  const value = raw.trim();
  return value.includes('@') ? { email: value } : { phone: value };
}

function showSignIn(): void {
  ui.dashboard.hidden = true;
  ui.signOut.hidden = true;
  ui.signIn.hidden = false;
  ui.loginForm.hidden = false;
  ui.verifyForm.hidden = true;
  ui.title.textContent = 'Your data';
}

function endSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn();
}

async function loadDashboard(): Promise<void> {
  const [me, log] = await Promise.all([apiJson<Me>('GET', '/v1/me'), apiJson<AccessPage>('GET', '/v1/me/access-log')]);
  renderMe(me);
  renderAccessLog(log);
  ui.signIn.hidden = true;
  ui.dashboard.hidden = false;
  ui.signOut.hidden = false;
  ui.title.textContent = `Your data, ${me.name}`;
}

async function refreshAccessLog(): Promise<void> {
  renderAccessLog(await apiJson<AccessPage>('GET', '/v1/me/access-log'));
}

ui.loginForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const button = ui.loginForm.querySelector('button')!;
  if (!ui.contact.value.trim()) {
    fail(new ApiError(400, { detail: 'Enter your email address or phone number.' }, undefined));
    ui.contact.focus();
    return;
  }
  pendingContact = contactFrom(ui.contact.value);
  void busy(button, async () => {
    await apiJson('POST', '/v1/portal/login', pendingContact);
    ui.loginForm.hidden = true;
    ui.verifyForm.hidden = false;
    ui.code.value = '';
    say('Check your messages for the code.');
    ui.code.focus();
  });
});

ui.verifyForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const button = ui.verifyForm.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  if (!pendingContact) return showSignIn();
  const contact = pendingContact;
  void busy(button, async () => {
    const session = await apiJson<{ token: string }>('POST', '/v1/portal/verify', { ...contact, code: ui.code.value });
    sessionStorage.setItem(TOKEN_KEY, session.token);
    pendingContact = undefined;
    await loadDashboard();
    say('You are signed in.');
    ui.title.focus();
  });
});

ui.restart.addEventListener('click', () => {
  pendingContact = undefined;
  showSignIn();
  say('');
  ui.contact.focus();
});

ui.signOut.addEventListener('click', () => {
  void busy(ui.signOut, async () => {
    await apiJson('POST', '/v1/portal/logout').catch(() => undefined);
    endSession();
    say('You are signed out.');
    ui.contact.focus();
  });
});

function consentSwitch(input: HTMLInputElement, purpose: 'communications' | 'analytics'): void {
  input.addEventListener('change', () => {
    const wanted = input.checked;
    void busy(input, async () => {
      try {
        const state = await apiJson<Me['consent']>('PUT', '/v1/me/consent', { [purpose]: wanted });
        ui.communicationsState.textContent = consentText(state.communications, true);
        ui.analyticsState.textContent = consentText(state.analytics, false);
        ui.communications.checked = state.communications.status === 'active';
        ui.analytics.checked = state.analytics.status === 'active';
        say(wanted ? 'Consent given. Thank you.' : 'Consent withdrawn.');
        await refreshAccessLog();
      } catch (e) {
        input.checked = !wanted;
        throw e;
      }
    });
  });
}
consentSwitch(ui.communications, 'communications');
consentSwitch(ui.analytics, 'analytics');

ui.download.addEventListener('click', () => {
  void busy(ui.download, async () => {
    const res = await api('GET', '/v1/me/export');
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'my-data.json';
    const url = URL.createObjectURL(await res.blob());
    const a = node('a', undefined, { href: url, download: name, hidden: '' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(`Your data is downloading as ${name}.`);
    await refreshAccessLog();
  });
});

ui.deleteButton.addEventListener('click', () => {
  ui.confirm.showModal();
  ui.confirmNo.focus();
});

ui.confirmNo.addEventListener('click', () => {
  ui.confirm.close();
  say('Nothing was deleted.');
  ui.deleteButton.focus();
});

ui.confirmYes.addEventListener('click', () => {
  void busy(ui.confirmYes, async () => {
    try {
      const receipt = await apiJson<{ receiptId: string; scheduledFor: string }>('POST', '/v1/me/erasure');
      renderErasure({ status: 'pending', ...receipt }, !ui.erasureHold.hidden);
      say(`Deletion requested. Your data will be deleted on ${day(receipt.scheduledFor)}.`);
      ui.confirm.close();
      ui.cancelDelete.focus();
      await refreshAccessLog();
    } catch (e) {
      ui.confirm.close();
      throw e;
    }
  });
});

ui.cancelDelete.addEventListener('click', () => {
  void busy(ui.cancelDelete, async () => {
    await apiJson('DELETE', '/v1/me/erasure');
    renderErasure(undefined, !ui.erasureHold.hidden);
    say('Deletion cancelled. We keep your data as before.');
    ui.deleteButton.focus();
    await refreshAccessLog();
  });
});

if (token()) {
  void loadDashboard().catch(fail);
} else {
  showSignIn();
}
