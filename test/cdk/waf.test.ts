/**
 * The WAF web ACL and the stage throttling: defaults sized for a real business, a per-IP rate rule on
 * /v1/*, and the AWS managed rule groups with exclusions only where a rule would block a valid request.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PURCHASE_LIMITS } from '../../lambdas/core/categories/purchases';
import { MAX_BODY_BYTES } from '../../lambdas/http/middleware';
import { CreatePurchaseBody } from '../../lambdas/http/schemas-categories';
import { API_PATH_PATTERN, COMMON_RULE_EXCLUSIONS } from '../../lib/constructs/api-firewall';
import { type ConfigError, parseConfig } from '../../lib/config';
import { cdkJsonContext, resourcesOf, synthCrm, type SynthesizedCrm } from './support/crm-app';

let crm: SynthesizedCrm;
let t: Template;
let rules: Record<string, any>[];
beforeAll(() => {
  crm = synthCrm();
  t = crm.statelessTemplate;
  const [[, acl]] = resourcesOf(t, 'AWS::WAFv2::WebACL');
  rules = acl.Properties?.Rules;
}, 60_000);
afterAll(() => crm.cleanup());

/** The rule named `name`. */
const rule = (name: string) => rules.find((r) => r.Name === name)!;

describe('stage throttling', () => {
  it('defaults to 1,000 requests per second with a burst of 2,000', () => {
    expect(crm.config).toMatchObject({ apiRateLimit: 1_000, apiBurstLimit: 2_000 });
    const [[, stage]] = resourcesOf(t, 'AWS::ApiGateway::Stage');
    expect(stage.Properties?.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 1_000, ThrottlingBurstLimit: 2_000 });
  });

  it('is configurable, and refuses a burst below the rate or a rate above the account quota', () => {
    expect(parseConfig({ ...cdkJsonContext(), apiRateLimit: '200', apiBurstLimit: '400' })).toMatchObject({
      apiRateLimit: 200,
      apiBurstLimit: 400,
    });
    const problems = (raw: Record<string, unknown>) => {
      try {
        parseConfig({ ...cdkJsonContext(), ...raw });
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    expect(problems({ apiRateLimit: 500, apiBurstLimit: 100 })).toEqual([
      expect.stringMatching(/^apiBurstLimit: must be at least apiRateLimit \(500\)/),
    ]);
    expect(problems({ apiRateLimit: 20_000 })).toEqual([expect.stringMatching(/^apiRateLimit: must be between 1 and 10000/)]);
    expect(problems({ apiRateLimitPerIp: 5 })).toEqual([expect.stringMatching(/^apiRateLimitPerIp: /)]);
  });
});

describe('WAF', () => {
  it('rate-limits every /v1/* route per client IP, with its own 429 problem', () => {
    const r = rule('api-rate-per-ip');
    expect(r.Action.Block.CustomResponse).toEqual({ ResponseCode: 429, CustomResponseBodyKey: 'apiRateLimited' });
    const rate = r.Statement.RateBasedStatement;
    expect(rate).toMatchObject({ AggregateKeyType: 'IP', Limit: crm.config.apiRateLimitPerIp, EvaluationWindowSec: 300 });
    expect(rate.ScopeDownStatement.RegexMatchStatement.RegexString).toBe(API_PATH_PATTERN);
    const pattern = new RegExp(API_PATH_PATTERN);
    for (const path of ['/dev/v1/customers', '/prod/v1/me', '/v1/portal/login', '/dev/v1/erasure-receipts/x'])
      expect(path).toMatch(pattern);
    for (const path of ['/dev/portal', '/dev/portal/app.js', '/dev/health', '/dev/v2/x']) expect(path).not.toMatch(pattern);
  });

  it('runs the AWS managed Common and KnownBadInputs rule groups after our own rules', () => {
    const managed = rules.filter((r) => r.Statement.ManagedRuleGroupStatement);
    expect(managed.map((r) => [r.Statement.ManagedRuleGroupStatement.VendorName, r.Statement.ManagedRuleGroupStatement.Name])).toEqual([
      ['AWS', 'AWSManagedRulesCommonRuleSet'],
      ['AWS', 'AWSManagedRulesKnownBadInputsRuleSet'],
    ]);
    for (const r of managed) expect(r.OverrideAction).toEqual({ None: {} });
    const own = Math.max(...rules.filter((r) => !r.Statement.ManagedRuleGroupStatement).map((r) => r.Priority));
    expect(Math.min(...managed.map((r) => r.Priority))).toBeGreaterThan(own);
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
    expect(rule('AWSManagedRulesKnownBadInputsRuleSet').Statement.ManagedRuleGroupStatement.RuleActionOverrides).toBeUndefined();
  });

  it('counts instead of blocking only the Common rules that hit valid requests, all of them on the body', () => {
    const overrides = rule('AWSManagedRulesCommonRuleSet').Statement.ManagedRuleGroupStatement.RuleActionOverrides;
    expect(overrides).toEqual(COMMON_RULE_EXCLUSIONS.map((name) => ({ Name: name, ActionToUse: { Count: {} } })));
    for (const name of COMMON_RULE_EXCLUSIONS) expect(name).toMatch(/_BODY$/);
  });

  it('SizeRestrictions_BODY (8 KB) would refuse a valid purchase: the largest one the API accepts is bigger', () => {
    const largest = CreatePurchaseBody.parse({
      currency: 'EUR',
      items: Array.from({ length: PURCHASE_LIMITS.maxItems }, (_, i) => ({
        sku: `SKU-${String(i).padStart(3, '0')}-`.padEnd(64, 'X'),
        quantity: PURCHASE_LIMITS.maxQuantity,
        unitPriceMinor: PURCHASE_LIMITS.maxUnitPriceMinor,
      })),
      occurredAt: '2026-01-31T09:00:00.000Z',
    });
    const bytes = Buffer.byteLength(JSON.stringify(largest));
    expect(bytes).toBeGreaterThan(8 * 1024);
    expect(bytes).toBeLessThanOrEqual(MAX_BODY_BYTES);
    // Our own size rule still blocks what the API would refuse.
    expect(rule('body-size-limit').Statement.SizeConstraintStatement.Size).toBe(MAX_BODY_BYTES);
  });
});
