/**
 * What free text (names, summaries, purposes, reasons) may contain. Refused: characters that make a
 * stored value look different from what it is, in a staff screen, a log line or a notice — control
 * characters (C0, DEL, C1), bidi overrides and isolates (Trojan-Source style reordering), zero-width
 * characters (invisible look-alikes) and unpaired surrogates (not Unicode at all). Line breaks only
 * where a field is multi-line (an interaction summary).
 */
import * as z from 'zod';

interface Rule {
  pattern: RegExp;
  message: string;
}

// Code-unit regexes (no `u` flag), so a lone surrogate is seen as one.
const LINE_BREAKS: Rule = { pattern: /[\n\r\u2028\u2029]/, message: 'must be a single line' };
const RULES: readonly Rule[] = [
  { pattern: /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]/, message: 'must not contain control characters' },
  { pattern: /[\u202A-\u202E\u2066-\u2069]/, message: 'must not contain bidirectional override or isolate characters' },
  { pattern: /[\u200B-\u200D\u2060\uFEFF]/, message: 'must not contain zero-width characters' },
  {
    pattern: /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    message: 'must be valid Unicode (no unpaired surrogates)',
  },
];

/** The first rule `value` breaks, as a field message; undefined when it is fine. */
export function textProblem(value: string, opts: { multiline?: boolean } = {}): string | undefined {
  const rules = opts.multiline ? RULES : [LINE_BREAKS, ...RULES];
  return rules.find((r) => r.pattern.test(value))?.message;
}

/** A string schema of at most `max` characters that obeys the text policy. */
export function safeText(max: number, opts: { multiline?: boolean } = {}): z.ZodString {
  return z
    .string()
    .max(max)
    .check((ctx) => {
      const message = textProblem(ctx.value, opts);
      if (message) ctx.issues.push({ code: 'custom', message, input: ctx.value });
    });
}
