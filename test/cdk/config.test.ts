import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { POLICY } from '../../lambdas/core/policy/inventory';
import { OVERRIDABLE_RETENTION } from '../../lambdas/core/policy/retention-policy';
import { addCrmStacks } from '../../lib/app';
import { ConfigError, parseConfig } from '../../lib/config';
import { cdkJsonContext } from './support/crm-app';

const problemsOf = (raw: Record<string, unknown>): readonly string[] => {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('deployment configuration', () => {
  it('the defaults in cdk.json make a valid dev deployment in eu-west-1', () => {
    const config = parseConfig(cdkJsonContext());
    expect(config).toMatchObject({
      stage: 'dev',
      region: 'eu-west-1',
      erasureGraceDays: POLICY.erasureGraceSeconds / 86_400,
      retentionDays: {},
    });
    expect(config.alarmEmail).toBeUndefined();
    expect(config.account).toBeUndefined();
  });

  it('accepts values passed as strings with -c key=value', () => {
    const config = parseConfig({
      ...cdkJsonContext(),
      stage: 'prod',
      senderEmail: 'privacy@shop.test',
      createSenderIdentity: 'true',
      erasureGraceDays: '14',
      retentionDays: '{"behaviour": 30}',
      alarmEmail: 'ops@example.com',
      defaultPhoneRegion: 'IE',
    });
    expect(config).toMatchObject({
      stage: 'prod',
      createSenderIdentity: true,
      erasureGraceDays: 14,
      retentionDays: { behaviour: 30 },
      alarmEmail: 'ops@example.com',
      defaultPhoneRegion: 'IE',
    });
  });

  it('refuses a stage that cannot be part of resource names', () => {
    for (const stage of ['Prod', 'x', 'my_stage', '1dev', 'a-very-long-stage-name']) {
      expect(problemsOf({ ...cdkJsonContext(), stage })).toEqual([expect.stringMatching(/^stage: /)]);
    }
  });

  it('refuses a region that is not an AWS region', () => {
    for (const region of ['europe', 'eu-west-9', 'EU-WEST-1']) {
      expect(problemsOf({ ...cdkJsonContext(), region })).toEqual([expect.stringMatching(/^region: .*not an AWS region/)]);
    }
  });

  it('refuses negative, zero or fractional day counts', () => {
    expect(problemsOf({ ...cdkJsonContext(), erasureGraceDays: -1 })).toEqual([
      expect.stringMatching(/^erasureGraceDays: must be between 1 and 365/),
    ]);
    expect(problemsOf({ ...cdkJsonContext(), erasureGraceDays: 2.5 })).toEqual([
      expect.stringMatching(/^erasureGraceDays: must be a whole number/),
    ]);
    expect(problemsOf({ ...cdkJsonContext(), retentionDays: { behaviour: -5 } })).toEqual([
      expect.stringMatching(/^retentionDays\.behaviour: /),
    ]);
    expect(problemsOf({ ...cdkJsonContext(), retentionDays: { behaviour: 0 } })).toEqual([
      expect.stringMatching(/^retentionDays\.behaviour: /),
    ]);
  });

  it('only lets retention be overridden for categories the data inventory names', () => {
    const problems = problemsOf({ ...cdkJsonContext(), retentionDays: { notes: 30 } });
    expect(problems).toEqual([expect.stringContaining('retentionDays.notes: is not a category whose retention can be set')]);
    expect(problemsOf({ ...cdkJsonContext(), retentionDays: { receipts: 1 } })).toEqual([
      expect.stringContaining('retentionDays.receipts: is not a category whose retention can be set'),
    ]);
    expect(problems[0]).toContain(OVERRIDABLE_RETENTION.join(', '));
  });

  it('refuses sender and alarm addresses that are not e-mail addresses', () => {
    expect(problemsOf({ ...cdkJsonContext(), senderEmail: 'no-at-sign.example.com' })).toEqual([expect.stringMatching(/^senderEmail: /)]);
    expect(problemsOf({ ...cdkJsonContext(), senderEmail: undefined })).toEqual([expect.stringMatching(/^senderEmail: is required/)]);
    expect(problemsOf({ ...cdkJsonContext(), alarmEmail: 'ops@localhost' })).toEqual([expect.stringMatching(/^alarmEmail: /)]);
  });

  it('refuses a documentation-only sender domain on any stage but dev, naming senderEmail', () => {
    expect(parseConfig(cdkJsonContext()).senderEmail).toMatch(/@example\.com$/);
    for (const senderEmail of ['privacy@example.com', 'crm@mail.example.org', 'a@EXAMPLE.NET']) {
      const [problem, ...rest] = problemsOf({ ...cdkJsonContext(), stage: 'prod', senderEmail });
      expect(rest).toEqual([]);
      expect(problem).toMatch(/^senderEmail: stage "prod" cannot send from .*example\.(com|org|net).*reserved.*-c senderEmail=/i);
    }
    expect(problemsOf({ ...cdkJsonContext(), stage: 'prod', senderEmail: 'privacy@myexample.com' })).toEqual([]);
    expect(parseConfig({ ...cdkJsonContext(), stage: 'prod', senderEmail: 'privacy@shop.test' })).toMatchObject({
      createSenderIdentity: false,
    });
    expect(problemsOf({ ...cdkJsonContext(), createSenderIdentity: 'yes' })).toEqual([
      expect.stringMatching(/^createSenderIdentity: must be true or false/),
    ]);
  });

  it('refuses a log retention CloudWatch does not offer and a WAF limit below its minimum', () => {
    expect(problemsOf({ ...cdkJsonContext(), logRetentionDays: 31 })).toEqual([expect.stringMatching(/^logRetentionDays: /)]);
    expect(problemsOf({ ...cdkJsonContext(), signInRateLimit: 5 })).toEqual([expect.stringMatching(/^signInRateLimit: /)]);
    expect(problemsOf({ ...cdkJsonContext(), defaultPhoneRegion: 'XX' })).toEqual([expect.stringMatching(/^defaultPhoneRegion: /)]);
  });

  it("takes the stream consumer's parallelisation from 1 to 10 batches per shard, 1 by default", () => {
    expect(parseConfig(cdkJsonContext()).streamParallelization).toBe(1);
    expect(parseConfig({ ...cdkJsonContext(), streamParallelization: '4' }).streamParallelization).toBe(4);
    for (const bad of [0, 11, 2.5, 'many']) {
      expect(problemsOf({ ...cdkJsonContext(), streamParallelization: bad })).toEqual([expect.stringMatching(/^streamParallelization: /)]);
    }
  });

  it('reports every problem at once, naming each key', () => {
    const problems = problemsOf({ stage: 'BAD', region: 'mars-1', erasureGraceDays: -3, senderEmail: 'nope', alarmEmail: 'nope' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['stage', 'region', 'erasureGraceDays', 'senderEmail', 'alarmEmail']);
  });

  it('fails synth with a clear message before any stack is built', () => {
    const app = new App({ context: { ...cdkJsonContext(), region: 'nowhere-1' } });
    expect(() => addCrmStacks(app, { env: {} })).toThrow(/Invalid deployment configuration[\s\S]*region: is not an AWS region/);
    expect(app.node.children).toHaveLength(0);
  });

  it('uses the account the CDK CLI found, and stays account-agnostic without one', () => {
    expect(parseConfig(cdkJsonContext(), '123456789012').account).toBe('123456789012');
    expect(parseConfig(cdkJsonContext(), '').account).toBeUndefined();
  });
});
