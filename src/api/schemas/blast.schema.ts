import { Type } from 'typebox';
import { BLAST_STATUSES } from '../../core/blast-state.js';
import { RECIPIENT_STATUSES } from '../../core/blast.js';
import { BusinessUnit, DisplayName, Offset, StringEnum } from './common.schema.js';
import { EncodingLabel } from './list.schema.js';
import { PacingInput } from './session.schema.js';

/** A blast may tighten its sessions' pacing (never loosen it); warm-up belongs to the account. */
const Pacing = Type.Omit(PacingInput, ['warmup'], { additionalProperties: false, description: "Tightens the sessions' pacing for this blast (never loosens it)." });

/** The blast's fields as sent in a JSON body, or as multipart text fields once converted. */
export const BlastFields = Type.Object(
  {
    name: Type.Optional(DisplayName()),
    sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    sessionIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20 })),
    message: Type.String({ minLength: 1, maxLength: 65_536 }),
    listId: Type.Optional(Type.String({ format: 'uuid' })),
    scheduledAt: Type.Optional(Type.String({ format: 'date-time' })),
    checkNumbers: Type.Optional(Type.Boolean()),
    typing: Type.Optional(Type.Boolean()),
    pacing: Type.Optional(Pacing),
    phoneColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })),
    encoding: Type.Optional(EncodingLabel),
    businessUnit: Type.Optional(BusinessUnit),
  },
  { additionalProperties: false },
);

/** For the OpenAPI document only: the multipart form. */
export const BlastUploadBody = Type.Object({
  sessionId: Type.Optional(Type.String({ description: 'The session (WhatsApp account) to send from.' })),
  sessionIds: Type.Optional(Type.String({ description: 'Several sessions to spread the load: comma-separated, a JSON array, or the field repeated.' })),
  message: Type.String({ description: 'The template: {column} variables, {a|b} spintax, {{ }} for literal braces. With media, its caption.' }),
  recipientsFile: Type.Optional(Type.String({ format: 'binary', description: '.xlsx or .csv, imported like POST /api/lists. Or give listId.' })),
  listId: Type.Optional(Type.String({ format: 'uuid' })),
  media: Type.Optional(Type.String({ format: 'binary', description: 'Image, video or document (type by content), up to MEDIA_MAX_BYTES.' })),
  scheduledAt: Type.Optional(Type.String({ format: 'date-time', description: 'Start later (ISO 8601, in the future, at most a year ahead).' })),
  name: Type.Optional(Type.String()),
  checkNumbers: Type.Optional(Type.String({ description: 'true: check each number is on WhatsApp first (skipped if not) and send to the address WhatsApp answers with; false: do not. Default: its sessions\' default (on for baileys, off for sandbox).' })),
  typing: Type.Optional(Type.String({ description: 'true: show "typing…" before each message.' })),
  pacing: Type.Optional(Type.String({ description: 'JSON: a tighter pacing for this blast.' })),
  phoneColumn: Type.Optional(Type.String()),
  defaultCountry: Type.Optional(Type.String()),
  encoding: Type.Optional(Type.String({ description: 'As for POST /api/lists: the encoding of a recipientsFile CSV that is not UTF-8.' })),
  businessUnit: Type.Optional(Type.String()),
});

const Figures = {
  total: Type.Integer(),
  sent: Type.Integer({ description: 'Accepted by WhatsApp (delivered and read included).' }),
  failed: Type.Integer(),
  skipped: Type.Integer({ description: 'Suppressed, not on WhatsApp, or cancelled before sending.' }),
  delivered: Type.Integer(),
  read: Type.Integer(),
  pending: Type.Integer(),
  ratePerMinute: Type.Union([Type.Number(), Type.Null()]),
  eta: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};

export const BlastResponse = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    businessUnit: Type.String(),
    status: StringEnum(BLAST_STATUSES),
    listId: Type.String(),
    message: Type.String(),
    media: Type.Union([Type.Object({ kind: Type.String(), mimetype: Type.String(), fileName: Type.Union([Type.String(), Type.Null()]), sha256: Type.String() }), Type.Null()]),
    sessions: Type.Array(Type.Object({ sessionId: Type.String(), pausedReason: Type.Union([Type.String(), Type.Null()]) })),
    checkNumbers: Type.Boolean(),
    typing: Type.Boolean(),
    pacing: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    scheduledAt: Type.Union([Type.String(), Type.Null()]),
    startedAt: Type.Union([Type.String(), Type.Null()]),
    completedAt: Type.Union([Type.String(), Type.Null()]),
    pause: Type.Union([Type.Object({ reason: Type.String(), detail: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }), Type.Null()]),
    ...Figures,
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Blast' },
);

export const BlastRecipientItem = Type.Object({
  seq: Type.Integer(),
  rowNumber: Type.Union([Type.Integer(), Type.Null()], { description: 'The row in the uploaded sheet.' }),
  phone: Type.String(),
  status: StringEnum(RECIPIENT_STATUSES),
  reason: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.String(), Type.Null()]),
  messageId: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  sentAt: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  readAt: Type.Union([Type.String(), Type.Null()]),
});

export const BlastQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 100 }),
    offset: Offset,
    status: Type.Optional(StringEnum(BLAST_STATUSES)),
    sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    businessUnit: Type.Optional(BusinessUnit),
  },
  { additionalProperties: false },
);
