/** Every string of the page in one catalogue per language: same keys, same placeholders, nothing empty. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DE } from '../../portal/i18n/de';
import { EN } from '../../portal/i18n/en';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CATALOGUES: Record<string, Record<string, string>> = { en: EN, de: DE };
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the portal catalogues', () => {
  it.each(Object.keys(CATALOGUES))('%s has every key of every other language, none empty, with the same placeholders', (lang) => {
    const mine = CATALOGUES[lang];
    for (const [other, theirs] of Object.entries(CATALOGUES)) {
      const missing = Object.keys(theirs).filter((k) => !(k in mine));
      expect(missing, `keys of ${other} missing in ${lang}`).toEqual([]);
      for (const k of Object.keys(theirs)) expect(placeholders(mine[k]), `${lang} ${k}`).toEqual(placeholders(theirs[k]));
    }
    for (const [k, v] of Object.entries(mine)) expect(v.trim(), `${lang} ${k}`).not.toBe('');
  });

  it('has both plural forms wherever it has one', () => {
    for (const [lang, c] of Object.entries(CATALOGUES)) {
      for (const k of Object.keys(c).filter((k) => /\.(one|other)$/.test(k))) {
        const base = k.replace(/\.(one|other)$/, '');
        expect(
          [`${base}.one`, `${base}.other`].every((p) => p in c),
          `${lang} ${base}`,
        ).toBe(true);
      }
    }
  });

  it("keeps today's English labels", () => {
    const keys = ['login.label', 'login.submit', 'verify.label', 'verify.submit', 'download.button', 'erasure.button'] as const;
    const labels = keys.map((k) => EN[k]);
    expect(labels).toEqual(['Email or phone', 'Send code', 'Code', 'Sign in', 'Download my data', 'Delete my data']);
  });

  it('covers every fixed text of the page: each data-i18n key exists, and the HTML carries the English words', () => {
    const html = readFileSync(join(ROOT, 'portal/index.html'), 'utf8');
    const tagged = [...html.matchAll(/data-i18n="([^"]+)"[^>]*>([^<]*)</g)];
    expect(tagged.length).toBeGreaterThan(40);
    for (const [, key, text] of tagged) {
      expect(key in EN, `${key} in the catalogue`).toBe(true);
      expect(text.replace(/\s+/g, ' ').trim(), key).toBe(EN[key as keyof typeof EN]);
    }
  });

  it('names every value the server sends: actions, roles, channels, visit types', async () => {
    const { BEHAVIOUR_TYPES } = await import('../../lambdas/core/categories/behaviour');
    const { INTERACTION_CHANNELS } = await import('../../lambdas/core/categories/interactions');
    const actions = readFileSync(join(ROOT, 'lambdas/core/shared/access-log.ts'), 'utf8').match(/export type AccessAction =([^;]+);/)![1];
    const keys = [
      ...[...actions.matchAll(/'(\w+)'/g)].map((m) => `action.${m[1]}`),
      ...BEHAVIOUR_TYPES.map((t) => `event.${t}`),
      ...INTERACTION_CHANNELS.map((c) => `channel.${c}`),
      ...['agent', 'privacy_officer', 'admin'].map((r) => `role.${r}`),
    ];
    for (const c of Object.values(CATALOGUES)) expect(keys.filter((k) => !(k in c))).toEqual([]);
  });
});
