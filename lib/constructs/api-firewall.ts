/**
 * The WAF web ACL in front of the API stage:
 * - a rate-based rule, per client IP, on the sign-in routes (each call may send an e-mail or an SMS, so
 *   they are what a bot would pump), and a looser one on every /v1/* route (one address cannot take the
 *   stage's whole throttling budget);
 * - a body-size rule at the API's own body limit, so oversized bodies never reach the Lambda;
 * - the AWS managed rule groups Common (AWSManagedRulesCommonRuleSet) and KnownBadInputs, with the
 *   exclusions in `COMMON_RULE_EXCLUSIONS`: rules that would block requests the API accepts.
 * Blocked requests get a JSON problem body. WAF request logging is off on purpose (see below).
 */
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';

/**
 * Rules of AWSManagedRulesCommonRuleSet set to count instead of block, each because it would refuse
 * valid requests of this API:
 * - SizeRestrictions_BODY blocks bodies over 8 KB. The API accepts 64 KB (MAX_BODY_BYTES, enforced by
 *   the body-size rule above): the largest valid purchase (100 items with 64-character SKUs) is about
 *   11 KB, and test/cdk/waf.test.ts builds it.
 * - CrossSiteScripting_BODY, GenericLFI_BODY, GenericRFI_BODY, EC2MetaDataSSRF_BODY match markup, "../",
 *   URLs with IP addresses and 169.254.169.254 anywhere in a body. Bodies here are strictly validated
 *   JSON whose free text (interaction summaries, reveal purposes, legal-hold reasons) may quote what a
 *   customer wrote: "<b>", "../", "http://192.168.0.1/". No value is ever rendered as HTML (the portal
 *   sets text only, under a strict CSP), used as a path, or fetched, so these rules protect nothing here.
 * The same rules on the URI path, query string, headers and cookies stay on, as does all of KnownBadInputs.
 */
export const COMMON_RULE_EXCLUSIONS = [
  'SizeRestrictions_BODY',
  'CrossSiteScripting_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'EC2MetaDataSSRF_BODY',
] as const;

/** Every /v1/* path, with or without the stage segment WAF sees in front of it. */
export const API_PATH_PATTERN = '^(/[^/]+)?/v1/';

export interface ApiFirewallProps {
  name: string;
  /** Stage ARN to protect. */
  stageArn: string;
  /** Resource paths (without stage) rate-limited per IP, e.g. /v1/portal/login. */
  signInPaths: readonly string[];
  /** Requests one IP may make to the sign-in paths in five minutes. */
  signInRateLimit: number;
  /** Requests one IP may make to any /v1/* path in five minutes. */
  apiRateLimitPerIp: number;
  /** Largest request body accepted, in bytes (WAF inspects up to 64 KB on API Gateway). */
  maxBodyBytes: number;
}

const KB = 1024;
/** WAF's request-body inspection windows for API Gateway; the first (16 KB) costs nothing extra. */
const INSPECTION_WINDOWS = [16, 32, 48, 64] as const;

const problemBody = (status: number, code: string, title: string, detail: string) =>
  JSON.stringify({ type: `https://privacy-crm.dev/problems/${code}`, title, status, detail, code });

/** Regex over the URI path WAF sees: an optional stage segment, then one of the sign-in paths. */
export function signInPathPattern(paths: readonly string[]): string {
  const escaped = paths.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(/[^/]+)?(${escaped.join('|')})/?$`;
}

export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const window = INSPECTION_WINDOWS.find((kb) => kb * KB >= props.maxBodyBytes);
    if (!window) throw new Error(`maxBodyBytes ${props.maxBodyBytes} exceeds what WAF can inspect on API Gateway (64 KB).`);

    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      // Sampled requests would keep client IPs and headers for three hours; metrics are enough.
      sampledRequestsEnabled: false,
    });
    const managedRuleGroup = (name: string, priority: number, counted: readonly string[]): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      visibilityConfig: visibility(`${props.name}-${name}`),
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: counted.length > 0 ? counted.map((rule) => ({ name: rule, actionToUse: { count: {} } })) : undefined,
        },
      },
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: props.name,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${props.name}-all`),
      ...(window > 16 ? { associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: `KB_${window}` } } } } : {}),
      customResponseBodies: {
        rateLimited: {
          contentType: 'APPLICATION_JSON',
          content: problemBody(
            429,
            'rate_limited',
            'Too Many Requests',
            'Too many sign-in attempts from this address. Wait a few minutes.',
          ),
        },
        apiRateLimited: {
          contentType: 'APPLICATION_JSON',
          content: problemBody(429, 'rate_limited', 'Too Many Requests', 'Too many requests from this address. Wait a few minutes.'),
        },
        tooLarge: {
          contentType: 'APPLICATION_JSON',
          content: problemBody(
            413,
            'payload_too_large',
            'Content Too Large',
            `The request body is larger than ${props.maxBodyBytes} bytes.`,
          ),
        },
      },
      rules: [
        {
          name: 'sign-in-rate-per-ip',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rateLimited' } } },
          visibilityConfig: visibility(`${props.name}-sign-in-rate`),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.signInRateLimit,
              evaluationWindowSec: 300,
              scopeDownStatement: {
                regexMatchStatement: {
                  regexString: signInPathPattern(props.signInPaths),
                  fieldToMatch: { uriPath: {} },
                  textTransformations: [
                    { priority: 0, type: 'URL_DECODE' },
                    { priority: 1, type: 'LOWERCASE' },
                  ],
                },
              },
            },
          },
        },
        {
          name: 'api-rate-per-ip',
          priority: 1,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'apiRateLimited' } } },
          visibilityConfig: visibility(`${props.name}-api-rate`),
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.apiRateLimitPerIp,
              evaluationWindowSec: 300,
              scopeDownStatement: {
                regexMatchStatement: {
                  regexString: API_PATH_PATTERN,
                  fieldToMatch: { uriPath: {} },
                  textTransformations: [{ priority: 0, type: 'URL_DECODE' }],
                },
              },
            },
          },
        },
        {
          name: 'body-size-limit',
          priority: 2,
          action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: 'tooLarge' } } },
          visibilityConfig: visibility(`${props.name}-body-size`),
          statement: {
            sizeConstraintStatement: {
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: props.maxBodyBytes,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
        },
        managedRuleGroup('AWSManagedRulesCommonRuleSet', 3, COMMON_RULE_EXCLUSIONS),
        managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet', 4, []),
      ],
    });

    new CfnWebACLAssociation(this, 'Association', { resourceArn: props.stageArn, webAclArn: this.webAcl.attrArn });

    acknowledge(
      this.webAcl,
      'NIST.800.53.R5-WAFv2LoggingEnabled',
      'WAF logs record every client IP address and request headers (including bearer tokens unless redacted); the data inventory names ' +
        'no IP addresses, so none are kept. Per-rule CloudWatch metrics show what WAF blocks.',
    );
  }
}
