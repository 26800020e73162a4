/**
 * The API handler: one Lambda function (and the local server) dispatching API Gateway proxy events
 * through the route table. Order per request: route → body parsing → principal → role → strict body
 * validation → operation. Everything thrown becomes problem+json in one place.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from 'zod';
import type { App } from '../core/app';
import { clientField, fieldList, NotFoundError, UnauthorizedError, ValidationError, type FieldError } from '../core/shared/errors';
import type { Log } from '../core/shared/ports';
import { customerPrincipal, staffPrincipal, type SessionResolver } from './auth';
import { MethodNotAllowedError } from './errors';
import { httpErrorsAndHeaders, jsonBody, requestLog, type ApiEvent } from './middleware';
import type { OpResult } from './operation';
import type { RouteDef } from './route';
import { OPERATIONS } from './operations';
import { checkIdempotencyKey, pathParams } from './request-parts';
import { allowedMethods, findRoute } from './routes';

export type ApiHandler = (event: APIGatewayProxyEvent, context?: Partial<Context>) => Promise<APIGatewayProxyResult>;

/** Zod issues → field errors; unknown fields are named one by one under code `unexpected_field`. */
export function validationFrom(error: z.ZodError): ValidationError {
  const errors: FieldError[] = [];
  let unexpected = false;
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      unexpected = true;
      for (const key of issue.keys) errors.push({ field: clientField(base ? `${base}.${key}` : key), message: 'unexpected field' });
    } else {
      errors.push({ field: base || '(body)', message: issue.message });
    }
  }
  const named = (list: FieldError[]) => fieldList(list.map((e) => e.field));
  return unexpected
    ? new ValidationError(
        `Unexpected field(s): ${named(errors.filter((e) => e.message === 'unexpected field'))}.`,
        errors,
        'unexpected_field',
      )
    : new ValidationError(`Invalid field(s): ${named(errors)}.`, errors);
}

function lowerHeaders(h: APIGatewayProxyEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

function render(result: OpResult): APIGatewayProxyResult {
  if (result.raw) {
    return {
      statusCode: result.status,
      headers: { 'content-type': result.raw.contentType, ...(result.headers ?? {}) },
      body: result.raw.body,
    };
  }
  return {
    statusCode: result.status,
    headers: { ...(result.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(result.headers ?? {}) },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

/** The route an event names: 404 for a path there is none for, 405 with Allow for a method its path does not take. */
function routeOf(event: APIGatewayProxyEvent): RouteDef {
  const route = findRoute(event.httpMethod, event.resource);
  if (route) return route;
  const allowed = allowedMethods(event.resource);
  throw allowed.length ? new MethodNotAllowedError(allowed) : new NotFoundError('No such route.');
}

/** Portal tokens are resolved by `app.sessions` unless a test passes its own resolver. */
export function createApiHandler(app: App, deps: { log: Log; sessions?: SessionResolver }): ApiHandler {
  const sessions: SessionResolver = deps.sessions ?? app.sessions;
  const base = async (event: ApiEvent): Promise<APIGatewayProxyResult> => {
    const route = routeOf(event);
    const operation = OPERATIONS[route.operationId];
    if (!operation) throw new NotFoundError('No such route.');

    const principal =
      route.auth === 'staff'
        ? staffPrincipal(event, route.roles)
        : route.auth === 'customer'
          ? await customerPrincipal(event, sessions)
          : undefined;
    if (route.auth !== 'public' && !principal) throw new UnauthorizedError();

    const params = pathParams(event.pathParameters);
    const headers = lowerHeaders(event.headers);
    if (route.idempotent) checkIdempotencyKey(headers['idempotency-key']);

    let query: unknown;
    if (route.query) {
      const parsed = route.query.safeParse(event.queryStringParameters ?? {});
      if (!parsed.success) throw validationFrom(parsed.error);
      query = parsed.data;
    }

    let body: unknown;
    if (route.body) {
      const parsed = route.body.safeParse(event.parsedBody ?? {});
      if (!parsed.success) throw validationFrom(parsed.error);
      body = parsed.data;
    } else if (
      event.parsedBody !== undefined &&
      !(typeof event.parsedBody === 'object' && event.parsedBody !== null && Object.keys(event.parsedBody).length === 0)
    ) {
      // A route that takes no body still refuses one: nothing sent is silently dropped.
      const keys = (typeof event.parsedBody === 'object' && event.parsedBody !== null ? Object.keys(event.parsedBody) : ['(body)']).map(
        clientField,
      );
      throw new ValidationError(
        `Unexpected field(s): ${fieldList(keys)}.`,
        keys.map((field) => ({ field, message: 'unexpected field' })),
        'unexpected_field',
      );
    }

    return render(await operation({ principal, params, body, query, headers, event }, app));
  };

  const handler = middy<ApiEvent, APIGatewayProxyResult, Error, Context>(base)
    .use(requestLog(deps.log))
    .use(httpErrorsAndHeaders(deps.log))
    // Before the body is even looked at: in AWS a method a path does not declare arrives through the
    // resource's ANY method, which has no authorizer, and must get 405 and nothing else.
    .use({ before: (request) => void routeOf(request.event) })
    .use(jsonBody());
  return (event, context) => handler(event as ApiEvent, (context ?? {}) as Context);
}
