import { describe, expect, it } from 'vitest';
import { consentState, consentStatus, mayContact, recordConsent } from '../../lambdas/core/customer/consent';

const t0 = new Date('2026-01-01T00:00:00Z');
const days = (n: number) => new Date(t0.getTime() + n * 86_400_000);

describe('consent over time', () => {
  it('is never until given, active once given, and withdrawn after withdrawal', () => {
    expect(consentStatus([], 'analytics', t0).status).toBe('never');
    let h = recordConsent([], { analytics: true }, 'portal', t0);
    expect(consentStatus(h, 'analytics', days(1)).status).toBe('active');
    h = recordConsent(h, { analytics: false }, 'portal', days(2));
    expect(consentStatus(h, 'analytics', days(3))).toMatchObject({ status: 'withdrawn', withdrawnAt: days(2).toISOString() });
  });

  it('communications consent expires 365 days after it was given, and a reconfirmation renews it', () => {
    let h = recordConsent([], { communications: true }, 'phone call', t0);
    expect(consentStatus(h, 'communications', days(364)).status).toBe('active');
    expect(consentStatus(h, 'communications', days(365))).toMatchObject({ status: 'expired', expiresAt: days(365).toISOString() });
    expect(mayContact(h, days(365))).toBe(false);
    h = recordConsent(h, { communications: true }, 'portal', days(400));
    expect(consentStatus(h, 'communications', days(401)).status).toBe('active');
    expect(mayContact(h, days(401))).toBe(true);
  });

  it('keeps an append-only history and does not repeat unchanged withdrawals', () => {
    let h = recordConsent([], { communications: false }, 'portal', t0);
    expect(h).toHaveLength(0);
    h = recordConsent(h, { communications: true, analytics: true }, 'web form', t0);
    h = recordConsent(h, { analytics: false }, 'portal', days(1));
    h = recordConsent(h, { analytics: false }, 'portal', days(2));
    expect(h.map((e) => [e.purpose, e.granted])).toEqual([
      ['communications', true],
      ['analytics', true],
      ['analytics', false],
    ]);
    expect(consentState(h, days(3))).toMatchObject({ communications: { status: 'active' }, analytics: { status: 'withdrawn' } });
  });
});
