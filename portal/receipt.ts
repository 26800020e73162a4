/**
 * The erasure receipt in words (`#receipt=<id>`): read from the public receipt route, which holds
 * nothing personal, so it works signed in or not. Categories get the page's own plain names.
 */
import { apiJson, ApiError } from './api';
import { fill, node, ui } from './dom';
import { day, duration, known, t } from './i18n';
import type { Receipt, ReceiptCategory } from './types';

/** The receipt id in the address, if the address is a receipt's. */
export function receiptIdFromHash(hash = location.hash): string | undefined {
  const m = /^#receipt=([0-9a-fA-F-]{36})$/.exec(hash);
  return m ? m[1] : undefined;
}

function statusText(r: Receipt): string {
  switch (r.status) {
    case 'pending':
      return t('receipt.status.pending', { date: day(r.scheduledFor) });
    case 'cancelled':
      return t('receipt.status.cancelled', { date: day(r.cancelledAt ?? r.requestedAt) });
    case 'completed':
      return t('receipt.status.completed', { date: day(r.completedAt ?? r.scheduledFor) });
    default:
      return t('receipt.status.on-hold');
  }
}

function list(title: string, items: string[]): HTMLElement[] {
  if (items.length === 0) return [];
  const ul = node('ul');
  for (const i of items) ul.append(node('li', i));
  return [node('h3', title), ul];
}

function keptLine(c: ReceiptCategory): string {
  const what = known(`cat.${c.category}`) ?? c.title;
  const why = known(`why.${c.category}`) ?? c.reason;
  return `${what}. ${t('receipt.keptFor', { duration: duration(c.retention ?? ''), why })}`;
}

let last: Receipt | undefined;

export function renderReceipt(r: Receipt | undefined = last): void {
  if (!r) return;
  last = r;
  const facts = node('dl', undefined, { class: 'facts' });
  const fact = (term: string, value: string, cls?: string) => facts.append(node('dt', term), node('dd', value, cls ? { class: cls } : {}));
  fact(t('receipt.state'), statusText(r));
  fact(t('receipt.requested'), day(r.requestedAt), 'date');
  fact(t('receipt.number'), r.receiptId, 'id');
  const deleted = r.categories.deleted.map((c) => known(`cat.${c.category}`) ?? c.title);
  const box = node('div');
  box.append(
    facts,
    ...list(r.status === 'completed' ? t('receipt.deletedDone') : t('receipt.deletedPending'), deleted),
    ...list(t('receipt.kept'), r.categories.retained.map(keptLine)),
  );
  fill(ui.receiptBody, box);
}

/** Loads and shows a receipt; a receipt that does not exist says so. */
export async function showReceipt(receiptId: string): Promise<void> {
  last = undefined;
  try {
    renderReceipt(await apiJson<Receipt>('GET', `/v1/erasure-receipts/${encodeURIComponent(receiptId)}`));
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    fill(ui.receiptBody, t('receipt.notFound'));
  }
}
