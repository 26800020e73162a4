import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, readEnvironment } from '../../lambdas/composition/aws';
import { ENV } from '../../lambdas/config';
import { category, configureRetention, parseRetentionOverrides, publicInventory, ttlFor } from '../../lambdas/core/policy/inventory';
import { tableEnvVar } from '../../lambdas/core/policy/tables';

afterEach(() => configureRetention({}));

const t0 = new Date('2026-01-01T00:00:00Z');

describe('retention overrides of a deployment', () => {
  it('change the TTL written for that category and what the inventory page says, and nothing else', () => {
    expect(ttlFor('behaviour', t0) - t0.getTime() / 1000).toBe(90 * 86_400);
    configureRetention({ behaviour: 30 });
    expect(ttlFor('behaviour', t0) - t0.getTime() / 1000).toBe(30 * 86_400);
    expect(ttlFor('interactions', t0) - t0.getTime() / 1000).toBe(365 * 86_400);
    expect(category('behaviour').retention.label).toBe('30 days (configured)');
    const page = publicInventory().categories.find((c) => c.id === 'behaviour');
    expect(page?.retention.days).toBe(30);
  });

  it('refuse unknown categories and impossible durations', () => {
    expect(() => configureRetention({ hobbies: 10 } as never)).toThrow(/hobbies is not a category/);
    expect(() => configureRetention({ receipts: 1 })).toThrow(/receipts is not a category whose retention can be set/);
    expect(() => configureRetention({ behaviour: 0 })).toThrow(/between 1 and 3650/);
    expect(() => configureRetention({ behaviour: 1.5 })).toThrow(/whole number of days/);
    expect(() => parseRetentionOverrides('[30]')).toThrow(/JSON object/);
    expect(parseRetentionOverrides(' ')).toEqual({});
  });

  it('are read from CRM_RETENTION_DAYS by the Lambda functions, and a bad value is a configuration error', () => {
    const base = { [ENV.kmsKeyId]: 'k', [tableEnvVar('customers')]: 'crm-x-customers' };
    expect(readEnvironment({ ...base, [ENV.retentionDays]: '{"behaviour":30}' }).retentionDays).toEqual({ behaviour: 30 });
    expect(() => readEnvironment({ ...base, [ENV.retentionDays]: '{"behaviour":-1}' })).toThrow(ConfigurationError);
    // Reading the environment does not change anything by itself; building the runtime does.
    expect(category('behaviour').retention.seconds).toBe(90 * 86_400);
  });
});
