import { Type } from 'typebox';
import { API_KEY_ROLES } from '../../core/api-key.js';
import { BusinessUnit, DisplayName, StringEnum } from './common.schema.js';

export const ApiKeyBody = Type.Object(
  {
    name: DisplayName({ description: 'Who or what uses the key, e.g. "marketing frontend".' }),
    role: Type.Optional(
      StringEnum(API_KEY_ROLES, {
        default: 'operator',
        description: 'admin keys may also manage keys; operator keys may not.',
      }),
    ),
    businessUnit: Type.Optional(BusinessUnit),
  },
  { additionalProperties: false },
);

export const ApiKeyResponse = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the secret, to tell keys apart.' }),
    role: Type.String(),
    businessUnit: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ApiKey' },
);

export const CreatedApiKeyResponse = Type.Object({
  key: Type.Unsafe({ $ref: 'ApiKey#' }),
  secret: Type.String({ description: 'Shown once, now. Store it: only its hash is kept.' }),
});
