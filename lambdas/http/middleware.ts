/** middy middlewares shared by every API handler: body limit and parsing, security headers, problem mapping, request logs. */
import type middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '../core/shared/errors';
import type { Log } from '../core/shared/ports';
import { UnsupportedMediaTypeError } from './errors';
import { toProblem } from './problem';

export const MAX_BODY_BYTES = 64 * 1024;

export interface ApiEvent extends APIGatewayProxyEvent {
  /** Parsed JSON body (undefined when the request had none). */
  parsedBody?: unknown;
}

type Mw = middy.MiddlewareObj<ApiEvent, APIGatewayProxyResult, Error, Context>;

/** `application/json`, with or without parameters (`; charset=utf-8`); nothing else, not even `+json` types. */
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

function headerValue(headers: APIGatewayProxyEvent['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name && typeof v === 'string') return v;
  return undefined;
}

/**
 * Any body must be declared `application/json` (415 otherwise, also when no type is given): a web page
 * can post text/plain or a form cross-origin without a preflight, never JSON. Then the size limit, before
 * parsing, so a large body costs nothing; invalid JSON is a 400.
 */
export function jsonBody(limit = MAX_BODY_BYTES): Mw {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === null || body === undefined || body === '') return;
      if (!JSON_MEDIA_TYPE.test(headerValue(request.event.headers, 'content-type')?.trim() ?? '')) throw new UnsupportedMediaTypeError();
      const bytes = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
      if (bytes.length > limit) throw new PayloadTooLargeError(limit);
      try {
        request.event.parsedBody = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new ValidationError(
          'The request body is not valid JSON.',
          [{ field: '(body)', message: 'must be a JSON document' }],
          'invalid_json',
        );
      }
    },
  };
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  // Responses carry personal data: never cached by browsers or proxies.
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

function withSecurityHeaders(response: APIGatewayProxyResult | undefined | null): void {
  if (!response) return;
  const headers = (response.headers ??= {});
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) {
    // A route (the portal page) may set its own CSP; everything else is enforced.
    if (k === 'content-security-policy' && headers[k] !== undefined) continue;
    headers[k] = v;
  }
}

/** Errors become problem+json; then security headers go on every response, errors included. */
export function httpErrorsAndHeaders(log: Log): Mw {
  return {
    after: (request) => withSecurityHeaders(request.response),
    onError: (request) => {
      const result = toProblem(request.error);
      if (result.statusCode >= 500) {
        const err = request.error;
        // Name and code only: library messages can echo input, and input can be personal.
        log.error('request failed', {
          errorName: err?.name,
          errorCode: (err as { code?: string } | undefined)?.code,
          dependency: (err as { dependency?: string } | undefined)?.dependency,
          status: result.statusCode,
        });
      }
      request.response = result;
      withSecurityHeaders(request.response);
    },
  };
}

/** A request slower than this gets a line of its own in the function's log. */
export const SLOW_REQUEST_MS = 1000;

/**
 * A line for a request that failed on our side (5xx) or was slow: route, status, duration, the gateway's
 * request id. Not for every request: API Gateway's access log has that line already (lib/constructs/crm-api.ts
 * ACCESS_LOG_FIELDS), and a second copy of it would be about a third of the log bytes each request costs.
 * No body, no query string, no caller address.
 */
export function requestLog(log: Log): Mw {
  const started = new WeakMap<object, number>();
  const write = (request: middy.Request<ApiEvent, APIGatewayProxyResult, Error, Context>) => {
    const t0 = started.get(request) ?? performance.now();
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    const status = request.response?.statusCode;
    if ((status === undefined || status < 500) && durationMs < SLOW_REQUEST_MS) return;
    log.warn('request', {
      route: `${request.event.httpMethod} ${request.event.resource}`,
      status,
      durationMs,
      requestId: request.event.requestContext?.requestId,
    });
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
    },
    after: write,
    onError: write,
  };
}
