/**
 * "Who looked at your data": staff and system access first; the customer's own actions folded into a
 * collapsed group. Each list shows the newest few, then "Show more". That works over the items the API
 * returned, and fetches the next page when the API returns a `nextCursor` (issue 10's cursors).
 */
import { apiJson } from './api';
import { appendRows, fill, node, table, ui, type Column } from './dom';
import { fail } from './feedback';
import { known, moment, plural, t } from './i18n';
import type { AccessEntry, AccessPage } from './types';

export const PAGE_SIZE = 5;

type Kind = 'others' | 'own';

const state = {
  entries: { others: [] as AccessEntry[], own: [] as AccessEntry[] },
  shown: { others: PAGE_SIZE, own: PAGE_SIZE },
  nextCursor: undefined as string | undefined,
  ownOpen: false,
};

function who(entry: AccessEntry): string {
  if (entry.actor === 'customer') return t('who.you');
  const role = known(`role.${entry.role}`) ?? entry.role;
  if (entry.actor.startsWith('staff:')) return t('who.staff', { id: entry.actor.slice(6), role });
  if (entry.actor.startsWith('system:')) return t('who.system');
  return entry.actor;
}

function row(e: AccessEntry, withWho: boolean): string[] {
  const what = known(`action.${e.action}`) ?? e.action.replaceAll('_', ' ');
  const why = e.purpose ?? (e.purpose === null ? t('access.purposeGone') : '—');
  return withWho ? [moment(e.at), who(e), what, why] : [moment(e.at), what];
}

function columns(kind: Kind): Column[] {
  return kind === 'others'
    ? [{ label: t('col.when'), kind: 'date' }, { label: t('col.who') }, { label: t('col.what') }, { label: t('col.why') }]
    : [{ label: t('col.when'), kind: 'date' }, { label: t('col.what') }];
}

function add(items: AccessEntry[]): void {
  for (const e of items) state.entries[e.actor === 'customer' ? 'own' : 'others'].push(e);
}

async function fetchPage(cursor?: string): Promise<void> {
  const page = await apiJson<AccessPage>('GET', `/v1/me/access-log${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  add(page.items);
  state.nextCursor = page.nextCursor ?? undefined;
}

/** Loads the newest page again (after the customer's own action), keeping how much of each list is open. */
export async function loadAccessLog(): Promise<void> {
  state.entries = { others: [], own: [] };
  await fetchPage();
  renderAccessLog();
}

export function resetAccessLog(): void {
  state.shown = { others: PAGE_SIZE, own: PAGE_SIZE };
  state.ownOpen = false;
}

function hasMore(kind: Kind): boolean {
  return state.shown[kind] < state.entries[kind].length || state.nextCursor !== undefined;
}

function group(kind: Kind, caption: string): HTMLElement {
  const cols = columns(kind);
  const visible = state.entries[kind].slice(0, state.shown[kind]);
  const { wrap, body } = table(
    caption,
    cols,
    visible.map((e) => row(e, kind === 'others')),
  );
  const more = node('button', t('access.more'), { type: 'button', class: 'quiet more' });
  more.hidden = !hasMore(kind);
  more.addEventListener('click', () => void showMore(kind, body, more, cols).catch((e: unknown) => fail(ui.pageFeedback, e)));
  const box = node('div');
  box.append(wrap, more);
  return box;
}

async function showMore(kind: Kind, body: HTMLElement, button: HTMLButtonElement, cols: Column[]): Promise<void> {
  const from = state.shown[kind];
  while (state.entries[kind].length < from + PAGE_SIZE && state.nextCursor) await fetchPage(state.nextCursor);
  state.shown[kind] = Math.min(from + PAGE_SIZE, state.entries[kind].length);
  const first = appendRows(
    body,
    cols,
    state.entries[kind].slice(from, state.shown[kind]).map((e) => row(e, kind === 'others')),
  );
  button.hidden = !hasMore(kind);
  // The button stays focused while there is more; when it goes, focus moves to the first new row.
  if (button.hidden && first) {
    first.tabIndex = -1;
    first.focus();
  }
}

export function renderAccessLog(): void {
  const box = node('div');
  const { others, own } = state.entries;
  box.append(others.length === 0 ? node('p', t('access.none'), { class: 'empty' }) : group('others', t('access.caption')));
  if (own.length > 0) {
    const details = node('details', undefined, { class: 'own' });
    details.open = state.ownOpen;
    details.addEventListener('toggle', () => (state.ownOpen = details.open));
    details.append(node('summary', plural('access.own', own.length)), group('own', t('access.ownCaption')));
    box.append(details);
  }
  fill(ui.accessLog, box);
}
