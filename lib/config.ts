/**
 * Deployment configuration: read once from CDK context (cdk.json, or `-c key=value`), validated at
 * synth so a typo fails before anything reaches CloudFormation. Every problem is reported at once.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { Construct } from 'constructs';
import { isSupportedCountry } from 'libphonenumber-js';
import { POLICY, type CategoryId } from '../lambdas/core/policy/inventory';
import { retentionOverrideProblems } from '../lambdas/core/policy/retention-policy';

export interface CrmConfig {
  /** Deployment name, part of every physical name (`crm-<stage>-...`). */
  stage: string;
  region: string;
  /** Left unresolved when no account is known (offline synth); `cdk deploy` fills it in. */
  account?: string;
  /** Days between an erasure request and the erasure itself. */
  erasureGraceDays: number;
  /** Per-category retention overrides in days; categories not named keep the inventory default. */
  retentionDays: Partial<Record<CategoryId, number>>;
  /** The address the system sends from (codes, reminders, confirmations); its address or domain is an SES identity. */
  senderEmail: string;
  /**
   * Create the SES identity (the sender's domain, with Easy DKIM) in this stack. Off by default: an
   * identity exists once per account and region, so a second stage (or one made by hand) would collide;
   * the stack then references the existing verified identity.
   */
  createSenderIdentity: boolean;
  /** Where alarms are e-mailed; without it the alarm topic has no subscriber. */
  alarmEmail?: string;
  /** ISO 3166 region for phone numbers given without a country code; unset: E.164 only. */
  defaultPhoneRegion?: string;
  logRetentionDays: RetentionDays;
  /** Stage-wide steady-state requests per second and burst (API Gateway throttling). */
  apiRateLimit: number;
  apiBurstLimit: number;
  /** Requests to /v1/* one client IP may make per five minutes before WAF answers 429. */
  apiRateLimitPerIp: number;
  /** Sign-in requests (login + verify) one client IP may make per five minutes before WAF blocks it. */
  signInRateLimit: number;
  /**
   * Concurrent batches per shard of the customers table's stream (Lambda's ParallelizationFactor, 1-10):
   * TTL cascades of one shard run that many at a time. Records of one customer still arrive in order.
   */
  streamParallelization: number;
  /**
   * Origins of browser-based staff tools allowed to call the staff routes (CORS, preflight included),
   * e.g. ["https://crm-tool.yourcompany.com"]. Empty: no CORS at all. The portal is same-origin only.
   */
  staffOrigins: readonly string[];
  /** How many branch keys new customer keys are spread over (16 to 64; lambdas/core/shared/branch-keys.ts). */
  branchKeys: number;
}

/** The context keys this app reads; anything else in cdk.json is CDK's own. */
export const CONTEXT_KEYS = [
  'stage',
  'region',
  'erasureGraceDays',
  'retentionDays',
  'senderEmail',
  'createSenderIdentity',
  'alarmEmail',
  'defaultPhoneRegion',
  'logRetentionDays',
  'apiRateLimit',
  'apiBurstLimit',
  'apiRateLimitPerIp',
  'signInRateLimit',
  'streamParallelization',
  'staffOrigins',
  'branchKeys',
] as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid deployment configuration (cdk.json "context" or -c key=value):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const STAGE = /^[a-z][a-z0-9-]{1,11}$/;
/** Domains reserved for documentation (RFC 2606): nothing sent from them is delivered. Only `dev` may keep one. */
const RESERVED_DOMAIN = /(^|\.)example\.(com|org|net)$/i;
// Deliberately plain: one @, no spaces, a dot in the domain. SES verifies the rest.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DAY = 86_400;
const KNOWN_REGIONS = new Set(RegionInfo.regions.map((r) => r.name));
const LOG_RETENTIONS = new Set(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

/** Reads and validates the context of `scope` (normally the App). */
export function loadConfig(scope: Construct, env: NodeJS.ProcessEnv = process.env): CrmConfig {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((k) => [k, scope.node.tryGetContext(k)]));
  return parseConfig(raw, env.CDK_DEFAULT_ACCOUNT);
}

/** Pure validation: context values may arrive as strings (`-c erasureGraceDays=14`). */
export function parseConfig(raw: Record<string, unknown>, account?: string): CrmConfig {
  const problems: string[] = [];
  const fail = (key: string, message: string, value: unknown) => {
    problems.push(`${key}: ${message} (got ${JSON.stringify(value)})`);
    return undefined;
  };

  const text = (key: string, fallback?: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v !== 'string') return fail(key, 'must be a string', v);
    return v.trim();
  };

  const flag = (key: string, fallback: boolean): boolean => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return fail(key, 'must be true or false', v) ?? fallback;
  };

  const wholeNumber = (key: string, fallback: number, min: number, max: number, unit: string): number => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return fail(key, `must be a whole number of ${unit}`, v) ?? fallback;
    if (n < min || n > max) return fail(key, `must be between ${min} and ${max} ${unit}`, v) ?? fallback;
    return n;
  };

  const stage = text('stage', 'dev') ?? 'dev';
  if (!STAGE.test(stage)) {
    fail('stage', 'must be 2-12 characters: a lower-case letter, then lower-case letters, digits or "-"', raw.stage);
  }

  const region = text('region', 'eu-west-1') ?? 'eu-west-1';
  if (!KNOWN_REGIONS.has(region)) fail('region', 'is not an AWS region known to aws-cdk-lib, e.g. "eu-west-1"', raw.region);

  const erasureGraceDays = wholeNumber('erasureGraceDays', POLICY.erasureGraceSeconds / DAY, 1, 365, 'days');

  const retentionDays: Partial<Record<CategoryId, number>> = {};
  let overrides = raw.retentionDays;
  if (typeof overrides === 'string' && overrides.trim() !== '') {
    try {
      overrides = JSON.parse(overrides);
    } catch {
      fail('retentionDays', 'must be an object or a JSON object string, e.g. {"behaviour": 30}', raw.retentionDays);
      overrides = undefined;
    }
  }
  if (overrides !== undefined && overrides !== null && overrides !== '') {
    if (typeof overrides !== 'object' || Array.isArray(overrides)) {
      fail('retentionDays', 'must be an object of category id to days, e.g. {"behaviour": 30}', overrides);
    } else {
      const entries = overrides as Record<string, unknown>;
      const problems = retentionOverrideProblems(entries);
      for (const p of problems) fail(`retentionDays.${p.id}`, p.message, entries[p.id]);
      for (const [id, days] of Object.entries(entries))
        if (!problems.some((p) => p.id === id)) retentionDays[id as CategoryId] = days as number;
    }
  }

  const senderEmail = text('senderEmail');
  if (senderEmail === undefined) {
    if (raw.senderEmail === undefined || raw.senderEmail === '')
      fail('senderEmail', 'is required (the SES identity mail is sent from)', raw.senderEmail);
  } else if (!EMAIL.test(senderEmail) || senderEmail.length > 254) {
    fail('senderEmail', 'must be an e-mail address such as privacy@example.com', raw.senderEmail);
  } else if (STAGE.test(stage) && stage !== 'dev' && RESERVED_DOMAIN.test(senderEmail.split('@')[1])) {
    fail(
      'senderEmail',
      `stage "${stage}" cannot send from ${senderEmail.split('@')[1]}: example.com, .org and .net are reserved and ` +
        'mail from them is never delivered. Pass an address of a domain you own, e.g. -c senderEmail=privacy@yourcompany.com',
      raw.senderEmail,
    );
  }
  const createSenderIdentity = flag('createSenderIdentity', false);

  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && (!EMAIL.test(alarmEmail) || alarmEmail.length > 254)) {
    fail('alarmEmail', 'must be an e-mail address, or left out for no subscription', raw.alarmEmail);
  }

  const defaultPhoneRegion = text('defaultPhoneRegion');
  if (defaultPhoneRegion !== undefined && !(/^[A-Z]{2}$/.test(defaultPhoneRegion) && isSupportedCountry(defaultPhoneRegion))) {
    fail('defaultPhoneRegion', 'must be an ISO 3166 alpha-2 country code with a phone numbering plan, e.g. "IE"', raw.defaultPhoneRegion);
  }

  const logRetentionDays = wholeNumber('logRetentionDays', RetentionDays.ONE_MONTH, 1, 9999, 'days');
  if (!LOG_RETENTIONS.has(logRetentionDays)) {
    fail('logRetentionDays', `must be one of CloudWatch's retention periods (${[...LOG_RETENTIONS].join(', ')})`, raw.logRetentionDays);
  }

  // An account's regional API Gateway quota is 10,000 requests per second with a burst of 5,000 (raisable).
  const apiRateLimit = wholeNumber('apiRateLimit', 1_000, 1, 10_000, 'requests per second');
  const apiBurstLimit = wholeNumber('apiBurstLimit', 2_000, 1, 5_000, 'requests');
  if (apiBurstLimit < apiRateLimit && !problems.some((p) => p.startsWith('api'))) {
    const why = 'a burst smaller than one second of traffic throttles the steady rate';
    fail('apiBurstLimit', `must be at least apiRateLimit (${apiRateLimit}): ${why}`, raw.apiBurstLimit);
  }
  // WAF rate-based rules accept 10 as the lowest limit. Per IP: an office NAT carries every staff member behind it,
  // so the default allows 50 requests a second on average from one address, a twentieth of the stage's rate.
  const apiRateLimitPerIp = wholeNumber('apiRateLimitPerIp', 15_000, 10, 2_000_000_000, 'requests per five minutes');
  const signInRateLimit = wholeNumber('signInRateLimit', 30, 10, 2_000_000_000, 'requests per five minutes');
  const branchKeys = wholeNumber('branchKeys', 16, 16, 64, 'branch keys');

  // Lambda's limits for a DynamoDB stream event source mapping.
  const streamParallelization = wholeNumber('streamParallelization', 1, 1, 10, 'concurrent batches per shard');
  const staffOrigins = parseOrigins(raw.staffOrigins, STAGE.test(stage) ? stage : undefined, (message) =>
    fail('staffOrigins', message, raw.staffOrigins),
  );

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    stage,
    region,
    account: account || undefined,
    erasureGraceDays,
    retentionDays,
    senderEmail: senderEmail as string,
    createSenderIdentity,
    alarmEmail,
    defaultPhoneRegion,
    logRetentionDays: logRetentionDays as RetentionDays,
    apiRateLimit,
    apiBurstLimit,
    apiRateLimitPerIp,
    signInRateLimit,
    streamParallelization,
    staffOrigins,
    branchKeys,
  };
}

/** Scheme, host and optional port; nothing else (no path, no wildcard). */
const ORIGIN = /^https:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;
const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/** A list (or a JSON list string from -c, or comma-separated origins); `http://localhost` only for stage dev. */
function parseOrigins(value: unknown, stage: string | undefined, fail: (message: string) => void): string[] {
  if (value === undefined || value === null || value === '') return [];
  let list = value;
  if (typeof list === 'string') {
    const text = list.trim();
    try {
      list = text.startsWith('[') ? JSON.parse(text) : text.split(',').map((o) => o.trim());
    } catch {
      fail('must be a list of origins, e.g. ["https://crm-tool.yourcompany.com"]');
      return [];
    }
  }
  if (!Array.isArray(list) || !list.every((o) => typeof o === 'string')) {
    fail('must be a list of origins, e.g. ["https://crm-tool.yourcompany.com"]');
    return [];
  }
  const bad = list.filter((o) => !(ORIGIN.test(o) || (stage === 'dev' && LOCAL_ORIGIN.test(o))));
  if (bad.length > 0) {
    const rule = 'lower case, no path, no wildcard; http://localhost only on stage dev';
    fail(`${bad.map((o) => JSON.stringify(o)).join(', ')}: each must be an origin like https://crm-tool.yourcompany.com (${rule})`);
    return [];
  }
  return [...new Set(list)];
}

/** Prefix of every physical name in a deployment, e.g. `crm-dev-`. */
export function namePrefix(config: Pick<CrmConfig, 'stage'>): string {
  return `crm-${config.stage}-`;
}
