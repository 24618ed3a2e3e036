/**
 * Typed domain errors. Services throw these; one error handler (api/error-handler.ts) maps them
 * to `{ error: { code, message, details? } }` with the status below. Anything that is not an
 * AppError is a 500 with an error id.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 422 | 429 | 503;

export abstract class AppError extends Error {
  abstract readonly status: ErrorStatus;
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends AppError {
  readonly status = 400;
  readonly code = 'VALIDATION_FAILED';
}

export class Unauthorized extends AppError {
  readonly status = 401;
  constructor(
    readonly code: 'API_KEY_MISSING' | 'API_KEY_INVALID' | 'TICKET_INVALID',
    message: string,
  ) {
    super(message);
  }
}

export class Forbidden extends AppError {
  readonly status = 403;
  constructor(
    message: string,
    readonly code = 'FORBIDDEN',
    details?: unknown,
  ) {
    super(message, details);
  }
}

export class NotFound extends AppError {
  readonly status = 404;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** An upload still coming when it was given up as abandoned (the sweep of staged uploads took it). */
export class UploadTooSlow extends AppError {
  readonly status = 408;
  readonly code = 'UPLOAD_TOO_SLOW';
}

export class Conflict extends AppError {
  readonly status = 409;
  constructor(
    readonly code: string,
    message: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}

/** Refused for now: the error handler sends `retryAfterSeconds` as Retry-After when it is known. */
export class TooManyRequests extends AppError {
  readonly status = 429;
  constructor(
    readonly code: 'AUTH_RATE_LIMITED' | 'WS_LIMIT_REACHED',
    message: string,
    readonly retryAfterSeconds?: number,
    details?: unknown,
  ) {
    super(message, details);
  }
}

export class Unavailable extends AppError {
  readonly status = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
}

export class SessionNotFound extends NotFound {
  constructor(id: string) {
    super('SESSION_NOT_FOUND', `Session "${id}" does not exist.`);
  }
}

export class SessionAlreadyExists extends Conflict {
  constructor(id: string) {
    // Ids are global: the holder may be in another unit, so this says the id is taken and no more.
    super('SESSION_EXISTS', `A session with id "${id}" already exists (session ids are global, across business units); choose another id.`);
  }
}

export class ApiKeyNotFound extends NotFound {
  constructor(id: string) {
    super('API_KEY_NOT_FOUND', `API key "${id}" does not exist.`);
  }
}
