/** The cost arithmetic of the simulator, with hand-worked numbers. */
import { describe, expect, it } from 'vitest';
import {
  billedMs,
  costLines,
  gbSeconds,
  perMillionRequests,
  PRICES,
  total,
  totalListed,
  tracedShare,
  type Usage,
} from '../../bench/prices';

const usage: Usage = {
  apiRequests: 2_000_000,
  lambdaInvocations: 2_000_010,
  lambdaGbSeconds: 50_000,
  readUnits: 6_000_000,
  writeUnits: 3_000_000,
  kmsRequests: 20_000,
  logBytes: 3 * 2 ** 30,
  xrayTraces: 100_000,
  emails: 10_000,
  schedulerInvocations: 10,
};

describe('billed Lambda time', () => {
  it('scales CPU time to the share of a vCPU the memory buys, rounds up to whole milliseconds, and never bills under 1 ms', () => {
    // 1769 MB is one vCPU: 10 ms of CPU is 10 ms.
    expect(billedMs(10, 1769)).toBe(10);
    // 1024 MB is 1024/1769 of a vCPU: 10 ms × 1769 / 1024 = 17.275… → 18.
    expect(billedMs(10, 1024)).toBe(18);
    expect(billedMs(0.01, 1024)).toBe(1);
    // The sign-in padding: 1000 ms waited out is billed even when the CPU did 2 ms of work.
    expect(billedMs(2, 1024, 1000)).toBe(1000);
  });

  it('counts GB-seconds from billed milliseconds and memory', () => {
    expect(gbSeconds(1000, 1024)).toBe(1);
    expect(gbSeconds(18, 512)).toBe(0.009);
  });
});

describe('cost lines', () => {
  const lines = costLines(usage, { requestsPerSecond: 1000, wafRules: 2 });
  const of = (item: string) => lines.find((l) => l.item === item)!.usd;

  it('prices each counted unit at the list price', () => {
    expect(of('API Gateway REST')).toBeCloseTo(7, 10); // 2 M × 3.50
    expect(of('WAF requests')).toBeCloseTo(1.2, 10); // 2 M × 0.60
    // (5 + 2 × 1) USD a month over 1000/s × 2,592,000 s = 2.592e9 requests; 2 M of them: 7 × 2e6 / 2.592e9.
    expect(of('WAF web ACL and rules (monthly, spread)')).toBeCloseTo(0.005401234567901, 12);
    expect(of('Lambda requests')).toBeCloseTo(0.400002, 10); // 2.00001 M × 0.20
    expect(of('Lambda duration (Arm)')).toBeCloseTo(0.66667, 10); // 50,000 × 0.0000133334
    expect(of('DynamoDB writes')).toBeCloseTo(2.1189, 10); // 3 M × 0.7063
    expect(of('DynamoDB reads')).toBeCloseTo(0.8478, 10); // 6 M × 0.1413
    expect(of('KMS requests')).toBeCloseTo(0.06, 10); // 2 × 0.03
    expect(of('CloudWatch Logs ingestion')).toBeCloseTo(1.71, 10); // 3 GB × 0.57
    expect(of('X-Ray traces')).toBeCloseTo(0.5, 10); // 0.1 M × 5
    expect(of('SES emails')).toBeCloseTo(1, 10); // 10 × 0.10
    expect(of('EventBridge Scheduler')).toBeCloseTo(0.00001, 12);
  });

  it("sums the issue's services apart from the rest, and per million requests halves these two million", () => {
    const listed = 7 + 1.2 + 0.005401234567901 + 0.400002 + 0.66667 + 2.1189 + 0.8478 + 0.06 + 1.71;
    expect(totalListed(lines)).toBeCloseTo(listed, 9);
    expect(total(lines)).toBeCloseTo(listed + 0.5 + 1 + 0.00001, 9);
    expect(totalListed(perMillionRequests(lines, usage.apiRequests))).toBeCloseTo(listed / 2, 9);
    expect(lines.filter((l) => !l.listed).map((l) => l.item)).toEqual(['X-Ray traces', 'SES emails', 'EventBridge Scheduler']);
  });

  it('states its region and date', () => {
    expect(PRICES.region).toBe('eu-west-1');
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}$/);
  });
});

describe('X-Ray sampling', () => {
  it('traces the first request each second and 5% of the rest', () => {
    // (1 + 0.05 × 999) / 1000 = 0.05095.
    expect(tracedShare(1000)).toBeCloseTo(0.05095, 12);
    expect(tracedShare(1)).toBe(1);
    expect(tracedShare(0)).toBe(0);
  });
});
