/** The body of `POST /dev/clock`: `{advanceSeconds}` moves the local clock on, `{reset: true}` puts it back to real time. */
import type { FieldError } from '../lambdas/core/shared/errors';

export type ClockRequest = { reset: true } | { advanceSeconds: number };

export function parseClockRequest(raw: string): ClockRequest | { detail: string; errors: FieldError[] } {
  let body: unknown;
  try {
    body = JSON.parse(raw || '{}');
  } catch {
    body = undefined;
  }
  const fields = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const { advanceSeconds, reset, ...rest } = fields;
  const unexpected = Object.keys(rest).map((field) => ({ field, message: 'unexpected field' }));
  if (reset !== undefined) {
    if (reset !== true || advanceSeconds !== undefined || unexpected.length) {
      const errors = [{ field: 'reset', message: 'must be true, alone' }, ...unexpected];
      return { detail: 'Send either {"advanceSeconds": n} or {"reset": true}.', errors };
    }
    return { reset: true };
  }
  if (typeof advanceSeconds !== 'number' || !Number.isFinite(advanceSeconds) || advanceSeconds < 0 || unexpected.length) {
    const errors =
      typeof advanceSeconds === 'number' && Number.isFinite(advanceSeconds) && advanceSeconds >= 0
        ? unexpected
        : [{ field: 'advanceSeconds', message: 'must be a non-negative number' }, ...unexpected];
    return { detail: 'advanceSeconds must be a non-negative number, or send {"reset": true}.', errors };
  }
  return { advanceSeconds };
}
