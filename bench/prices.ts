/**
 * The cost model: list prices, and the arithmetic that turns counted usage into dollars.
 *
 * Prices are the public on-demand list prices for eu-west-1 (Ireland) as published on the AWS pricing
 * pages in 2025-06 (DynamoDB after its November 2024 on-demand price cut). They were not re-checked
 * when this was written (2026-11-30, no internet here): check them before quoting a figure. First
 * tiers only; no free tier, no Savings Plans.
 */
export const PRICES = {
  region: 'eu-west-1',
  asOf: '2025-06',
  /** API Gateway REST API, per million requests (first 333 million a month). */
  apiGatewayRestPerMillion: 3.5,
  /** AWS WAF: per million requests inspected; per web ACL and per rule, a month. */
  wafPerMillionRequests: 0.6,
  wafWebAclPerMonth: 5,
  wafRulePerMonth: 1,
  /** Lambda on Arm (Graviton): per GB-second, and per million requests. */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** DynamoDB on-demand, Standard table class: per million write and read request units. */
  dynamoPerMillionWriteUnits: 0.7063,
  dynamoPerMillionReadUnits: 0.1413,
  /** KMS: per 10,000 requests (symmetric and HMAC keys alike). */
  kmsPer10kRequests: 0.03,
  /** CloudWatch Logs, Standard class: per GB ingested. */
  logsPerGbIngested: 0.57,
  /** X-Ray: per million traces recorded. */
  xrayPerMillionTraces: 5,
  /** SES: per 1,000 emails sent. */
  sesPer1000Emails: 0.1,
  /** EventBridge Scheduler: per million invocations. */
  schedulerPerMillionInvocations: 1,
} as const;

export type Prices = { readonly [K in keyof typeof PRICES]: (typeof PRICES)[K] extends string ? string : number };

/** Lambda gives a function one vCPU at 1,769 MB and CPU in proportion below that. */
export const LAMBDA_MB_PER_VCPU = 1769;

/** What a workload used, counted by the simulator. */
export interface Usage {
  /** Requests through API Gateway and WAF. */
  apiRequests: number;
  /** Invocations of every function (the API's, plus the erasure function's). */
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  readUnits: number;
  /** Table and index write units. */
  writeUnits: number;
  kmsRequests: number;
  logBytes: number;
  xrayTraces: number;
  emails: number;
  schedulerInvocations: number;
}

export interface CostLine {
  item: string;
  usd: number;
  /** One of the services issue 12 names for its cost target (REST API, WAF, Lambda, DynamoDB, KMS, Logs). */
  listed: boolean;
}

/**
 * Billed milliseconds of one invocation that used `cpuMs` of a full core: at `memoryMb` the function has
 * memoryMb / 1769 of a vCPU, so the same work takes that much longer; Lambda bills whole milliseconds.
 * `floorMs`: time the invocation waits out on purpose (the sign-in padding), billed all the same.
 */
export function billedMs(cpuMs: number, memoryMb: number, floorMs = 0): number {
  return Math.max(1, Math.ceil(Math.max((cpuMs * LAMBDA_MB_PER_VCPU) / memoryMb, floorMs)));
}

export function gbSeconds(billed: number, memoryMb: number): number {
  return (billed / 1000) * (memoryMb / 1024);
}

const SECONDS_PER_MONTH = 30 * 86_400;

/**
 * The cost of `usage`, line by line. The WAF's monthly fees (one web ACL, `wafRules` rules) are spread
 * over the requests a month at `requestsPerSecond`.
 */
export function costLines(usage: Usage, opts: { requestsPerSecond: number; wafRules: number }, prices: Prices = PRICES): CostLine[] {
  const perMonth = opts.requestsPerSecond * SECONDS_PER_MONTH;
  const wafFixed = prices.wafWebAclPerMonth + opts.wafRules * prices.wafRulePerMonth;
  return [
    { item: 'API Gateway REST', usd: (usage.apiRequests / 1e6) * prices.apiGatewayRestPerMillion, listed: true },
    { item: 'WAF requests', usd: (usage.apiRequests / 1e6) * prices.wafPerMillionRequests, listed: true },
    { item: 'WAF web ACL and rules (monthly, spread)', usd: (usage.apiRequests / perMonth) * wafFixed, listed: true },
    { item: 'Lambda requests', usd: (usage.lambdaInvocations / 1e6) * prices.lambdaPerMillionRequests, listed: true },
    { item: 'Lambda duration (Arm)', usd: usage.lambdaGbSeconds * prices.lambdaArmPerGbSecond, listed: true },
    { item: 'DynamoDB writes', usd: (usage.writeUnits / 1e6) * prices.dynamoPerMillionWriteUnits, listed: true },
    { item: 'DynamoDB reads', usd: (usage.readUnits / 1e6) * prices.dynamoPerMillionReadUnits, listed: true },
    { item: 'KMS requests', usd: (usage.kmsRequests / 1e4) * prices.kmsPer10kRequests, listed: true },
    { item: 'CloudWatch Logs ingestion', usd: (usage.logBytes / 2 ** 30) * prices.logsPerGbIngested, listed: true },
    { item: 'X-Ray traces', usd: (usage.xrayTraces / 1e6) * prices.xrayPerMillionTraces, listed: false },
    { item: 'SES emails', usd: (usage.emails / 1000) * prices.sesPer1000Emails, listed: false },
    { item: 'EventBridge Scheduler', usd: (usage.schedulerInvocations / 1e6) * prices.schedulerPerMillionInvocations, listed: false },
  ];
}

/** The same lines per million API requests. */
export function perMillionRequests(lines: CostLine[], apiRequests: number): CostLine[] {
  return lines.map((l) => ({ ...l, usd: (l.usd / apiRequests) * 1e6 }));
}

export const total = (lines: CostLine[]): number => lines.reduce((sum, l) => sum + l.usd, 0);
export const totalListed = (lines: CostLine[]): number => total(lines.filter((l) => l.listed));

/**
 * X-Ray's default sampling rule: the first request each second, then 5% of the rest. The share of
 * requests traced at a steady `requestsPerSecond`.
 */
export function tracedShare(requestsPerSecond: number): number {
  if (requestsPerSecond <= 0) return 0;
  return Math.min(1, (1 + 0.05 * Math.max(0, requestsPerSecond - 1)) / requestsPerSecond);
}
