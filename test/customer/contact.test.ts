import { describe, expect, it } from 'vitest';
import { maskEmail, maskName, maskPhone, normaliseContact, normaliseEmail, normalisePhone } from '../../lambdas/core/customer/contact';
import { ValidationError } from '../../lambdas/core/shared/errors';

describe('contact normalisation', () => {
  it('trims and lower-cases email addresses', () => {
    expect(normaliseEmail('  Alice.Liddell@Example.COM ')).toBe('alice.liddell@example.com');
  });

  it.each(['plainaddress', 'a@b', 'a b@example.com', '@example.com', `${'a'.repeat(250)}@example.com`])('refuses the email %s', (e) => {
    expect(() => normaliseEmail(e)).toThrow(ValidationError);
  });

  it.each(['+44 20 7946 0958', '+442079460958', '0044 20 7946 0958', '+44 (0)20 7946 0958', '+44-20-7946-0958'])(
    'turns %s into the same E.164 number',
    (p) => expect(normalisePhone(p)).toBe('+442079460958'),
  );

  it('uses the configured default region for national numbers', () => {
    expect(normalisePhone('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(() => normalisePhone('(415) 555-2671')).toThrow(ValidationError);
  });

  it('requires exactly one contact method', () => {
    expect(() => normaliseContact({})).toThrow(ValidationError);
    expect(() => normaliseContact({ email: 'a@example.com', phone: '+14155552671' })).toThrow(ValidationError);
    expect(normaliseContact({ phone: '+1 415 555 2671' })).toEqual({ type: 'phone', value: '+14155552671' });
  });

  it('never echoes the rejected value in the error', () => {
    try {
      normaliseEmail('secret-person@@example.com');
    } catch (e) {
      expect(JSON.stringify(e) + (e as Error).message).not.toContain('secret-person');
    }
  });
});

describe('masking', () => {
  it('keeps enough to recognise and too little to contact', () => {
    expect(maskEmail('alice@example.com')).toBe('al***@ex***.com');
    expect(maskEmail('a@b.io')).toBe('***@***.io');
    expect(maskPhone('+442079460958')).toBe('+44********58');
    expect(maskName('Ada  King Lovelace')).toBe('A*** K*** L***');
  });
});
