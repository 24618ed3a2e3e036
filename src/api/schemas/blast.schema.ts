import { Type } from 'typebox';
import { REPLY_KINDS } from '../../core/reply.js';
import { BLAST_STATUSES } from '../../core/blast-state.js';
import { FOLLOW_UP_SEGMENTS, RECIPIENT_STATUSES } from '../../core/blast.js';
import { SEGMENT_DESCRIPTIONS } from '../../core/follow-up.js';
import { BusinessUnit, DisplayName, Offset, StringEnum } from './common.schema.js';
import { EncodingLabel } from './list.schema.js';
import { PacingInput } from './session.schema.js';

/** A blast may tighten its sessions' pacing (never loosen it); warm-up belongs to the account. */
const Pacing = Type.Omit(PacingInput, ['warmup'], { additionalProperties: false, description: "Tightens the sessions' pacing for this blast (never loosens it)." });

const SEGMENT_HELP = FOLLOW_UP_SEGMENTS.map((segment) => `${segment}: ${SEGMENT_DESCRIPTIONS[segment]}`).join('; ');

/** What each field of POST /api/blasts means, the same in its JSON body and its multipart form. */
const SAY = {
  sessionId: 'The session (WhatsApp account) to send from (the seed\'s field; the same as sessionIds with one).',
  sessionIds: 'Several sessions to spread the load (at most 20).',
  message: 'The template: {column} variables, {a|b} spintax, {{ }} for literal braces. With media, its caption.',
  listId: 'The recipient list (a ready or importing list of the unit). Or a recipientsFile (multipart), or followUpOf.',
  scheduledAt: 'Start later (ISO 8601, in the future, at most a year ahead).',
  checkNumbers:
    "true: check each number is on WhatsApp first (skipped if not) and send to the address WhatsApp answers with; false: do not. Default: its sessions' default (on for baileys, off for sandbox).",
  typing: 'true: show "typing…" before each message.',
  pacing: "Tightens the sessions' pacing for this blast (never loosens it).",
  phoneColumn: 'With a recipientsFile: the header of the phone column (default: found by its name).',
  defaultCountry: 'With a recipientsFile: the country of numbers written without one (ISO 3166 code).',
  encoding: 'As for POST /api/lists: the encoding of a recipientsFile CSV that is not UTF-8.',
  followUpOf:
    "A follow-up: the recipients are a segment of this earlier blast's (visible to the key; its unit and list columns are the follow-up's). Instead of listId or recipientsFile.",
  segment: `With followUpOf: which of the parent's recipients, as the parent's ledger stands when the follow-up starts. ${SEGMENT_HELP}. Skipped recipients are in none.`,
  after: "With followUpOf: start this long after the parent's end (ISO 8601 duration in W/D/H/M/S, e.g. PT24H, P2D; at most 366 days). Default: at the parent's end. Not with scheduledAt.",
  stopOnReply: 'true: skip (REPLIED) a recipient who replied after this blast was created, to one of its sessions or (a follow-up) to its parent. Any blast.',
} as const;

/** The blast's fields as sent in a JSON body, or as multipart text fields once converted. */
export const BlastFields = Type.Object(
  {
    name: Type.Optional(DisplayName()),
    sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: SAY.sessionId })),
    sessionIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20, description: SAY.sessionIds })),
    message: Type.String({ minLength: 1, maxLength: 65_536, description: SAY.message }),
    listId: Type.Optional(Type.String({ format: 'uuid', description: SAY.listId })),
    scheduledAt: Type.Optional(Type.String({ format: 'date-time', description: SAY.scheduledAt })),
    checkNumbers: Type.Optional(Type.Boolean({ description: SAY.checkNumbers })),
    typing: Type.Optional(Type.Boolean({ description: SAY.typing })),
    pacing: Type.Optional(Pacing),
    phoneColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: SAY.phoneColumn })),
    defaultCountry: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: SAY.defaultCountry })),
    encoding: Type.Optional(EncodingLabel),
    businessUnit: Type.Optional(BusinessUnit),
    followUpOf: Type.Optional(Type.String({ format: 'uuid', description: SAY.followUpOf })),
    segment: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: SAY.segment })),
    after: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: SAY.after })),
    stopOnReply: Type.Optional(Type.Boolean({ description: SAY.stopOnReply })),
  },
  { additionalProperties: false },
);

/** For the OpenAPI document only: the multipart form. */
export const BlastUploadBody = Type.Object({
  sessionId: Type.Optional(Type.String({ description: SAY.sessionId })),
  sessionIds: Type.Optional(Type.String({ description: `${SAY.sessionIds} Comma-separated, a JSON array, or the field repeated.` })),
  message: Type.String({ description: SAY.message }),
  recipientsFile: Type.Optional(Type.String({ format: 'binary', description: '.xlsx or .csv, imported like POST /api/lists. Or give listId.' })),
  listId: Type.Optional(Type.String({ format: 'uuid' })),
  media: Type.Optional(Type.String({ format: 'binary', description: 'Image, video or document (type by content), up to MEDIA_MAX_BYTES.' })),
  scheduledAt: Type.Optional(Type.String({ format: 'date-time', description: SAY.scheduledAt })),
  name: Type.Optional(Type.String()),
  checkNumbers: Type.Optional(Type.String({ description: SAY.checkNumbers })),
  typing: Type.Optional(Type.String({ description: SAY.typing })),
  pacing: Type.Optional(Type.String({ description: `JSON: ${SAY.pacing}` })),
  phoneColumn: Type.Optional(Type.String({ description: SAY.phoneColumn })),
  defaultCountry: Type.Optional(Type.String({ description: SAY.defaultCountry })),
  encoding: Type.Optional(Type.String({ description: SAY.encoding })),
  businessUnit: Type.Optional(Type.String()),
  followUpOf: Type.Optional(Type.String({ format: 'uuid', description: SAY.followUpOf })),
  segment: Type.Optional(Type.String({ enum: [...FOLLOW_UP_SEGMENTS], description: SAY.segment })),
  after: Type.Optional(Type.String({ description: SAY.after })),
  stopOnReply: Type.Optional(Type.String({ description: SAY.stopOnReply })),
});

const Figures = {
  total: Type.Integer(),
  sent: Type.Integer({ description: 'Accepted by WhatsApp (delivered and read included).' }),
  failed: Type.Integer(),
  skipped: Type.Integer({ description: 'Suppressed, not on WhatsApp, or cancelled before sending.' }),
  delivered: Type.Integer(),
  read: Type.Integer(),
  replied: Type.Integer({ description: 'Recipients with at least one reply attributed to this blast (from the session that messaged them, within REPLY_ATTRIBUTION_HOURS).' }),
  replyRate: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
    description: 'replied ÷ sent, rounded to four places (0.25 = a quarter of those sent replied); null while nothing was sent.',
  }),
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
    stopOnReply: Type.Boolean({ description: 'Recipients who replied after the blast was created are skipped (REPLIED).' }),
    followUp: Type.Union(
      [
        Type.Object({
          of: Type.String({ description: 'The parent blast.' }),
          segment: StringEnum(FOLLOW_UP_SEGMENTS),
          after: Type.Union([Type.String(), Type.Null()], { description: "ISO 8601 duration after the parent's end; null: at its end." }),
          waitingForParent: Type.Boolean({ description: 'Status scheduled, and the parent has not ended: scheduledAt is null until it does.' }),
        }),
        Type.Null(),
      ],
      { description: "A follow-up: its recipients are the parent's segment, taken at its start (scheduledAt, known once the parent has ended)." },
    ),
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
  repliedAt: Type.Union([Type.String(), Type.Null()], { description: "When the recipient's first reply to this blast was received; null: no reply." }),
  replyText: Type.Union([Type.String(), Type.Null()], {
    description: 'The first reply\'s text or caption (at most 4,096 characters); null when none or when it was media without a caption.',
  }),
  vars: Type.Record(Type.String(), Type.String(), { description: "The recipient's list columns by key (the list's `columns` name them); empty when the list is gone." }),
});

export const ReportQuery = Type.Object(
  {
    timeZone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        default: 'UTC',
        description: 'The IANA time zone of the times (Europe/Paris, Asia/Jakarta); the time columns\' headers name it. Unknown: 400 INVALID_TIME_ZONE.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BlastReplyItem = Type.Object({
  seq: Type.Integer({ description: "The recipient's seq in the list." }),
  rowNumber: Type.Union([Type.Integer(), Type.Null()], { description: 'The row in the uploaded sheet.' }),
  phone: Type.String({ description: 'E.164' }),
  vars: Type.Record(Type.String(), Type.String(), { description: "The recipient's list columns and values." }),
  sessionId: Type.String({ description: 'The session that received the reply (and had sent the message).' }),
  messageId: Type.String({ description: "WhatsApp's id for the reply (one longer than 128 characters is shown as h: and its SHA-256)." }),
  kind: StringEnum(REPLY_KINDS),
  text: Type.Union([Type.String(), Type.Null()], { description: 'The text or caption (at most 4,096 characters); null when none.' }),
  receivedAt: Type.String({ format: 'date-time' }),
  optOut: Type.Boolean({ description: 'An opt-out keyword: the number was put on the unit\'s opt-out list.' }),
});

export const BlastSegments = Type.Object({
  blastId: Type.String(),
  status: StringEnum(BLAST_STATUSES),
  segments: Type.Object(
    Object.fromEntries(FOLLOW_UP_SEGMENTS.map((segment) => [segment, Type.Integer({ description: SEGMENT_DESCRIPTIONS[segment] })])) as Record<
      (typeof FOLLOW_UP_SEGMENTS)[number],
      ReturnType<typeof Type.Integer>
    >,
  ),
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
