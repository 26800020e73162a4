/** Shared classification of AWS SDK failures: throttling, a 5xx, or no answer at all means "retry later". */

const COMMON = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  errors?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** True when the call may succeed later and nothing was changed by it; `serviceNames` adds a service's own fault names. */
export function isTransientAwsError(err: unknown, serviceNames: ReadonlySet<string> = new Set(), depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as AwsErrorShape;
  if (typeof e.name === 'string' && (COMMON.has(e.name) || serviceNames.has(e.name))) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable?.throttling) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isTransientAwsError(inner, serviceNames, depth + 1))) return true;
  return isTransientAwsError(e.cause, serviceNames, depth + 1);
}
