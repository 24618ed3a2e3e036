import { Type } from 'typebox';
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
          initialDailyCap: Type.Integer({ minimum: 1 }),
          dailyIncrease: Type.Integer({ minimum: 0 }),
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
});

const SandboxSettings = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Simulation settings for provider "sandbox".',
});

export const SessionConfigBody = Type.Object(
  {
    id: SessionId,
    friendlyName: DisplayName(),
    businessUnit: Type.Optional(BusinessUnit),
    provider: Type.Optional(StringEnum(PROVIDERS, { default: 'baileys' })),
    pacing: Type.Optional(SessionPacingInput),
    sandbox: Type.Optional(SandboxSettings),
  },
  { additionalProperties: false },
);

export const SessionConfigPatchBody = Type.Object(
  {
    friendlyName: Type.Optional(DisplayName()),
    businessUnit: Type.Optional(BusinessUnit),
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

export const SessionConfigResponse = Type.Object(
  {
    ...LiveFields,
    id: Type.String(),
    friendlyName: Type.String(),
    businessUnit: Type.String(),
    provider: Type.String(),
    pacing: Pacing,
    sandbox: Type.Union([SandboxSettings, Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Session' },
);
