/** Errors that only the HTTP layer can raise (media type, method); the domain never sees a request. */
import { DomainError } from '../core/shared/errors';

/** A request body that is not `application/json`: refused before anything is parsed or done. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'unsupported_media_type';
  constructor() {
    super('Send the request body as application/json.');
  }
}

/** The path exists, the method does not: the answer names the methods that do. */
export class MethodNotAllowedError extends DomainError {
  readonly code = 'method_not_allowed';
  constructor(readonly allowed: readonly string[]) {
    super(`Use ${allowed.join(', ')}.`);
  }
}
