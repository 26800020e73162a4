/** The page's fixed elements, and helpers that put server values into the page as text only. */

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

export const ui = {
  title: el('page-title'),
  pageFeedback: el('page-feedback'),
  announce: el('announce'),
  lang: el<HTMLButtonElement>('lang'),
  signIn: el('sign-in'),
  loginForm: el<HTMLFormElement>('login-form'),
  contact: el<HTMLInputElement>('contact'),
  loginFeedback: el('login-feedback'),
  verifyForm: el<HTMLFormElement>('verify-form'),
  code: el<HTMLInputElement>('code'),
  verifyFeedback: el('verify-feedback'),
  restart: el<HTMLButtonElement>('restart'),
  signOut: el<HTMLButtonElement>('sign-out'),
  receiptView: el('receipt-view'),
  receiptTitle: el('receipt-title'),
  receiptBody: el('receipt-body'),
  dashboard: el('dashboard'),
  name: el('me-name'),
  contactLabel: el('me-contact-label'),
  contactValue: el('me-contact'),
  created: el('me-created'),
  retentionLabel: el('me-retention-label'),
  retention: el('me-retention'),
  retentionHint: el('me-retention-hint'),
  communications: el<HTMLInputElement>('consent-communications'),
  communicationsState: el('consent-communications-state'),
  analytics: el<HTMLInputElement>('consent-analytics'),
  analyticsState: el('consent-analytics-state'),
  analyticsWarning: el('consent-analytics-warning'),
  consentFeedback: el('consent-feedback'),
  purchases: el('purchases'),
  interactions: el('interactions'),
  behaviour: el('behaviour'),
  accessLog: el('access-log'),
  download: el<HTMLButtonElement>('download'),
  downloadFeedback: el('download-feedback'),
  erasureNone: el('erasure-none'),
  erasurePending: el('erasure-pending'),
  erasureDate: el('erasure-date'),
  erasureReceipt: el<HTMLAnchorElement>('erasure-receipt'),
  erasureHold: el('erasure-hold'),
  erasureFeedback: el('erasure-feedback'),
  deleteButton: el<HTMLButtonElement>('delete'),
  cancelDelete: el<HTMLButtonElement>('cancel-delete'),
  confirm: el<HTMLDialogElement>('confirm-delete'),
  confirmWhen: el('confirm-when'),
  confirmYes: el<HTMLButtonElement>('confirm-yes'),
  confirmNo: el<HTMLButtonElement>('confirm-no'),
};

export function node<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const n = document.createElement(tag);
  if (text !== undefined) n.textContent = text;
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
}

export interface Column {
  label: string;
  /** `date`: never wraps on a wide screen; `num`: right-aligned figures. */
  kind?: 'date' | 'num';
}

/** A table whose rows become labelled blocks on a phone; explicit roles keep it a table for screen readers. */
export function table(caption: string, columns: Column[], rows: string[][]): { wrap: HTMLElement; body: HTMLElement } {
  const wrap = node('div', undefined, { class: 'scroll' });
  const t = node('table', undefined, { role: 'table' });
  t.append(node('caption', caption));
  const head = node('thead', undefined, { role: 'rowgroup' });
  const hr = node('tr', undefined, { role: 'row' });
  for (const c of columns) hr.append(node('th', c.label, { scope: 'col', role: 'columnheader', ...(c.kind ? { class: c.kind } : {}) }));
  head.append(hr);
  const body = node('tbody', undefined, { role: 'rowgroup' });
  appendRows(body, columns, rows);
  t.append(head, body);
  wrap.append(t);
  return { wrap, body };
}

/** Appends rows; returns the first one added (to move focus to after "Show more"). */
export function appendRows(body: HTMLElement, columns: Column[], rows: string[][]): HTMLElement | undefined {
  let first: HTMLElement | undefined;
  for (const r of rows) {
    const tr = node('tr', undefined, { role: 'row' });
    r.forEach((cell, i) => {
      const kind = columns[i].kind;
      tr.append(node('td', cell, { 'data-label': columns[i].label, role: 'cell', ...(kind ? { class: kind } : {}) }));
    });
    body.append(tr);
    first ??= tr;
  }
  return first;
}

export function fill(container: HTMLElement, content: HTMLElement | string): void {
  container.replaceChildren(typeof content === 'string' ? node('p', content, { class: 'empty' }) : content);
}
