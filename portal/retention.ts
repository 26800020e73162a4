/**
 * How long this deployment keeps what the dashboard names (purchases, support contacts, visits, the access log), from the
 * public inventory: a retention the operator configured shows here as it applies, in the page's language.
 * The catalogue's sentences name them as {purchasesKept}, {interactionsKept}, {visitsKept} and {accessLogKept}.
 */
import { apiJson } from './api';
import { CATALOGUES, currentLang, duration, shareVars } from './i18n';

interface Inventory {
  categories: { id: string; retention: { days: number } }[];
}

const SHOWN = {
  purchases: 'purchasesKept',
  interactions: 'interactionsKept',
  behaviour: 'visitsKept',
  accessLog: 'accessLogKept',
} as const;

let days: Partial<Record<keyof typeof SHOWN, number>> = {};

/** Whole years when the days are whole years (1095 → "3 years"), else days; words in the page's language. */
export function keptFor(n: number): string {
  if (n % 365 === 0) return duration(`${n / 365} ${n === 365 ? 'year' : 'years'}`);
  return duration(`${n} ${n === 1 ? 'day' : 'days'}`);
}

/** The periods, or while the inventory is unknown (it could not be read), words that fit every sentence that names one. */
function vars(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, name] of Object.entries(SHOWN)) {
    const n = days[id as keyof typeof SHOWN];
    out[name] = n === undefined ? CATALOGUES[currentLang()]['retention.unknown'] : keptFor(n);
  }
  return out;
}

/** Reads the inventory once per page; a failed read is tried again with the next dashboard load. */
export async function loadRetention(): Promise<void> {
  if (Object.keys(days).length > 0) return;
  const inventory = await apiJson<Inventory>('GET', '/v1/privacy/inventory');
  const found: typeof days = {};
  for (const c of inventory.categories) if (c.id in SHOWN) found[c.id as keyof typeof SHOWN] = c.retention.days;
  days = found;
}

shareVars(vars);
