/**
 * lambdas/core/customer/phone-metadata.generated.ts is libphonenumber-js's `max` metadata without the number
 * formats (a third of it, about 50 KB of every Lambda bundle): parsing and validation never read them, only
 * formatting and as-you-type do, which the CRM does not use. It holds the JSON packed (Brotli, base64:
 * lambdas/core/shared/packed-text.ts). The first test writes the module
 * (`npx vitest run test/customer/phone-metadata.test.ts --update`) and fails while it is stale, after an upgrade
 * of libphonenumber-js say; the others check that parsing answers as with `libphonenumber-js/max`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import examples from 'libphonenumber-js/examples.mobile.json';
import { getCountries, parsePhoneNumberFromString as parseMax, type CountryCode, type MetadataJson } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString as parseCore } from 'libphonenumber-js/core';
import { describe, expect, it } from 'vitest';
import { PHONE_METADATA } from '../../lambdas/core/customer/phone-metadata';
import { PHONE_METADATA_PACKED } from '../../lambdas/core/customer/phone-metadata.generated';
import { packText, unpackText } from '../../lambdas/core/shared/packed-text';

const require = createRequire(import.meta.url);
const GENERATED = 'lambdas/core/customer/phone-metadata.generated.ts';
const FORMATS = 4; // index of the formats in a numbering plan of metadata version 4

function withoutFormats(max: MetadataJson): MetadataJson {
  const strip = (plan: unknown[]) => plan.map((field, i) => (i === FORMATS ? 0 : field));
  const plans = (o: Record<string, unknown[] | undefined>) => Object.fromEntries(Object.entries(o).map(([k, plan]) => [k, strip(plan!)]));
  return { ...max, countries: plans(max.countries), nonGeographic: plans(max.nonGeographic) };
}

/** Everything contact.ts reads from a parse, and what validation is made of. */
function answer(parsed: ReturnType<typeof parseMax>) {
  if (!parsed) return undefined;
  const { number, country, countryCallingCode, nationalNumber } = parsed;
  const checks = { valid: parsed.isValid(), possible: parsed.isPossible(), type: parsed.getType() };
  return { number, country, countryCallingCode, nationalNumber, ...checks };
}

const viaMax = (text: string, region?: CountryCode) => answer(region ? parseMax(text, region) : parseMax(text));
const viaGenerated = (text: string, region?: CountryCode) =>
  answer(region ? parseCore(text, region, PHONE_METADATA) : parseCore(text, PHONE_METADATA));

describe('the phone metadata the Lambda code parses with', () => {
  it("is libphonenumber-js's max metadata without the formats, for the installed version", async () => {
    const { version } = require('libphonenumber-js/package.json') as { version: string };
    const max = require('libphonenumber-js/metadata.max.json') as MetadataJson;
    // The packing in the module stays as it is while it unpacks to the same JSON (packText).
    const previous = existsSync(GENERATED) ? /PHONE_METADATA_PACKED =\s*'([^']*)'/.exec(readFileSync(GENERATED, 'utf8'))?.[1] : undefined;
    const module = [
      `// Generated from libphonenumber-js ${version} metadata.max.json without the number formats (only formatting reads them),`,
      '// as JSON packed by lambdas/core/shared/packed-text.ts (Brotli, base64); lambdas/core/customer/phone-metadata.ts unpacks it.',
      '// Do not edit: run `npx vitest run test/customer/phone-metadata.test.ts --update`.',
      '',
      `export const PHONE_METADATA_PACKED =\n  '${packText(JSON.stringify(withoutFormats(max)), previous)}';`,
      '',
    ].join('\n');
    await expect(module).toMatchFileSnapshot(`../../${GENERATED}`);
  });

  it('unpacks to exactly that metadata, a third of its size packed', () => {
    const max = require('libphonenumber-js/metadata.max.json') as MetadataJson;
    expect(PHONE_METADATA).toEqual(withoutFormats(max));
    expect(unpackText(PHONE_METADATA_PACKED)).toBe(JSON.stringify(PHONE_METADATA));
    expect(PHONE_METADATA_PACKED.length).toBeLessThan(JSON.stringify(PHONE_METADATA).length / 2.5);
  });

  const countries = getCountries();
  const mobile = examples as Partial<Record<CountryCode, string>>;
  // Each country's example mobile number, as given and altered (last digit, one digit less, one more), both
  // in international form and in national form with the country as the default region.
  const cases = countries.flatMap((country) => {
    const national = mobile[country];
    if (!national) return [];
    const cc = parseMax(national, country)?.countryCallingCode ?? '';
    const last = Number(national.at(-1));
    const variants = [national, `${national.slice(0, -1)}${(last + 1) % 10}`, national.slice(0, -1), `${national}0`];
    return variants.flatMap((n) => [{ text: `+${cc}${n}` }, { text: n, region: country }, { text: `0${n}`, region: country }]);
  });

  it("parses and validates every country's numbers exactly as libphonenumber-js/max does", () => {
    expect(cases.length).toBeGreaterThan(2000);
    const same = ({ text, region }: { text: string; region?: CountryCode }) =>
      JSON.stringify(viaGenerated(text, region)) === JSON.stringify(viaMax(text, region));
    const differing = cases.filter((c) => !same(c));
    expect(differing).toEqual([]);
    // Not a vacuous comparison: most examples are valid, many variants are not.
    const valid = cases.filter(({ text, region }) => viaMax(text, region)?.valid).length;
    expect(valid).toBeGreaterThan(cases.length / 4);
    expect(valid).toBeLessThan(cases.length * 0.9);
  });

  it('answers random digit strings after every calling code as max does', () => {
    let seed = 12345;
    const digit = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return String(seed % 10);
    };
    const codes = Object.keys(PHONE_METADATA.country_calling_codes);
    const texts = codes.flatMap((cc) => [5, 7, 8, 9, 10, 11, 12].map((n) => `+${cc}${Array.from({ length: n }, digit).join('')}`));
    expect(texts.filter((t) => JSON.stringify(viaGenerated(t)) !== JSON.stringify(viaMax(t)))).toEqual([]);
  });
});
