import { Type } from 'typebox';
import { createBlastEstimateService } from '../../blasts/blast-estimate.service.js';
import type { ListService } from '../../lists/list.service.js';
import type { SessionConfigService } from '../../sessions/session-config.service.js';
import type { SessionControlService } from '../../sessions/session-control.service.js';
import { SESSION_STATUSES } from '../../events/event-catalogue.js';
import type { ApiServer } from '../server-types.js';
import { BlastFields } from '../schemas/blast.schema.js';
import { errorResponses, StringEnum } from '../schemas/common.schema.js';
import { Pacing } from '../schemas/session.schema.js';

const Window = Type.Object({ startHour: Type.Integer(), endHour: Type.Integer(), timezone: Type.String() });

const EffectivePacing = Type.Object(
  {
    ...Pacing.properties,
    alsoWindow: Type.Optional(Type.Object(Window.properties, { description: "The blast's own window, when both it and the session set one: both hold." })),
  },
  { description: "The session's pacing tightened by the blast's override: what the blast is sent with." },
);

const EstimateBody = Type.Object(
  {
    sessionIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 20 }),
    recipients: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'How many recipients; or give listId.' })),
    listId: Type.Optional(Type.String({ format: 'uuid', description: "Count the list's valid rows." })),
    pacing: Type.Optional(BlastFields.properties.pacing),
    typing: Type.Optional(Type.Boolean({ description: 'The blast\'s typing flag (as in POST /api/blasts).' })),
    messageLength: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_536, description: 'Characters of a message, for the typing time (default 120).' })),
    scheduledAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'Start later: the windows and warm-up are reckoned from then. At most a year ahead; up to a day past counts as now.' }),
    ),
  },
  { additionalProperties: false },
);

const SessionEstimate = Type.Object({
  sessionId: Type.String(),
  friendlyName: Type.String(),
  status: StringEnum(SESSION_STATUSES),
  linked: Type.Boolean({ description: 'A WhatsApp account was linked (POST /api/blasts refuses a session without one).' }),
  pacing: EffectivePacing,
  perMessageMs: Type.Integer({ description: 'Mean time per message: the delay drawn in [minDelayMs, maxDelayMs], or typing when longer.' }),
  burstPerHour: Type.Number({ description: 'Messages per hour while sending: delays, typing and the hourly cap.' }),
  perDay: Type.Integer({ description: 'Messages per day: the burst rate over the open hours, within the daily cap.' }),
  ratePerHour: Type.Number({ description: 'Messages per hour kept up all day (perDay / 24): delays, typing, both caps, warm-up and the window.' }),
  dailyCapToday: Type.Integer({ description: 'The daily cap on the first day, warm-up included.' }),
  openHoursPerDay: Type.Number({ description: 'Hours a day the sending window(s) are open.' }),
  health: Type.Union(
    [
      Type.Object({
        score: Type.Integer(),
        band: Type.String(),
        slowdown: Type.Integer({ description: 'Its band multiplies its delays and divides its hourly cap by this (already in `pacing`).' }),
        newContactsLeft: Type.Union([Type.Integer(), Type.Null()], { description: 'New chats it may still open today (caps its daily figure); null: no such budget.' }),
      }),
      Type.Null(),
    ],
    { description: "The session's health (GET /api/sessions/:id/health): a stopped session, or one held to existing chats, sends none of a blast's new recipients." },
  ),
});

const EstimateResponse = Type.Object({
  recipients: Type.Union([Type.Integer(), Type.Null()], { description: 'Null when neither recipients nor listId was given.' }),
  startsAt: Type.String({ format: 'date-time' }),
  sessions: Type.Array(SessionEstimate),
  burstPerHour: Type.Number(),
  perDay: Type.Integer(),
  ratePerHour: Type.Number({ description: 'The sum over the sessions.' }),
  estimatedSeconds: Type.Union([Type.Integer(), Type.Null()], {
    description:
      'Time to send every recipient, across days when caps or windows stop it; null when the recipients are unknown, the windows never open, or it would take over a hundred years.',
  }),
  finishesAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** POST /api/blasts/estimate: the effective pacing and the duration of a blast, before it is created. */
export function blastEstimateRoutes(deps: { sessions: SessionConfigService; control: SessionControlService; lists: ListService }) {
  const estimates = createBlastEstimateService(deps);
  return function register(app: ApiServer): void {
    app.post(
      '/blasts/estimate',
      {
        schema: {
          tags: ['Blasts'],
          summary: "A blast's effective pacing per session and its estimated duration, before creating it",
          description:
            'The sessions (as for POST /api/blasts), the recipients (a number, or listId for its valid rows) and the blast\'s pacing override, ' +
            'which only tightens. Reckons the delays, typing, hourly and daily caps (with warm-up) and sending windows, across days when it runs long; ' +
            'the sessions share the recipients. Errors: 404 SESSION_NOT_FOUND / LIST_NOT_FOUND, 400 VALIDATION_FAILED / SCHEDULE_TOO_FAR / SCHEDULE_IN_PAST.',
          body: EstimateBody,
          response: { 200: EstimateResponse, ...errorResponses(400, 401, 404) },
        },
      },
      (request) => estimates.estimate(request.principal, request.body),
    );
  };
}
