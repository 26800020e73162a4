/**
 * Operability in the template: alarms on Lambda throttles, the API's 5xx rate and p99 latency and
 * DynamoDB throttling (SES rates: stateless.test.ts), one dashboard with these and the business events,
 * and termination protection on every stage but dev.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSINESS_EVENTS } from '../../lambdas/core/shared/metrics';
import { AWS_TABLES } from '../../lambdas/core/policy/tables';
import { ALARM_LEVELS } from '../../lib/monitoring';
import { resourcesOf, synthCrm, type SynthesizedCrm } from './support/crm-app';

let crm: SynthesizedCrm;
let t: Template;
beforeAll(() => {
  crm = synthCrm();
  t = crm.statelessTemplate;
}, 60_000);
afterAll(() => crm.cleanup());

const alarms = () => resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Record<string, any>);
/** Alarms over a metric math expression, with the metrics they read. */
const mathAlarms = () =>
  alarms()
    .filter((a) => a.Metrics)
    .map((a) => ({
      alarm: a,
      expression: a.Metrics.find((m: any) => m.Expression)?.Expression as string,
      metrics: a.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric),
    }));
const fnIds = () => Object.values(crm.stateless.functions).map((f) => crm.stateless.getLogicalId(f.fn.node.defaultChild as never));

describe('alarms', () => {
  it("on the API's 5xx rate (a math expression over errors and requests), not a fixed count", () => {
    const rate = mathAlarms().find((m) => m.metrics.some((x: any) => x.MetricName === '5XXError'));
    expect(rate).toBeDefined();
    expect(rate!.metrics.map((x: any) => x.MetricName).sort()).toEqual(['5XXError', 'Count']);
    expect(rate!.expression).toBe(`IF(requests >= ${ALARM_LEVELS.api5xxMinRequests}, 100 * errors / requests, 0)`);
    expect(rate!.alarm).toMatchObject({ Threshold: ALARM_LEVELS.api5xxPercent, ComparisonOperator: 'GreaterThanThreshold' });
    expect(alarms().filter((a) => a.MetricName === '5XXError')).toEqual([]);
  });

  it("on the API's p99 latency, three periods in a row", () => {
    const latency = alarms().filter((a) => a.MetricName === 'Latency' && a.Namespace === 'AWS/ApiGateway');
    expect(latency).toHaveLength(1);
    expect(latency[0]).toMatchObject({ ExtendedStatistic: 'p99', Threshold: ALARM_LEVELS.apiP99Ms, EvaluationPeriods: 3, Period: 300 });
  });

  it('on a throttle of any function', () => {
    const throttles = mathAlarms().filter((m) => m.metrics.every((x: any) => x.MetricName === 'Throttles') && m.metrics.length > 0);
    expect(throttles).toHaveLength(1);
    const names = throttles[0].metrics.map((x: any) => x.Dimensions[0].Value.Ref).sort();
    expect(names).toEqual(fnIds().sort());
    expect(throttles[0].alarm.Threshold).toBe(0);
  });

  it('on read and on write throttling of any table of this deployment', () => {
    for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      const found = mathAlarms().filter((m) => m.metrics.length > 0 && m.metrics.every((x: any) => x.MetricName === metric));
      expect(found, metric).toHaveLength(1);
      const tables = found[0].metrics.map((x: any) => x.Dimensions[0].Value).sort();
      expect(tables).toEqual(
        AWS_TABLES.filter((s) => s.name !== 'key-store')
          .map((s) => `crm-dev-${s.name}`)
          .sort(),
      );
      expect(found[0].expression).toMatch(/^SUM\(\[/);
    }
  });
});

describe('the dashboard', () => {
  it('is one, and shows the API, functions, tables, e-mail, business events and every alarm', () => {
    const dashboards = resourcesOf(t, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0][1].Properties?.DashboardBody);
    for (const metric of [
      '5XXError',
      'Latency',
      'Throttles',
      'Errors',
      'Duration',
      'ReadThrottleEvents',
      'WriteThrottleEvents',
      'Bounce',
      'Complaint',
    ]) {
      expect(body, metric).toContain(metric);
    }
    for (const event of BUSINESS_EVENTS) expect(body, event).toContain(`\\"${event}\\"`);
    expect(body).toContain('PrivacyCrm');
    const alarmIds = resourcesOf(t, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    for (const id of alarmIds) expect(body, id).toContain(id);
  });
});

describe('termination protection', () => {
  it('is off for dev and on for both stacks of any other stage', () => {
    expect(crm.stateful.terminationProtection).toBe(false);
    expect(crm.stateless.terminationProtection).toBe(false);
    const prod = synthCrm({ context: { stage: 'prod', senderEmail: 'privacy@shop.test' } });
    try {
      expect(prod.stateful.terminationProtection).toBe(true);
      expect(prod.stateless.terminationProtection).toBe(true);
    } finally {
      prod.cleanup();
    }
  }, 60_000);
});
