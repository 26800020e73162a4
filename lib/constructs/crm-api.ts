/**
 * The REST API: one resource per route of the route list, all proxied to the API function. Staff
 * routes sit behind the Cognito authorizer; portal and public routes have none at the gateway (the
 * function checks the portal session). Every other method on those resources reaches the function
 * through an ANY method, for its 405 with Allow. Around it: request validation, stage throttling, access
 * logs that hold no personal field, problem+json gateway responses and the WAF web ACL.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  JsonSchemaType,
  JsonSchemaVersion,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
  type Method,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_ROUTES, type DeployedRoute } from '../api-routes';
import { acknowledge } from './acknowledge';
import { ApiFirewall } from './api-firewall';
import { LambdaProxy } from './lambda-proxy';
import { addStaffCors, gatewayCorsHeaders } from './staff-cors';
import type { CrmFunction } from './crm-function';
import type { StaffIdentity } from './staff-identity';

/**
 * The access-log line: which route, how it ended, how long it took. Deliberately absent: the concrete
 * path (it carries customer and receipt ids), query string, body, caller IP, user agent, claims.
 */
export const ACCESS_LOG_FIELDS: Readonly<Record<string, string>> = {
  requestId: AccessLogField.contextRequestId(),
  resourcePath: AccessLogField.contextResourcePath(),
  httpMethod: AccessLogField.contextHttpMethod(),
  status: AccessLogField.contextStatus(),
  latency: AccessLogField.contextResponseLatency(),
  responseLength: AccessLogField.contextResponseLength(),
};

/** Gateway-made errors, shaped like the Lambda's problem details (RFC 9457). */
export const GATEWAY_PROBLEMS: readonly { type: ResponseType; status: number; code: string; title: string; detail?: string }[] = [
  { type: ResponseType.UNAUTHORIZED, status: 401, code: 'unauthorized', title: 'Unauthorized' },
  { type: ResponseType.EXPIRED_TOKEN, status: 401, code: 'unauthorized', title: 'Unauthorized' },
  { type: ResponseType.INVALID_SIGNATURE, status: 401, code: 'unauthorized', title: 'Unauthorized' },
  { type: ResponseType.ACCESS_DENIED, status: 403, code: 'forbidden', title: 'Forbidden' },
  { type: ResponseType.WAF_FILTERED, status: 403, code: 'forbidden', title: 'Forbidden' },
  { type: ResponseType.INVALID_API_KEY, status: 403, code: 'forbidden', title: 'Forbidden' },
  // API Gateway answers a path it has no resource for with "Missing Authentication Token"; it is a 404.
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    code: 'not_found',
    title: 'Not Found',
    detail: 'There is no such route.',
  },
  { type: ResponseType.RESOURCE_NOT_FOUND, status: 404, code: 'not_found', title: 'Not Found' },
  { type: ResponseType.BAD_REQUEST_BODY, status: 400, code: 'validation_failed', title: 'Bad Request' },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, code: 'validation_failed', title: 'Bad Request' },
  { type: ResponseType.REQUEST_TOO_LARGE, status: 413, code: 'payload_too_large', title: 'Content Too Large' },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, code: 'unsupported_media_type', title: 'Unsupported Media Type' },
  { type: ResponseType.THROTTLED, status: 429, code: 'rate_limited', title: 'Too Many Requests' },
  { type: ResponseType.QUOTA_EXCEEDED, status: 429, code: 'rate_limited', title: 'Too Many Requests' },
  { type: ResponseType.INTEGRATION_TIMEOUT, status: 504, code: 'dependency_unavailable', title: 'Gateway Timeout' },
  { type: ResponseType.INTEGRATION_FAILURE, status: 502, code: 'internal_error', title: 'Bad Gateway' },
  { type: ResponseType.DEFAULT_4XX, status: 400, code: 'bad_request', title: 'Bad Request' },
  { type: ResponseType.DEFAULT_5XX, status: 500, code: 'internal_error', title: 'Internal Server Error' },
];

export interface CrmApiProps {
  restApiName: string;
  stageName: string;
  handler: CrmFunction;
  staff: StaffIdentity;
  routes: readonly DeployedRoute[];
  logRetention: RetentionDays;
  logKey: IKey;
  rateLimit: number;
  burstLimit: number;
  signInPaths: readonly string[];
  signInRateLimit: number;
  apiRateLimitPerIp: number;
  maxBodyBytes: number;
  /** Origins of browser-based staff tools (CORS on staff routes); empty for none. */
  staffOrigins: readonly string[];
}

export class CrmApi extends Construct {
  readonly api: RestApi;
  readonly accessLogs: LogGroup;
  readonly executionLogs: LogGroup;
  readonly firewall: ApiFirewall;

  constructor(scope: Construct, id: string, props: CrmApiProps) {
    super(scope, id);

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${props.restApiName}/access`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new RestApi(this, 'RestApi', {
      restApiName: props.restApiName,
      description: 'privacy-crm: staff API, customer portal and public privacy endpoints',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // The account-level role API Gateway needs to write execution logs; kept if the stack goes.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
        // Errors only, never request or response data.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });

    // Created before the stage so it has retention and encryption rather than API Gateway's defaults.
    this.executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${props.stageName}`,
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api.deploymentStage.node.addDependency(this.executionLogs);

    for (const p of GATEWAY_PROBLEMS) {
      this.api.addGatewayResponse(`Problem-${p.type.responseType}`, {
        type: p.type,
        statusCode: String(p.status),
        responseHeaders: { 'Content-Type': "'application/problem+json'", ...gatewayCorsHeaders(props.staffOrigins) },
        templates: {
          'application/json':
            `{"type":"https://privacy-crm.dev/problems/${p.code}","title":"${p.title}","status":${p.status},` +
            `"detail":${p.detail ? JSON.stringify(p.detail) : '$context.error.messageString'},"code":"${p.code}"}`,
        },
      });
    }

    const validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    // The Lambda validates fields strictly; the gateway only refuses a body that is not a JSON object.
    const jsonObject = this.api.addModel('JsonObject', {
      contentType: 'application/json',
      modelName: 'JsonObject',
      schema: { schema: JsonSchemaVersion.DRAFT4, title: 'JsonObject', type: JsonSchemaType.OBJECT },
    });

    const authorizer = new CognitoUserPoolsAuthorizer(this, 'StaffAuthorizer', {
      authorizerName: 'staff',
      cognitoUserPools: [props.staff.userPool],
      identitySource: 'method.request.header.Authorization',
    });

    const integration = new LambdaProxy(props.handler.fn);
    integration.grantInvoke(this.api, props.stageName);

    const seen = new Set<string>();
    for (const route of props.routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`Route ${key} is listed twice.`);
      seen.add(key);
      const pathParams = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [`method.request.path.${m[1]}`, true]));
      const common: MethodOptions = {
        requestValidator: validator,
        requestModels: route.jsonBody ? { 'application/json': jsonObject } : undefined,
      };
      const options: MethodOptions =
        route.auth === 'staff'
          ? {
              ...common,
              authorizationType: AuthorizationType.COGNITO,
              authorizer,
              requestParameters: { ...pathParams, 'method.request.header.Authorization': true },
            }
          : { ...common, authorizationType: AuthorizationType.NONE, requestParameters: pathParams };
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, options);
      if (route.auth !== 'staff') this.acknowledgeNoGatewayAuth(method, route);
    }
    for (const path of new Set(props.routes.map((r) => r.path))) {
      // ANY passes every other method to the function, which serves each route it knows (a public or portal
      // one without a gateway check): a path is deployed with all of its routes, or not at all.
      const missing = API_ROUTES.filter((r) => r.path === path && !seen.has(`${r.method} ${r.path}`)).map((r) => r.method);
      if (missing.length > 0) throw new Error(`${path} is deployed without ${missing.join(', ')}: deploy all of its routes or none.`);
      this.addMethodNotAllowed(path, integration);
    }

    addStaffCors(this.api, props.routes, props.staffOrigins);

    this.firewall = new ApiFirewall(this, 'Firewall', {
      name: `${props.restApiName}-waf`,
      stageArn: this.api.deploymentStage.stageArn,
      signInPaths: props.signInPaths,
      signInRateLimit: props.signInRateLimit,
      apiRateLimitPerIp: props.apiRateLimitPerIp,
      maxBodyBytes: props.maxBodyBytes,
    });

    const stage = this.api.deploymentStage.node.defaultChild!;
    acknowledge(
      stage,
      'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
      'Responses are personal data for one caller; a gateway cache would keep copies outside the tables, beyond the reach of TTL and ' +
        'erasure.',
    );
    acknowledge(
      stage,
      'NIST.800.53.R5-APIGWSSLEnabled',
      'The only backend is a Lambda proxy integration invoked through the AWS API; there is no HTTP backend to present a client ' +
        'certificate to.',
    );
    acknowledge(
      this.api.node.findChild('CloudWatchRole').node.defaultChild!,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'This is the policy AWS documents for the account-level role API Gateway uses to write execution logs; only ' +
        'apigateway.amazonaws.com can assume the role.',
    );
  }

  /** The stage URL, ending in a slash. */
  get url(): string {
    return this.api.url;
  }

  /**
   * Without it, API Gateway answers a method the resource does not declare with "Missing Authentication
   * Token" (our 404). ANY catches only the methods not declared (each declared method keeps its own
   * authorizer and validation); the function answers them 405 with Allow before it reads a token, a
   * session or a body. No authorizer: the answer reveals only the Allow list, which the OpenAPI document
   * publishes, and a staff tool that sends a wrong method should learn so, signed in or not.
   */
  private addMethodNotAllowed(path: string, integration: LambdaProxy): void {
    const method = this.api.root.resourceForPath(path).addMethod('ANY', integration, { authorizationType: AuthorizationType.NONE });
    const why =
      `ANY ${path} receives only the methods ${path} does not declare (API Gateway prefers a declared method and its authorizer): ` +
      'the function answers them 405 with the Allow list the OpenAPI document publishes, before reading any token, session or body.';
    acknowledge(method.node.defaultChild!, 'AwsSolutions-APIG4', why);
    acknowledge(method.node.defaultChild!, 'AwsSolutions-COG4', why);
  }

  private acknowledgeNoGatewayAuth(method: Method, route: DeployedRoute): void {
    const why =
      route.auth === 'customer'
        ? `${route.method} ${route.path} is a customer portal route: the function requires a portal session token bound to one ` +
          `customer (Cognito holds staff only).`
        : `${route.method} ${route.path} is public by design: it either serves nothing personal (erasure receipt, inventory, OpenAPI, ` +
          `portal page and assets) or starts a sign-in, which WAF rate-limits per client IP.`;
    acknowledge(method.node.defaultChild!, 'AwsSolutions-APIG4', why);
    acknowledge(method.node.defaultChild!, 'AwsSolutions-COG4', why);
  }
}
