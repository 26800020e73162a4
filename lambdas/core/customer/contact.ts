/** Contact values: validation, normalisation (so any formatting finds the same customer) and masking. */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import { ValidationError } from '../shared/errors';
// libphonenumber-js's strict (`max`) validation data, without the formats only formatting reads (50 KB less per bundle).
import { PHONE_METADATA } from './phone-metadata';

export type ContactType = 'email' | 'phone';
export interface Contact {
  type: ContactType;
  value: string;
}

// Pragmatic address check: one @, a dotted domain, no spaces. RFC 5322 allows more, users do not.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function normaliseEmail(raw: string): string {
  const value = raw.trim().toLowerCase();
  if (value.length > 254 || !EMAIL.test(value)) {
    throw new ValidationError('The email address is not valid.', [{ field: 'email', message: 'must be a valid email address' }]);
  }
  return value;
}

const parsePhone = (text: string, defaultRegion?: string) =>
  defaultRegion
    ? parsePhoneNumberFromString(text, defaultRegion as CountryCode, PHONE_METADATA)
    : parsePhoneNumberFromString(text, PHONE_METADATA);

export function normalisePhone(raw: string, defaultRegion?: string): string {
  const trimmed = raw.trim().replace(/^00/, '+');
  const parsed = parsePhone(trimmed, defaultRegion);
  if (!parsed?.isValid()) {
    throw new ValidationError('The phone number is not valid.', [
      { field: 'phone', message: 'must be a valid phone number in international format (e.g. +44 20 7946 0958)' },
    ]);
  }
  return parsed.number; // E.164
}

export function normaliseContact(input: { email?: string; phone?: string }, defaultRegion?: string): Contact {
  if (input.email !== undefined && input.phone !== undefined) {
    throw new ValidationError(
      'Give one contact method, not both.',
      [
        { field: 'email', message: 'give either email or phone, not both' },
        { field: 'phone', message: 'give either email or phone, not both' },
      ],
      'invalid_contact',
    );
  }
  if (input.email !== undefined) return { type: 'email', value: normaliseEmail(input.email) };
  if (input.phone !== undefined) return { type: 'phone', value: normalisePhone(input.phone, defaultRegion) };
  throw new ValidationError(
    'One contact method is required.',
    [{ field: 'email', message: 'give either email or phone' }],
    'invalid_contact',
  );
}

const stars = (n: number) => '*'.repeat(Math.max(3, Math.min(n, 3)));

/** "alice@example.com" → "al***@ex***.com": enough to recognise, not enough to contact. */
export function maskEmail(email: string): string {
  const [local, domain] = email.split('@');
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  const shown = (part: string) => `${part.slice(0, Math.min(2, part.length - 1))}${stars(part.length)}`;
  return `${shown(local)}@${shown(host)}${tld}`;
}

/** "+442079460958" → "+44*******58". */
export function maskPhone(e164: string): string {
  const parsed = parsePhone(e164);
  const cc = parsed ? `+${parsed.countryCallingCode}` : e164.slice(0, 3);
  const rest = e164.slice(cc.length);
  return `${cc}${'*'.repeat(Math.max(0, rest.length - 2))}${rest.slice(-2)}`;
}

export function maskContact(c: Contact): string {
  return c.type === 'email' ? maskEmail(c.value) : maskPhone(c.value);
}

/** "Alice Liddell" → "A*** L***". */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .map((w) => `${[...w][0] ?? ''}***`)
    .join(' ');
}
