/**
 * Typed domain errors. The HTTP layer maps them with `instanceof` (one mapper); messages never carry
 * a personal value, because they end up in responses and logs.
 */
export interface FieldError {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A field name the client chose (an unexpected key), cut to a length a problem can always carry. */
export function clientField(name: string): string {
  return name.length > 60 ? `${name.slice(0, 59)}…` : name;
}

/** "a, b and 3 more": a problem's detail names the first few fields, never as many as a request can hold. */
export function fieldList(fields: Iterable<string>, shown = 10): string {
  const unique = [...new Set(fields)];
  const head = unique.slice(0, shown).join(', ');
  return unique.length > shown ? `${head} and ${unique.length - shown} more` : head;
}

export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly errors: FieldError[],
    readonly code: string = 'validation_failed',
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
  constructor(message = 'A valid bearer token is required.') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  constructor(
    message: string,
    readonly code: string = 'conflict',
  ) {
    super(message);
  }
}

export class ConsentRequiredError extends ConflictError {
  constructor(purpose: string) {
    super(`Active ${purpose} consent is required.`, 'consent_required');
  }
}

export class IdempotencyMismatchError extends DomainError {
  readonly code = 'idempotency_key_reused';
  constructor() {
    super('This Idempotency-Key was already used with a different request body.');
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A dependency (DynamoDB, KMS, Scheduler, a notifier) failed or throttled: retry later. */
export class DependencyUnavailableError extends DomainError {
  readonly code = 'dependency_unavailable';
  constructor(
    readonly dependency: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} is unavailable; nothing was changed. Retry later.`);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** A conditional write lost: the row exists, does not exist, or changed meanwhile. */
export class ConditionFailedError extends DomainError {
  readonly code = 'concurrent_update';
  constructor(message = 'The record changed meanwhile; read it again and retry.') {
    super(message);
  }
}

/** Decryption refused: wrong key, tampered ciphertext, or a ciphertext moved from another row. */
export class IntegrityError extends DomainError {
  readonly code = 'integrity_failure';
}

/**
 * A stored item does not match its record type: a bug or a foreign write, never user input. Not a
 * DomainError: it maps to 500 and an alarm, and names attributes only (values may be personal).
 */
export class CorruptRecordError extends Error {
  constructor(table: string, detail: string) {
    super(`${table}: stored item does not match its record type (${detail})`);
    this.name = 'CorruptRecordError';
  }
}

/**
 * The message can never be delivered to this contact (an address refused, a number that is not one):
 * retrying is useless until the contact changes. A Notifier throws it only for the recipient's fault,
 * never for a sender-side problem (identity, permissions, quota), which is not the customer's.
 */
export class PermanentDeliveryError extends DomainError {
  readonly code = 'delivery_rejected';
  constructor(
    readonly channel: 'email' | 'sms',
    /** The provider's error name (never its message: that quotes the address). */
    readonly reason: string,
  ) {
    super(`The ${channel} could not be delivered to this contact (${reason}).`);
  }
}
