/** Events as the deployed Lambda functions receive them. */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ApiEventOptions {
  body?: unknown;
  /** The Cognito groups claim; without it the authorizer passed no claims. */
  groups?: string;
  /** The concrete path, when it differs from the resource template. */
  path?: string;
  params?: Record<string, string>;
}

/** An API Gateway REST proxy event as Lambda receives it behind a Cognito authorizer. */
export function apiGatewayEvent(method: string, resource: string, opts: ApiEventOptions = {}): APIGatewayProxyEvent {
  return {
    resource,
    path: opts.path ?? resource,
    httpMethod: method,
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: opts.params ?? null,
    stageVariables: null,
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      resourcePath: resource,
      httpMethod: method,
      stage: 'prod',
      authorizer:
        opts.groups === undefined
          ? null
          : { claims: { sub: 'c0ffee00-staff', 'cognito:groups': opts.groups, email: 'staff@corp.example' } },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}
