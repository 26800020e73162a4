import { describe, expect, it } from 'vitest';
import { ConfigurationError, readEnvironment } from '../../lambdas/composition/aws';
import { ENV } from '../../lambdas/config';
import { DEFAULT_POLICY, parseRetentionOverrides, RetentionPolicy } from '../../lambdas/core/policy/retention-policy';
import { tableEnvVar } from '../../lambdas/core/policy/tables';
import { parseDomainSettings } from '../../lambdas/settings';

const t0 = new Date('2026-01-01T00:00:00Z');

describe('retention overrides of a deployment', () => {
  it('change the TTL written for that category and what the inventory page says, and nothing else', () => {
    expect(DEFAULT_POLICY.ttlFor('behaviour', t0) - t0.getTime() / 1000).toBe(90 * 86_400);
    const policy = new RetentionPolicy({ retentionDays: { behaviour: 30 } });
    expect(policy.ttlFor('behaviour', t0) - t0.getTime() / 1000).toBe(30 * 86_400);
    expect(policy.ttlFor('interactions', t0) - t0.getTime() / 1000).toBe(365 * 86_400);
    expect(policy.category('behaviour').retention.label).toBe('30 days (configured)');
    const page = policy.publicInventory().categories.find((c) => c.id === 'behaviour');
    expect(page?.retention.days).toBe(30);
    // A value, not module state: the defaults are untouched.
    expect(DEFAULT_POLICY.category('behaviour').retention.seconds).toBe(90 * 86_400);
  });

  it('refuse unknown categories and impossible durations', () => {
    expect(() => new RetentionPolicy({ retentionDays: { hobbies: 10 } as never })).toThrow(/hobbies is not a category/);
    expect(() => new RetentionPolicy({ retentionDays: { receipts: 1 } })).toThrow(/receipts is not a category whose retention can be set/);
    expect(() => new RetentionPolicy({ retentionDays: { behaviour: 0 } })).toThrow(/between 1 and 3650/);
    expect(() => new RetentionPolicy({ retentionDays: { behaviour: 1.5 } })).toThrow(/whole number of days/);
    expect(() => parseRetentionOverrides('[30]')).toThrow(/JSON object/);
    expect(parseRetentionOverrides(' ')).toEqual({});
  });

  it('are read from CRM_RETENTION_DAYS by the Lambda functions, and a bad value is a configuration error', () => {
    const base = { [ENV.kmsKeyId]: 'k', [tableEnvVar('customers')]: 'crm-x-customers' };
    const config = readEnvironment({ ...base, [ENV.retentionDays]: '{"behaviour":30}' });
    expect(config.retentionDays).toEqual({ behaviour: 30 });
    expect(config.domain.app.policy?.category('behaviour').retention.seconds).toBe(30 * 86_400);
    expect(() => readEnvironment({ ...base, [ENV.retentionDays]: '{"behaviour":-1}' })).toThrow(ConfigurationError);
  });
});

describe('one settings schema for both homes', () => {
  it('parses grace, retention and phone region into the policy value createApp takes', () => {
    const parsed = parseDomainSettings({
      CRM_ERASURE_GRACE_DAYS: '7',
      CRM_RETENTION_DAYS: '{"interactions": 100}',
      CRM_DEFAULT_PHONE_REGION: 'GB',
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.app.policy?.erasureGraceSeconds).toBe(7 * 86_400);
    expect(parsed.value.app.policy?.category('interactions').retention.seconds).toBe(100 * 86_400);
    expect(parsed.value.app.defaultPhoneRegion).toBe('GB');
  });

  it('reports every bad setting at once, each naming its variable', () => {
    const parsed = parseDomainSettings({
      CRM_ERASURE_GRACE_DAYS: '2.5',
      CRM_RETENTION_DAYS: '{"receipts": 1}',
      CRM_DEFAULT_PHONE_REGION: 'Britain',
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      expect.stringMatching(/^CRM_ERASURE_GRACE_DAYS must be a whole number/),
      expect.stringMatching(/retention override receipts is not a category/),
      expect.stringMatching(/^CRM_DEFAULT_PHONE_REGION must be an ISO country code/),
    ]);
  });

  it('treats empty values as unset, as a shell export of an empty variable means', () => {
    const parsed = parseDomainSettings({ CRM_ERASURE_GRACE_DAYS: '', CRM_RETENTION_DAYS: ' ' });
    expect(parsed.ok && parsed.value.app.policy?.erasureGraceSeconds).toBe(30 * 86_400);
  });
});
