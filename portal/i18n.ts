/**
 * The page's language: English or German, from the browser's languages unless the customer chose one
 * with the switch; the choice is kept for this tab in sessionStorage (no cookie). Dates and money are
 * formatted with Intl for the chosen language and, where the browser names one, its region.
 */
import { DE } from './i18n/de';
import { EN, type Catalogue, type MessageKey } from './i18n/en';

export type Lang = 'en' | 'de';
export const CATALOGUES: Record<Lang, Catalogue> = { en: EN, de: DE };
const LANG_KEY = 'privacy-crm.portal.lang';

function isLang(v: unknown): v is Lang {
  return v === 'en' || v === 'de';
}

function initialLang(): Lang {
  const kept = sessionStorage.getItem(LANG_KEY);
  if (isLang(kept)) return kept;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLang(base)) return base;
  }
  return 'en';
}

let lang: Lang = initialLang();

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  sessionStorage.setItem(LANG_KEY, next);
}

/** The browser's own tag for this language (e.g. en-GB, de-AT) when it has one, for Intl. */
function locale(): string {
  return (navigator.languages ?? []).find((tag) => tag.toLowerCase().split('-')[0] === lang) ?? lang;
}

/** Values every message may name (how long things are kept, once the page knows), under the caller's own. */
let shared: () => Record<string, string> = () => ({});

export function shareVars(provider: () => Record<string, string>): void {
  shared = provider;
}

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const all: Record<string, string | number> = { ...shared(), ...vars };
  return CATALOGUES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in all ? String(all[name]) : whole));
}

/** A plural message: `base.one` or `base.other`, by the language's plural rules; `{count}` is filled in. */
export function plural(base: string, count: number, vars: Record<string, string | number> = {}): string {
  const form = new Intl.PluralRules(locale()).select(count) === 'one' ? 'one' : 'other';
  return t(`${base}.${form}` as MessageKey, { count: new Intl.NumberFormat(locale()).format(count), ...vars });
}

/** A catalogue entry for a value the server sends (an action, a channel), or undefined when there is none. */
export function known(key: string, vars: Record<string, string | number> = {}): string | undefined {
  return key in CATALOGUES[lang] ? t(key as MessageKey, vars) : undefined;
}

const date = (iso: string, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale(), options).format(new Date(iso));
export const day = (iso: string) => date(iso, { year: 'numeric', month: 'long', day: 'numeric' });
export const shortDay = (iso: string) => date(iso, { year: 'numeric', month: 'short', day: 'numeric' });
export const moment = (iso: string) => date(iso, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function money(minor: number, currency: string): string {
  try {
    const format = new Intl.NumberFormat(locale(), { style: 'currency', currency });
    return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
  } catch {
    return `${minor} ${currency}`;
  }
}

/** "3 years" / "90 days" from the server, in the page's language; the server's words when not of that shape. */
export function duration(text: string): string {
  const m = /^(\d+) (day|month|year)s?$/.exec(text.trim());
  if (!m) return text;
  return new Intl.NumberFormat(locale(), { style: 'unit', unit: m[2], unitDisplay: 'long' }).format(Number(m[1]));
}

/** Puts the catalogue's text into the page's fixed elements (`data-i18n`) and sets <html lang>. */
export function translateStatic(root: ParentNode = document): void {
  document.documentElement.lang = lang;
  document.title = t('doc.title');
  for (const n of Array.from(root.querySelectorAll<HTMLElement>('[data-i18n]'))) n.textContent = t(n.dataset.i18n as MessageKey);
}
