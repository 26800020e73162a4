/** Renders the customer's own data (GET /v1/me) in the page's language; every value goes in as text. */
import { fill, node, table, ui, type Column } from './dom';
import { day, known, money, moment, plural, shortDay, t } from './i18n';
import type { ConsentState, ConsentView, Erasure, Me } from './types';

/** A human label for a raw value the server sends ("email", "search"), or the value itself. */
export function label(prefix: string, raw: string): string {
  return known(`${prefix}.${raw}`) ?? raw.replaceAll('_', ' ');
}

function consentText(view: ConsentView, expires: boolean): string {
  switch (view.status) {
    case 'active':
      return expires && view.expiresAt
        ? t('consent.activeLapses', { since: day(view.grantedAt!), until: day(view.expiresAt) })
        : t('consent.active', { since: day(view.grantedAt!) });
    case 'expired':
      return t('consent.expired', { date: day(view.expiresAt!) });
    case 'withdrawn':
      return t('consent.withdrawn', { date: day(view.withdrawnAt!) });
    default:
      return t('consent.never');
  }
}

/** The switches and their descriptions; turning analytics off says beforehand that it deletes the visits. */
export function renderConsent(state: ConsentState, visits: number, moreVisits = false): void {
  ui.communications.checked = state.communications.status === 'active';
  ui.communicationsState.textContent = consentText(state.communications, true);
  ui.analytics.checked = state.analytics.status === 'active';
  ui.analyticsState.textContent = consentText(state.analytics, false);
  // The dashboard holds the newest visits only: with older ones, the count it knows is a lower bound.
  const warning = moreVisits
    ? t('consent.deletesMoreThan', { count: visits })
    : visits > 0
      ? plural('consent.deletesVisits', visits)
      : t('consent.deletesAny');
  ui.analyticsWarning.textContent = ui.analytics.checked ? warning : '';
  ui.analyticsWarning.hidden = !ui.analytics.checked;
}

type Listed = 'purchases' | 'interactions' | 'behaviour';

/**
 * One category's rows as a table captioned with their count (`<category>.caption`), or `<category>.none`;
 * under it, when older rows exist, where to find them.
 */
function renderList<K extends Listed>(me: Me, category: K, columns: Column[], cells: (row: Me[K][number]) => string[]): void {
  const rows = me[category] as Me[K][number][];
  const container = ui[category];
  if (rows.length === 0) {
    fill(container, t(`${category}.none`));
    return;
  }
  const { wrap } = table(plural(`${category}.caption`, rows.length), columns, rows.map(cells));
  const box = node('div');
  box.append(wrap);
  if (me.more[category]) box.append(node('p', plural('list.more', rows.length), { class: 'hint' }));
  fill(container, box);
}

function renderTables(me: Me): void {
  renderList(
    me,
    'purchases',
    [{ label: t('col.date'), kind: 'date' }, { label: t('col.items') }, { label: t('col.total'), kind: 'num' }],
    (p) => [shortDay(p.occurredAt), p.items.map((i) => `${i.quantity} × ${i.sku}`).join(', '), money(p.totalMinor, p.currency)],
  );
  renderList(me, 'interactions', [{ label: t('col.date'), kind: 'date' }, { label: t('col.how') }, { label: t('col.summary') }], (i) => [
    shortDay(i.occurredAt),
    label('channel', i.channel),
    i.summary ?? '—',
  ]);
  renderList(me, 'behaviour', [{ label: t('col.when'), kind: 'date' }, { label: t('col.what') }, { label: t('col.page') }], (b) => [
    moment(b.occurredAt),
    label('event', b.type),
    b.path ?? '—',
  ]);
}

export function renderMe(me: Me): void {
  ui.title.textContent = t('title.signedIn', { name: me.name });
  ui.name.textContent = me.name;
  ui.contactLabel.textContent = me.contact.type === 'email' ? t('facts.email') : t('facts.phone');
  ui.contactValue.textContent = me.contact.value;
  ui.created.textContent = day(me.createdAt);
  renderConsent(me.consent, me.behaviour.length, me.more.behaviour);
  renderTables(me);
  renderErasure(me);
}

/** The erasure card, and the facts: while a deletion is pending, "Kept until" gives way to its date. */
export function renderErasure(me: Pick<Me, 'erasure' | 'legalHold' | 'retention'>): void {
  const erasure: Erasure | undefined = me.erasure;
  ui.erasureNone.hidden = erasure !== undefined;
  ui.erasurePending.hidden = erasure === undefined;
  ui.erasureHold.hidden = me.legalHold !== true;
  ui.retentionLabel.textContent = erasure ? t('facts.deletedOn') : t('facts.keptUntil');
  ui.retention.textContent = day(erasure ? erasure.scheduledFor : me.retention.expiresAt);
  ui.retentionHint.textContent = erasure ? t('facts.deletedHint') : t('facts.keptHint');
  if (erasure) {
    ui.erasureDate.textContent = t('erasure.pending', { date: day(erasure.scheduledFor) });
    ui.erasureReceipt.href = `#receipt=${encodeURIComponent(erasure.receiptId)}`;
  }
}

/** The confirmation names the exact day the data would go. */
export function renderDialog(me: Pick<Me, 'erasureIfRequestedNow'>): void {
  ui.confirmWhen.textContent = me.erasureIfRequestedNow ? t('dialog.when', { date: day(me.erasureIfRequestedNow) }) : t('dialog.whenLater');
}
