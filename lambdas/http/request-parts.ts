/**
 * Path parameters and headers, checked the same way on every route and in both homes. API Gateway
 * (REST) hands path parameters over still percent-encoded, and so does the local server: they are
 * decoded here, once, and a malformed encoding is the caller's mistake (400), never a 500.
 */
import { ValidationError } from '../core/shared/errors';
import { Uuid } from './schemas';

/** Longest Idempotency-Key accepted; the same bound is documented in the OpenAPI header. */
export const IDEMPOTENCY_KEY_MAX = 200;
/** Visible ASCII only: the key is compared byte for byte and must survive proxies unchanged. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]+$';
const IDEMPOTENCY_KEY = new RegExp(IDEMPOTENCY_KEY_PATTERN);

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`The ${field} in the path is not valid.`, [{ field, message }]);
}

/**
 * Every path parameter of this API is an id, and every id is a UUID: accepted in either case and
 * handed on in lower case, so `/v1/customers/ABC…` and `/v1/customers/abc…` are the same customer.
 */
export function pathParams(raw: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      throw invalid(name, 'is not valid percent-encoding');
    }
    if (!Uuid.safeParse(decoded).success) throw invalid(name, 'must be a UUID');
    params[name] = decoded.toLowerCase();
  }
  return params;
}

/** An optional Idempotency-Key: 1 to 200 visible ASCII characters. */
export function checkIdempotencyKey(value: string | undefined): void {
  if (value === undefined) return;
  if (value.length > IDEMPOTENCY_KEY_MAX || !IDEMPOTENCY_KEY.test(value)) {
    throw new ValidationError('The Idempotency-Key header is not valid.', [
      { field: 'Idempotency-Key', message: `must be 1 to ${IDEMPOTENCY_KEY_MAX} visible ASCII characters` },
    ]);
  }
}
