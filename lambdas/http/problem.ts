/** The one error-to-HTTP mapper: RFC 9457 problem+json, chosen by `instanceof`, never by name strings. */
import {
  ConditionFailedError,
  ConflictError,
  DependencyUnavailableError,
  DomainError,
  ForbiddenError,
  IdempotencyMismatchError,
  IntegrityError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  type FieldError,
} from '../core/shared/errors';
import { MethodNotAllowedError, UnsupportedMediaTypeError } from './errors';
import { MAX_PROBLEM_ERRORS } from './schemas';

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): HttpResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...(extra.headers ?? {}) },
    body: JSON.stringify({
      type: `https://privacy-crm.dev/problems/${code}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      code,
      ...(extra.errors ? { errors: extra.errors.slice(0, MAX_PROBLEM_ERRORS) } : {}),
    }),
  };
}

function statusOf(e: DomainError): number {
  if (e instanceof ValidationError) return 400;
  if (e instanceof UnauthorizedError) return 401;
  if (e instanceof ForbiddenError) return 403;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof MethodNotAllowedError) return 405;
  if (e instanceof ConflictError) return 409;
  if (e instanceof ConditionFailedError) return 409;
  if (e instanceof PayloadTooLargeError) return 413;
  if (e instanceof UnsupportedMediaTypeError) return 415;
  if (e instanceof IdempotencyMismatchError) return 422;
  if (e instanceof RateLimitedError) return 429;
  if (e instanceof DependencyUnavailableError) return 503;
  if (e instanceof IntegrityError) return 500;
  return 500;
}

/** Maps any thrown value; unknown errors become a generic 500 whose detail reveals nothing. */
export function toProblem(e: unknown): HttpResult {
  if (!(e instanceof DomainError) || e instanceof IntegrityError) {
    return problem(500, 'internal_error', 'Something went wrong on our side; nothing personal was logged.');
  }
  const status = statusOf(e);
  const headers: Record<string, string> = {};
  if (e instanceof UnauthorizedError) headers['www-authenticate'] = 'Bearer';
  if (e instanceof RateLimitedError) headers['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfterSeconds)));
  if (e instanceof DependencyUnavailableError) headers['retry-after'] = '2';
  if (e instanceof MethodNotAllowedError) headers.allow = e.allowed.join(', ');
  return problem(status, e.code, e.message, { errors: e instanceof ValidationError ? e.errors : undefined, headers });
}
