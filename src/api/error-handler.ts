import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DISPLAY_NAME_PATTERN, INVISIBLE_NAME_MESSAGE, UNIT_NAME_PATTERN } from '../core/display-name.js';
import { TemplateError } from '../core/template.js';
import { AppError, TooManyRequests } from '../errors/app-error.js';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown; errorId?: string };
}

/** Fastify's own 4xx errors, given stable codes of ours. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: 'BAD_REQUEST',
  FST_ERR_BAD_URL: 'BAD_URL',
  FST_REQ_FILE_TOO_LARGE: 'UPLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'TOO_MANY_FILES',
  FST_FIELDS_LIMIT: 'TOO_MANY_FIELDS',
  FST_PARTS_LIMIT: 'TOO_MANY_PARTS',
  FST_PROTO_VIOLATION: 'BAD_REQUEST',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_INVALID_JSON_FIELD_ERROR: 'INVALID_JSON',
  FST_MP_PREMATURE_CLOSE: 'REQUEST_ABORTED',
  FST_ERR_ASYNC_CONSTRAINT: 'BAD_REQUEST',
};

/**
 * The one place errors become HTTP. Domain errors carry their status and code; validation
 * errors list every field; Fastify's client errors keep their 4xx; anything else is a 500
 * whose id is logged with the stack and returned, and nothing internal leaks out.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toResponse(error);
  if (status >= 500) {
    request.log.error({ err: error, errorId: body.error.errorId }, 'unhandled error');
  } else {
    request.log.info({ code: body.error.code, status }, 'request refused');
  }
  if (status === 503) reply.header('retry-after', '1');
  if (error instanceof TooManyRequests && error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(status).type('application/json').send(body);
}

export function toResponse(error: FastifyError): { status: number; body: ErrorBody } {
  if (error instanceof TemplateError) {
    return {
      // The template alone is wrong (400), or it does not fit the list it is for (422).
      status: error.code === 'TEMPLATE_SYNTAX' || error.code === 'TEMPLATE_TOO_LONG' ? 400 : 422,
      body: { error: { code: error.code, message: error.message, details: error.details } },
    };
  }
  if (error instanceof AppError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return { status: error.status, body };
  }
  if (error.validation) {
    const where = error.validationContext ?? 'body';
    const details = error.validation.map((issue) => {
      const missing = (issue.params as { missingProperty?: unknown }).missingProperty;
      const extra = (issue.params as { additionalProperty?: unknown }).additionalProperty;
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      const field = [path, typeof missing === 'string' ? missing : '', typeof extra === 'string' ? extra : '']
        .filter(Boolean)
        .join('.');
      const message = typeof extra === 'string' ? 'is not a known field' : isNamePattern(issue.params) ? INVISIBLE_NAME_MESSAGE : (issue.message ?? 'is invalid');
      return { in: where, field: field || where, message };
    });
    return {
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: `The request ${where} is invalid.`, details } },
    };
  }
  if (typeof error.code === 'string' && error.code.startsWith('SQLITE_BUSY')) {
    // Another process held SQLite's write lock past the busy timeout: overloaded, not broken.
    return {
      status: 503,
      body: { error: { code: 'DATABASE_BUSY', message: 'The database is busy; try again in a moment.' } },
    };
  }
  const statusCode = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    const code = FASTIFY_CODES[error.code] ?? (error instanceof SyntaxError ? 'INVALID_JSON' : httpCode(statusCode));
    return { status: statusCode, body: { error: { code, message: error.message } } };
  }
  const errorId = randomUUID();
  return {
    status: 500,
    body: { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.', errorId } },
  };
}

function isNamePattern(params: unknown): boolean {
  const pattern = (params as { pattern?: unknown }).pattern;
  return pattern === UNIT_NAME_PATTERN || pattern === DISPLAY_NAME_PATTERN;
}

function httpCode(status: number): string {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'BAD_REQUEST';
  }
}
