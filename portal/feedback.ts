/**
 * Feedback where the customer is looking: each action's result is written next to the action (and
 * scrolled into view), and repeated in one polite live region for screen readers. Busy controls are
 * marked aria-disabled rather than disabled, so the focus stays on them.
 */
import { ApiError, token } from './api';
import { ui } from './dom';
import { currentLang, known, plural, t } from './i18n';
import type { MessageKey } from './i18n/en';

let announced = '';

function announce(message: string): void {
  // The same words twice in a row are still read out: clear, then set.
  ui.announce.textContent = message === announced ? `${message}\u00a0` : message;
  announced = ui.announce.textContent;
}

const FEEDBACK = () => [ui.pageFeedback, ui.loginFeedback, ui.verifyFeedback, ui.consentFeedback, ui.downloadFeedback, ui.erasureFeedback];

/** Clears every action's feedback (a new action, a new view, a new language). */
export function clearFeedback(): void {
  for (const f of FEEDBACK()) {
    f.hidden = true;
    f.textContent = '';
    f.classList.remove('error');
  }
  for (const input of [ui.contact, ui.code]) {
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', input === ui.contact ? 'contact-hint' : 'code-hint');
  }
}

function show(where: HTMLElement, message: string, error: boolean): void {
  clearFeedback();
  where.textContent = message;
  where.classList.toggle('error', error);
  where.hidden = false;
  announce(message);
  where.scrollIntoView({ block: 'nearest' });
}

export function say(where: HTMLElement, message: string): void {
  show(where, message, false);
}

/** The words for a problem: the page's own for what it knows, the API's hint (e.g. a phone format) kept. */
export function problemText(e: unknown): string {
  if (!(e instanceof ApiError)) return t('error.generic');
  if (e.status === 429) {
    const minutes = e.retryAfter ? Math.max(1, Math.ceil(e.retryAfter / 60)) : undefined;
    return `${t('error.tooMany')}${minutes ? ` ${plural('error.tryAgain', minutes)}` : ''}`;
  }
  const field = e.problem.errors?.[0];
  if (field) {
    const example = /\(e\.g\. ([^)]+)\)/.exec(field.message)?.[1];
    const own = known(`error.field.${field.field}`, { example: example ?? '' });
    if (own && (example || !own.includes('{example}'))) return own;
    // The API's own words are English: a page in another language says what it can in its own.
    if (currentLang() !== 'en') return t('error.generic');
    const hint = t('error.hint', { message: field.message });
    return e.problem.detail ? `${e.problem.detail} ${hint}` : hint;
  }
  const own = e.problem.code ? known(`error.code.${e.problem.code}`) : undefined;
  if (own) return own;
  // The API's own words are English: a page in another language says what it can in its own.
  if (currentLang() !== 'en') return t('error.generic');
  return e.problem.detail ?? t('error.generic');
}

/** Shows a failure (an API error, or the page's own words) next to the action; an input it is about is marked invalid. */
export function fail(where: HTMLElement, e: unknown, input?: HTMLInputElement, onSessionEnd?: () => void): void {
  if (e instanceof ApiError && e.status === 401 && token() && onSessionEnd) {
    onSessionEnd();
    show(ui.loginFeedback, t('error.sessionEnded'), true);
    ui.contact.focus();
    return;
  }
  show(where, typeof e === 'string' ? e : problemText(e), true);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} ${where.id}`);
  }
}

export function sayKey(where: HTMLElement, key: MessageKey, vars?: Record<string, string | number>): void {
  say(where, t(key, vars));
}

const running = new WeakSet<HTMLElement>();

export function isBusy(control: HTMLElement): boolean {
  return running.has(control);
}

/**
 * Runs an action for a control: ignores a second activation while one runs, and afterwards puts the
 * focus back on the control if it fell to the body (the control was re-rendered or briefly hidden).
 * Errors are reported by `onError`; the control's own handler moves focus to a result when it has one.
 */
export async function busy(control: HTMLElement, work: () => Promise<void>, onError: (e: unknown) => void): Promise<void> {
  if (running.has(control)) return;
  running.add(control);
  control.setAttribute('aria-disabled', 'true');
  control.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (e) {
    onError(e);
  } finally {
    running.delete(control);
    control.removeAttribute('aria-disabled');
    control.removeAttribute('aria-busy');
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost && control.offsetParent !== null) control.focus();
  }
}
