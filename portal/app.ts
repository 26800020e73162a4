/**
 * The customer portal page: sign in with a one-time code, see what is held and who looked at it,
 * change consent, download everything, ask for (and cancel) erasure, read the erasure receipt. Talks
 * only to this origin's API, found relative to the page (any base path). Every value from the server
 * goes into the page as text (textContent), never as HTML.
 *
 * The session token lives in sessionStorage: it survives a reload but not closing the tab, and the
 * strict CSP (scripts from this origin only) is what keeps other scripts away from it.
 */
import { loadAccessLog, renderAccessLog, resetAccessLog } from './access-log';
import { api, ApiError, apiJson, TOKEN_KEY, token } from './api';
import { renderConsent, renderDialog, renderErasure, renderMe } from './dashboard';
import { node, ui } from './dom';
import { busy, clearFeedback, fail, isBusy, say, sayKey } from './feedback';
import { currentLang, setLang, t, translateStatic, day } from './i18n';
import { receiptIdFromHash, renderReceipt, showReceipt } from './receipt';
import { loadRetention } from './retention';
import type { ConsentState, Me } from './types';

let pendingContact: { email: string } | { phone: string } | undefined;
let me: Me | undefined;

// ---- views --------------------------------------------------------------------------------------

function showOnly(view: 'sign-in' | 'dashboard' | 'receipt'): void {
  ui.signIn.hidden = view !== 'sign-in';
  ui.dashboard.hidden = view !== 'dashboard';
  ui.receiptView.hidden = view !== 'receipt';
  ui.signOut.hidden = !token();
  if (view !== 'dashboard') ui.title.textContent = t('title.signedOut');
}

function showSignIn(): void {
  showOnly('sign-in');
  ui.loginForm.hidden = false;
  ui.verifyForm.hidden = true;
}

function endSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  me = undefined;
  resetAccessLog();
  showSignIn();
}

/** Anything that fails because the session ended sends the customer back to sign-in, saying so. */
const failAt = (where: HTMLElement, input?: HTMLInputElement) => (e: unknown) => fail(where, e, input, endSession);

async function refreshMe(): Promise<void> {
  me = await apiJson<Me>('GET', '/v1/me');
  renderMe(me);
}

async function loadDashboard(): Promise<void> {
  // The retention figures first: the dashboard's captions and the deletion dialog name them. Without them the
  // dashboard still shows, saying "a limited time" (the customer's data matters more than the caption).
  await loadRetention().catch(() => undefined);
  translateStatic();
  await Promise.all([refreshMe(), loadAccessLog()]);
  showOnly('dashboard');
}

async function route(): Promise<void> {
  const receiptId = receiptIdFromHash();
  if (receiptId) {
    showOnly('receipt');
    await showReceipt(receiptId);
    ui.receiptTitle.focus();
  } else if (token()) {
    if (me) renderMe(me);
    else await loadDashboard();
    showOnly('dashboard');
  } else {
    showSignIn();
  }
}

// ---- language -----------------------------------------------------------------------------------

function applyLanguage(): void {
  translateStatic();
  ui.lang.lang = currentLang() === 'en' ? 'de' : 'en';
  if (me) renderMe(me);
  renderAccessLog();
  renderReceipt();
  if (ui.dashboard.hidden) ui.title.textContent = t('title.signedOut');
}

ui.lang.addEventListener('click', () => {
  setLang(currentLang() === 'en' ? 'de' : 'en');
  clearFeedback();
  applyLanguage();
  // The button keeps the focus; its words change to the other language.
});

// ---- sign-in ------------------------------------------------------------------------------------

function contactFrom(raw: string): { email: string } | { phone: string } {
  const value = raw.trim();
  return value.includes('@') ? { email: value } : { phone: value };
}

ui.loginForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const button = ui.loginForm.querySelector('button')!;
  if (!ui.contact.value.trim()) {
    fail(ui.loginFeedback, t('error.contactMissing'), ui.contact);
    ui.contact.focus();
    return;
  }
  const contact = contactFrom(ui.contact.value);
  void busy(
    button,
    async () => {
      await apiJson('POST', '/v1/portal/login', contact);
      pendingContact = contact;
      ui.loginForm.hidden = true;
      ui.verifyForm.hidden = false;
      ui.code.value = '';
      sayKey(ui.verifyFeedback, 'say.codeSent');
      ui.code.focus();
    },
    (e) => {
      fail(ui.loginFeedback, e, ui.contact);
      ui.contact.focus();
    },
  );
});

ui.verifyForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const button = ui.verifyForm.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  if (!pendingContact) return showSignIn();
  const contact = pendingContact;
  void busy(
    button,
    async () => {
      const session = await apiJson<{ token: string }>('POST', '/v1/portal/verify', { ...contact, code: ui.code.value });
      sessionStorage.setItem(TOKEN_KEY, session.token);
      pendingContact = undefined;
      await loadDashboard();
      sayKey(ui.pageFeedback, 'say.signedIn');
      ui.title.focus();
    },
    (e) => {
      fail(ui.verifyFeedback, e instanceof ApiError && e.status === 401 ? t('error.badCode') : e, ui.code);
      ui.code.focus();
    },
  );
});

ui.restart.addEventListener('click', () => {
  pendingContact = undefined;
  clearFeedback();
  showSignIn();
  ui.contact.focus();
});

ui.signOut.addEventListener('click', () => {
  void busy(
    ui.signOut,
    async () => {
      await apiJson('POST', '/v1/portal/logout').catch(() => undefined);
      endSession();
      if (location.hash) history.replaceState(null, '', location.pathname);
      sayKey(ui.pageFeedback, 'say.signedOut');
      ui.contact.focus();
    },
    failAt(ui.pageFeedback),
  );
});

// ---- the dashboard's actions --------------------------------------------------------------------

function consentSwitch(input: HTMLInputElement, purpose: 'communications' | 'analytics'): void {
  input.addEventListener('change', () => {
    // A second press while the first is on its way is undone, not sent.
    if (isBusy(input)) {
      input.checked = !input.checked;
      return;
    }
    const wanted = input.checked;
    const visitsBefore = me?.behaviour.length ?? 0;
    void busy(
      input,
      async () => {
        const state = await apiJson<ConsentState>('PUT', '/v1/me/consent', { [purpose]: wanted });
        renderConsent(state, visitsBefore, me?.more.behaviour);
        // Withdrawing analytics deletes the visits on the server: read them again, so nothing stale stays.
        await refreshMe();
        const name = t(`purpose.${purpose}`);
        const deleted = purpose === 'analytics' && visitsBefore > 0;
        const key = wanted ? 'consent.given' : deleted ? 'consent.visitsDeleted' : 'consent.withdrawnSay';
        sayKey(ui.consentFeedback, key, { purpose: name });
        await loadAccessLog();
      },
      (e) => {
        input.checked = !wanted;
        failAt(ui.consentFeedback)(e);
      },
    );
  });
}
consentSwitch(ui.communications, 'communications');
consentSwitch(ui.analytics, 'analytics');

ui.download.addEventListener('click', () => {
  void busy(
    ui.download,
    async () => {
      const res = await api('GET', '/v1/me/export');
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'my-data.json';
      const url = URL.createObjectURL(await res.blob());
      const a = node('a', undefined, { href: url, download: name, hidden: '' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      sayKey(ui.downloadFeedback, 'download.done', { file: name });
      await loadAccessLog();
    },
    failAt(ui.downloadFeedback),
  );
});

ui.deleteButton.addEventListener('click', () => {
  if (me) renderDialog(me);
  ui.confirm.showModal();
  ui.confirmNo.focus();
});

ui.confirmNo.addEventListener('click', () => {
  ui.confirm.close();
  ui.deleteButton.focus();
  sayKey(ui.erasureFeedback, 'erasure.keptSay');
});

ui.confirmYes.addEventListener('click', () => {
  void busy(
    ui.confirmYes,
    async () => {
      const receipt = await apiJson<{ receiptId: string; scheduledFor: string }>('POST', '/v1/me/erasure');
      if (me) renderErasure({ ...me, erasure: { status: 'pending', ...receipt } });
      ui.confirm.close();
      ui.cancelDelete.focus();
      say(ui.erasureFeedback, t('erasure.requested', { date: day(receipt.scheduledFor) }));
      await Promise.all([refreshMe(), loadAccessLog()]);
    },
    (e) => {
      ui.confirm.close();
      ui.deleteButton.focus();
      failAt(ui.erasureFeedback)(e);
    },
  );
});

ui.cancelDelete.addEventListener('click', () => {
  void busy(
    ui.cancelDelete,
    async () => {
      await apiJson('DELETE', '/v1/me/erasure');
      if (me) renderErasure({ ...me, erasure: undefined });
      ui.deleteButton.focus();
      sayKey(ui.erasureFeedback, 'erasure.cancelled');
      await Promise.all([refreshMe(), loadAccessLog()]);
    },
    failAt(ui.erasureFeedback),
  );
});

// ---- start --------------------------------------------------------------------------------------

window.addEventListener('hashchange', () => {
  clearFeedback();
  void route()
    .then(() => {
      if (!receiptIdFromHash()) ui.title.focus();
    })
    .catch(failAt(ui.pageFeedback));
});

applyLanguage();
void route().catch(failAt(ui.pageFeedback));
