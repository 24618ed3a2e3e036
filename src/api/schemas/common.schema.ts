import { Type, type TSchema, type TUnsafe } from 'typebox';
import { DISPLAY_NAME_PATTERN, UNIT_NAME_PATTERN } from '../../core/display-name.js';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable, stable error code.' }),
      message: Type.String({ description: 'For people; may change.' }),
      details: Type.Optional(Type.Unknown()),
      errorId: Type.Optional(Type.String({ description: 'Quote it when reporting a 500; it is in the logs.' })),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error has this shape.' },
);

const errorRef = (description: string): TSchema => Type.Unsafe({ $ref: 'ErrorResponse#', description });

/** The error responses a route can give, for its schema (and so for OpenAPI). */
export const errors = {
  400: errorRef('VALIDATION_FAILED (with details listing each field) or another bad-request code.'),
  401: errorRef('API_KEY_MISSING or API_KEY_INVALID.'),
  403: errorRef('ADMIN_REQUIRED or BUSINESS_UNIT_FORBIDDEN.'),
  404: errorRef('The resource does not exist or is not visible to this key.'),
  409: errorRef('Conflicts with an existing resource.'),
  429: errorRef('RATE_LIMITED, AUTH_RATE_LIMITED or WS_LIMIT_REACHED; Retry-After says when to try again, when known.'),
} as const;

export function errorResponses<const S extends keyof typeof errors>(...statuses: S[]): Pick<typeof errors, S> {
  const picked: Partial<typeof errors> = {};
  for (const status of statuses) Object.assign(picked, { [status]: errors[status] });
  return picked as Pick<typeof errors, S>;
}

/** Where a page starts: bounded like every number the API takes (no list or ledger is longer; past a database's integers it was a 500). */
export const Offset = Type.Integer({ minimum: 0, maximum: 100_000_000, default: 0 });

export const BusinessUnit = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: UNIT_NAME_PATTERN,
  description:
    'Business unit (team) that owns the resource, e.g. "Marketing". Normalised (Unicode NFC, trimmed); visible text only: ' +
    'no control, format (zero-width, bidi), variation-selector or special-space characters. Any spelling of a unit\'s name ' +
    '(case, spacing) means that unit, and answers show its canonical name. A name no unit has: added when an admin key creates ' +
    'a resource with it; 422 UNIT_UNKNOWN (details.known lists the units) from other keys that see every unit, or under UNITS_STRICT.',
});

/** A name people read (a session's friendlyName, a list's, a key's, a blast's): normalised, visible text. */
export const DisplayName = (options: { description?: string } = {}) =>
  Type.String({
    minLength: 1,
    maxLength: 200,
    pattern: DISPLAY_NAME_PATTERN,
    ...options,
    description: `${options.description ?? 'A name.'} Normalised (Unicode NFC, trimmed); no control, zero-width or bidi characters.`,
  });

/** A string from a fixed set, as a plain JSON-schema `enum` (one clear error, one OpenAPI enum). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { default?: T[number]; description?: string } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
