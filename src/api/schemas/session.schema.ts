import { Type, type TSchema } from 'typebox';
import { HEALTH_BANDS } from '../../core/health.js';
import { NEW_CHAT_CAP_STATES } from '../../core/new-chat-cap.js';
import { CAPPING_LIMITS, SANDBOX_NEW_CHAT_QUOTA } from '../../core/sandbox-signal.js';
import { SANDBOX_LIMITS, SANDBOX_LIST_LIMITS, SANDBOX_PHONE_PATTERN } from '../../core/sandbox-config.js';
import { PROVIDERS } from '../../core/session-config.js';
import { SESSION_STATUSES } from '../../events/event-catalogue.js';
import { SESSION_ID_PATTERN } from '../../core/session-id.js';
import { BusinessUnit, DisplayName, StringEnum } from './common.schema.js';

export const SessionId = Type.String({
  pattern: SESSION_ID_PATTERN,
  description: 'Slug: lower-case letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters.',
  examples: ['marketing-promo'],
});

const Hour = Type.Integer({ minimum: 0, maximum: 23 });

export const PacingInput = Type.Object(
  {
    minDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    hourlyCap: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    dailyCap: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    window: Type.Optional(
      Type.Object(
        {
          startHour: Hour,
          endHour: Hour,
          timezone: Type.String({ minLength: 1, maxLength: 64, examples: ['Asia/Jakarta'] }),
        },
        { additionalProperties: false, description: 'Send only between startHour (inclusive) and endHour (exclusive).' },
      ),
    ),
    warmup: Type.Optional(
      Type.Object(
        {
          initialDailyCap: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
          dailyIncrease: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
        },
        { additionalProperties: false, description: 'Daily cap for a newly linked number, growing each day.' },
      ),
    ),
    typing: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean(),
          msPerChar: Type.Integer({ minimum: 0, maximum: 1_000 }),
          maxMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
        },
        { additionalProperties: false, description: 'Show "typing…" before each message.' },
      ),
    ),
    newContacts: Type.Optional(
      StringEnum(['warmup', 'off'], {
        description:
          'How many messages that open a new chat (to someone who never wrote to the account) it may send per rolling day: `warmup` follows the ' +
          'warm-up curve by the days it has been healthy, shared by its health band (README: "Account health"); `off`: no such budget. ' +
          'Default: `warmup` for WhatsApp (baileys), `off` for the sandbox.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Sending policy. Omitted fields keep their current (or safe default) values.',
  },
);

/** For a session's own policy: `window: null` or `warmup: null` removes that rule. */
export const SessionPacingInput = Type.Object(
  {
    ...PacingInput.properties,
    window: Type.Optional(Type.Union([PacingInput.properties.window, Type.Null()])),
    warmup: Type.Optional(Type.Union([PacingInput.properties.warmup, Type.Null()])),
  },
  {
    additionalProperties: false,
    description: 'Sending policy. Omitted fields keep their current (or safe default) values; window or warmup null removes that rule.',
  },
);

export const Pacing = Type.Object({
  minDelayMs: Type.Integer(),
  maxDelayMs: Type.Integer(),
  hourlyCap: Type.Integer(),
  dailyCap: Type.Integer(),
  window: Type.Optional(Type.Object({ startHour: Type.Integer(), endHour: Type.Integer(), timezone: Type.String() })),
  warmup: Type.Optional(Type.Object({ initialDailyCap: Type.Integer(), dailyIncrease: Type.Integer() })),
  typing: Type.Optional(Type.Object({ enabled: Type.Boolean(), msPerChar: Type.Integer(), maxMs: Type.Integer() })),
  newContacts: Type.Optional(StringEnum(['warmup', 'off'])),
});

const limited = (field: keyof typeof SANDBOX_LIMITS, description: string) => {
  const { min, max, integer } = SANDBOX_LIMITS[field];
  return integer ? Type.Integer({ minimum: min, maximum: max, description }) : Type.Number({ minimum: min, maximum: max, description });
};
/**
 * A bounded integer or null, as one schema: in a union, the app's type coercion would turn null
 * into 0 (the integer branch) or 0 into null (a null branch first). `nullable` is OpenAPI 3.0's.
 */
const nullable = (schema: TSchema) => Type.Unsafe<number | null>({ ...schema, nullable: true });
const { suffixes, numbers } = SANDBOX_LIST_LIMITS;

/** Every sandbox setting, bounded (core/sandbox-config.ts says why); omitted ones take their defaults. */
const SandboxSettings = Type.Object(
  {
    seed: Type.Optional(limited('seed', 'Draws every random choice; default: from the session id.')),
    linkMode: Type.Optional(StringEnum(['scan', 'auto'] as const, { description: 'scan (default): wait for POST …/sandbox/scan; auto: link after autoLinkMs.' })),
    autoLinkMs: Type.Optional(limited('autoLinkMs', 'Default 1000.')),
    qrRotateMs: Type.Optional(limited('qrRotateMs', 'A new QR code this often while waiting for a scan; default 20000.')),
    sendLatencyMs: Type.Optional(limited('sendLatencyMs', 'Time the simulated server takes to accept a message; default 0.')),
    deliveryDelayMs: Type.Optional(nullable(limited('deliveryDelayMs', 'Acceptance to delivered receipt; null: never delivered. Default 200.'))),
    readDelayMs: Type.Optional(nullable(limited('readDelayMs', 'Delivered to read receipt; null: never read. Default 1000.'))),
    notOnWhatsApp: Type.Optional(
      Type.Object(
        {
          suffixes: Type.Optional(Type.Array(Type.String({ pattern: suffixes.pattern }), { maxItems: suffixes.maxItems, description: 'Numbers ending so are not on WhatsApp.' })),
          numbers: Type.Optional(Type.Array(Type.String({ pattern: numbers.pattern }), { maxItems: numbers.maxItems, description: 'E.164 numbers not on WhatsApp.' })),
        },
        { additionalProperties: false },
      ),
    ),
    transientFailureRate: Type.Optional(limited('transientFailureRate', 'Share of send attempts failing with a transient error; default 0.')),
    restrictAfterSends: Type.Optional(nullable(limited('restrictAfterSends', 'The account is restricted after this many accepted messages; null (default): never.'))),
    phone: Type.Optional(Type.String({ pattern: SANDBOX_PHONE_PATTERN, description: 'The simulated account\'s own number; default: from the session id.' })),
  },
  { additionalProperties: false, description: 'Simulation settings for provider "sandbox"; on PATCH they replace the stored ones.' },
);

const CHECK_NUMBERS =
  "Check each number is on WhatsApp before sending to it (answers kept per business unit: NUMBER_CHECK_TTL_HOURS), and send to the address WhatsApp answers with. The default of this session's blasts; false turns checks off for all of them. Default: true for baileys, false for sandbox.";

export const SessionConfigBody = Type.Object(
  {
    id: SessionId,
    friendlyName: DisplayName(),
    businessUnit: Type.Optional(BusinessUnit),
    provider: Type.Optional(StringEnum(PROVIDERS, { default: 'baileys' })),
    checkNumbers: Type.Optional(Type.Boolean({ description: CHECK_NUMBERS })),
    pacing: Type.Optional(SessionPacingInput),
    sandbox: Type.Optional(SandboxSettings),
  },
  { additionalProperties: false },
);

export const SessionConfigPatchBody = Type.Object(
  {
    friendlyName: Type.Optional(DisplayName()),
    businessUnit: Type.Optional(BusinessUnit),
    // One schema, not a union: in a union, the app's type coercion would turn null into false.
    checkNumbers: Type.Optional(Type.Unsafe<boolean | null>({ type: 'boolean', nullable: true, description: `${CHECK_NUMBERS} null: back to the default.` })),
    pacing: Type.Optional(SessionPacingInput),
    sandbox: Type.Optional(SandboxSettings),
  },
  { additionalProperties: false, minProperties: 1 },
);

const LiveFields = {
  status: StringEnum(SESSION_STATUSES, { description: 'Live status, as the owning worker reports it.' }),
  statusReason: Type.Union([Type.String(), Type.Null()], { description: 'Why, e.g. a disconnect reason.' }),
  owner: Type.Union([Type.String(), Type.Null()], { description: 'The worker holding the session now.' }),
  linkedPhone: Type.Union([Type.String(), Type.Null()]),
  linkedName: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  statusAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  desiredState: StringEnum(['connected', 'disconnected'] as const, {
    description: 'What the workers keep it at: connected after /connect until /disconnect, /logout or a terminal failure.',
  }),
};

export const SessionLiveResponse = Type.Object(LiveFields);

const NewChatCap = Type.Union(
  [
    Type.Object({
      state: StringEnum(NEW_CHAT_CAP_STATES, { description: 'NONE, FIRST_WARNING, SECOND_WARNING or CAPPED (WhatsApp\'s capping_status).' }),
      quota: Type.Union([Type.Integer(), Type.Null()], { description: 'Messages to new chats allowed in the cycle.' }),
      used: Type.Union([Type.Integer(), Type.Null()], { description: 'How many of them are used.' }),
      resetsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the cycle ends and the quota resets; a CAPPED session sends no blast message before.' }),
      slowUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'After a warning, the session sends at half its hourly cap until then.' }),
    }),
    Type.Null(),
  ],
  { description: 'WhatsApp\'s cap on messages that start new chats, as last read (at connect, before a blast, or when WhatsApp announces a change); null until read.' },
);

const Band = StringEnum(HEALTH_BANDS, { description: 'healthy (as configured), watch (delays ×2, hourly cap halved), at_risk (×4, existing chats only), stop (paused on every blast until an operator resumes one).' });

export const HealthSummary = Type.Object(
  {
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    band: Band,
    bandSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    assessedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: never assessed yet (score 100, healthy).' }),
  },
  { description: "The account's health as last assessed (GET /api/sessions/:id/health for its reasons)." },
);

const HealthReasonSchema = Type.Object({
  code: Type.String({ description: 'e.g. ACK_ERROR_479, OPT_OUT_RATE, NEW_CHAT_CAP_FIRST_WARNING, TIMELOCK, REPLIES (points given back).' }),
  points: Type.Number({ description: 'Points taken off the score (negative: given back).' }),
  figure: Type.Number({ description: 'The count, or the rate (0–1), behind it.' }),
  detail: Type.String(),
});

export const SessionHealthResponse = Type.Object({
  sessionId: Type.String(),
  ...HealthSummary.properties,
  reasons: Type.Array(HealthReasonSchema, { description: 'Worst first.' }),
  acknowledged: Type.Union([Type.Object({ score: Type.Integer(), at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }), Type.Null()], {
    description: 'An operator resumed a blast of the stopped session: it sends at the at-risk pace (half its new chats) until its score drops below this.',
  }),
  enforcement: Type.Object({
    pace: Band,
    slowdown: Type.Integer({ description: 'Delays multiplied and hourly cap divided by this.' }),
    paused: Type.Boolean(),
    existingChatsOnly: Type.Boolean({ description: 'No message may open a new chat now (its band, or its new-chat budget spent).' }),
    minDelayMs: Type.Integer(),
    maxDelayMs: Type.Integer(),
    hourlyCap: Type.Integer(),
    dailyCap: Type.Integer(),
  }),
  newContacts: Type.Union([Type.Object({ budget: Type.Integer(), used: Type.Integer(), left: Type.Integer(), healthyDays: Type.Integer() }), Type.Null()], {
    description: 'Messages that open a new chat over the last 24 hours against the warm-up budget; null when the session has none (pacing.newContacts "off").',
  }),
  newChatCap: NewChatCap,
  restriction: Type.Union([Type.Object({ reason: Type.String(), code: Type.Union([Type.String(), Type.Null()]), until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }), Type.Null()]),
  model: Type.Object({
    windowHours: Type.Integer(),
    bands: Type.Object({ healthy: Type.Integer(), watch: Type.Integer(), atRisk: Type.Integer() }, { description: 'The lowest score of each band; below atRisk: stop.' }),
  }),
});

export const SessionConfigResponse = Type.Object(
  {
    ...LiveFields,
    id: Type.String(),
    friendlyName: Type.String(),
    businessUnit: Type.String(),
    provider: Type.String(),
    checkNumbers: Type.Boolean({ description: 'Whether blasts from this session check numbers unless they say otherwise (its setting, or its provider\'s default).' }),
    pacing: Pacing,
    sandbox: Type.Union([SandboxSettings, Type.Null()]),
    linkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the WhatsApp account was linked (its credentials are kept while it is: it connects again without a scan); null when not linked, or after a log-out.',
    }),
    newChatCap: NewChatCap,
    restriction: Type.Union(
      [
        Type.Object({
          reason: Type.String({ description: 'e.g. reachout_timelock (an ack with error 463, or WhatsApp\'s reach-out time-lock), temporarily_banned (402).' }),
          code: Type.Union([Type.String(), Type.Null()], { description: 'WhatsApp\'s code, e.g. "463".' }),
          until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When it ends and the session sends again by itself; null: when an operator resumes.' }),
        }),
        Type.Null(),
      ],
      { description: 'A restriction WhatsApp put on the account: the session sends nothing (on any blast) until it ends or an operator resumes a blast of it.' },
    ),
    health: HealthSummary,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Session' },
);

/** POST /api/sessions/:id/sandbox/signal (core/sandbox-signal.ts says what each kind simulates). */
export const SandboxSignalBody = Type.Union([
  Type.Object(
    { kind: Type.Literal('ack_error'), code: Type.String({ pattern: '^[0-9]{3}$', description: 'The error code of the ack, e.g. "463" or "479".' }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('capping'),
      state: StringEnum(['FIRST_WARNING', 'SECOND_WARNING', 'CAPPED'] as const),
      quota: Type.Optional(Type.Integer({ minimum: 0, maximum: CAPPING_LIMITS.maxCount, description: `Messages to new chats allowed in the cycle; default ${SANDBOX_NEW_CHAT_QUOTA} (or the last one signalled).` })),
      used: Type.Optional(Type.Integer({ minimum: 0, maximum: CAPPING_LIMITS.maxCount, description: 'How many are used; default 80% of the quota for FIRST_WARNING, 90% for SECOND_WARNING, all of it for CAPPED.' })),
      resetsAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'When the cycle ends and the quota resets (at most 31 days ahead); default a day from now.' })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('timelock'), until: Type.String({ format: 'date-time', maxLength: 40 }) }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('disconnect'), code: Type.Integer({ minimum: 400, maximum: 599, description: 'A baileys DisconnectReason, e.g. 402, 403, 405, 440.' }) },
    { additionalProperties: false },
  ),
]);
