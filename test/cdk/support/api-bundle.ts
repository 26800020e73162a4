/**
 * The API function as deployed: the bundle `cdk synth` builds (`index.mjs` of the asset the template names),
 * loaded with the function's own environment variables, and API Gateway REST proxy events for it.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AWS_TABLES, tableEnvVar, type TableId } from '../../../lambdas/core/policy/tables';
import { resourcesOf, type BuiltCrm } from './crm-app';

export type BundleHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * Sets the API function's environment as the template declares it (its tables renamed to `tablePrefix`
 * plus the table name, references as placeholders), points the bundle's AWS SDK at `endpoints`
 * (AWS_ENDPOINT_URL_* variables) and imports the bundle. A process holds one: the module is cached.
 */
export async function loadApiBundle(
  crm: BuiltCrm,
  template: Template,
  opts: { tablePrefix: string; endpoints: Record<string, string> },
): Promise<BundleHandler> {
  const apiId = crm.stateless.getLogicalId(crm.stateless.functions.api.fn.node.defaultChild as never);
  const fn = template.toJSON().Resources[apiId].Properties;
  const assetHash = String(fn.Code.S3Key).replace(/\.zip$/, '');
  const bundle = join(crm.outdir, `asset.${assetHash}`, 'index.mjs');
  const tableVars = new Map(AWS_TABLES.map((t) => [tableEnvVar(t.name as TableId), `${opts.tablePrefix}${t.name}`]));
  for (const [k, v] of Object.entries(fn.Environment.Variables as Record<string, unknown>)) {
    if (k === 'NODE_OPTIONS') continue;
    process.env[k] = tableVars.get(k) ?? (typeof v === 'string' ? v : `ref:${JSON.stringify(v)}`);
  }
  Object.assign(process.env, opts.endpoints);
  const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: BundleHandler };
  return handler;
}

/** The stage's name, as requestContext carries it. */
export function stageNameOf(template: Template): string {
  const [[, stage]] = resourcesOf(template, 'AWS::ApiGateway::Stage');
  return String(stage.Properties?.StageName);
}

export interface ProxyEventOptions {
  stageName: string;
  requestId: string;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | null;
  /** What a Cognito authorizer passes; null when the method that matched has none. */
  claims?: Record<string, string> | null;
}

/**
 * The event API Gateway sends for `method` on the resource `resource`: `httpMethod` is the request's own
 * method also when the resource's ANY method is the one that matched.
 */
export function restProxyEvent(method: string, resource: string, opts: ProxyEventOptions): APIGatewayProxyEvent {
  const params = opts.params ?? {};
  const path = resource.replace(/\{(\w+)\}/g, (_, k: string) => params[k]);
  const headers = opts.headers ?? {};
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(params).length > 0 ? params : null,
    stageVariables: null,
    body: opts.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '111122223333',
      apiId: 'abc123',
      requestId: opts.requestId,
      resourceId: 'r',
      resourcePath: resource,
      httpMethod: method,
      path: `/${opts.stageName}${path}`,
      stage: opts.stageName,
      protocol: 'HTTP/1.1',
      requestTimeEpoch: Date.now(),
      identity: {
        sourceIp: '203.0.113.9',
        userAgent: headers['user-agent'] ?? null,
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
      authorizer: opts.claims ? { claims: opts.claims } : null,
    },
  };
}
