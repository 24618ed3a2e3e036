import { Type } from 'typebox';
import type { SessionConfigService } from '../../sessions/session-config.service.js';
import type { Principal } from '../../auth/principal.js';
import { SANDBOX_BACKLOG_LIMIT, type SessionControlService, type SessionLiveView } from '../../sessions/session-control.service.js';
import { SANDBOX_MESSAGE_ID_PATTERN } from '../../core/sandbox-message-id.js';
import { REPLY_KINDS, REPLY_TEXT_LIMIT } from '../../core/reply.js';
import type { ApiServer } from '../server-types.js';
import { BusinessUnit, errorResponses, Offset } from '../schemas/common.schema.js';
import { SandboxSignalBody, SessionConfigBody, SessionConfigPatchBody, SessionHealthResponse, SessionId, SessionLiveResponse } from '../schemas/session.schema.js';

const SessionRef = Type.Unsafe({ $ref: 'Session#' });
const IdParams = Type.Object({ id: SessionId });
const tags = ['Sessions'];

export function sessionsRoutes(sessions: SessionConfigService, control: SessionControlService) {
  return function register(app: ApiServer): void {
    app.post(
      '/sessions/config',
      {
        schema: {
          tags,
          summary: 'Add a WhatsApp account (session config); no restart needed',
          description:
            'A key limited to a business unit creates sessions in its unit (businessUnit may be omitted) and gets 403 for another unit. ' +
            'Session ids are global, across business units: an id any session already has answers 409 SESSION_EXISTS, whichever unit ' +
            'holds it, so a unit-limited key learns that the id is taken elsewhere, and nothing more (not the unit, not the name). ' +
            'Choose ids that say nothing you would keep from other units, e.g. prefixed with your unit.',
          body: SessionConfigBody,
          response: { 201: SessionRef, ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const created = await sessions.create(request.principal, request.body);
        return reply.code(201).send(await control.view(created));
      },
    );

    app.get(
      '/sessions',
      {
        schema: {
          tags,
          summary: 'List sessions visible to this key, with their live status',
          querystring: Type.Object({ businessUnit: Type.Optional(BusinessUnit) }, { additionalProperties: false }),
          response: { 200: Type.Object({ items: Type.Array(SessionRef) }), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const configs = await sessions.list(request.principal, request.query);
        return { items: await Promise.all(configs.map((config) => control.view(config))) };
      },
    );

    app.get(
      '/sessions/:id',
      {
        schema: {
          tags,
          summary: 'Get one session: config, live status, owning worker, linked phone, last error',
          params: IdParams,
          response: { 200: SessionRef, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => control.view(await sessions.get(request.principal, request.params.id)),
    );

    app.get(
      '/sessions/:id/health',
      {
        schema: {
          tags,
          summary: "The account's health: score, band, reasons with figures, what the band does to its pace, its new-chat budget, WhatsApp's cap and time-lock",
          description:
            'Assessed by the worker that owns the session whenever something happens to it (and every 30 s) from the last HEALTH_WINDOW_HOURS ' +
            "(default 24): WhatsApp's signals, how messages fared, opt-outs and replies. Every worker paces the session by its band. " +
            'A band change is a `session:health` WebSocket event and a `session.status` webhook (status `health`). README: "Account health".',
          params: IdParams,
          response: { 200: SessionHealthResponse, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => control.health(request.principal, request.params.id),
    );

    app.post(
      '/sessions/:id/health/acknowledge',
      {
        schema: {
          tags,
          summary: 'The operator\'s word on a session its health stopped: it sends again, at the at-risk pace, on every blast it serves',
          description:
            'As resuming a blast of it does: acknowledged at its score now, the session is stopped again only if its score drops below ' +
            'that (or once healthy, the next time it reaches stop). Its health pause goes from every blast it serves; a blast paused ' +
            'with SESSION_HEALTH runs again. 409 SESSION_NOT_STOPPED when its band is not stop.',
          params: IdParams,
          response: { 200: SessionHealthResponse, ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request) => control.acknowledgeHealth(request.principal, request.params.id),
    );

    app.patch(
      '/sessions/:id',
      {
        schema: {
          tags,
          summary: 'Change a session: name, business unit, pacing policy, sandbox settings',
          description:
            'Takes effect for the provider at its next connect; pacing applies to the next message. ' +
            'Moving a session to another business unit is refused (409 SESSION_IN_USE, with the blastIds) while blasts made with it have not ended.',
          params: IdParams,
          body: SessionConfigPatchBody,
          response: { 200: SessionRef, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const updated = await sessions.update(request.principal, request.params.id, request.body);
        // The owning worker takes the change (e.g. the unit its events and opt-outs belong to) now, not at its next pass.
        await control.changed(updated.id);
        return control.view(updated);
      },
    );

    app.delete(
      '/sessions/:id',
      {
        schema: {
          tags,
          summary: 'Delete a session: its worker lets go, its stored credentials are forgotten',
          description:
            'Refused (409 SESSION_IN_USE, with the blastIds) while blasts made with the session have not ended, unless cancelBlasts=true cancels them first. ' +
            'Session ids are names: a session created later with the same id is another session, and never sends the blasts of this one.',
          params: IdParams,
          querystring: Type.Object(
            { cancelBlasts: Type.Optional(Type.Boolean({ default: false, description: 'Cancel the blasts made with this session that have not ended, then delete it.' })) },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        const deleted = await sessions.delete(request.principal, request.params.id, { cancelBlasts: request.query.cancelBlasts });
        await control.forget(deleted);
        return reply.code(204).send(null);
      },
    );

    const liveAction = (
      path: string,
      summary: string,
      description: string,
      action: (request: { principal: Principal; id: string }) => Promise<SessionLiveView>,
    ): void => {
      app.post(
        `/sessions/:id/${path}`,
        {
          schema: {
            tags,
            summary,
            description,
            params: IdParams,
            response: { 202: SessionLiveResponse, ...errorResponses(400, 401, 404) },
          },
        },
        async (request, reply) => reply.code(202).send(await action({ principal: request.principal, id: request.params.id })),
      );
    };

    app.post(
      '/sessions/:id/connect',
      {
        schema: {
          tags,
          summary: 'Connect (link) the account: a worker takes it and QR codes or a pairing code follow by WebSocket',
          description:
            'Open a WebSocket with a ticket for this session (GET /api/ws-ticket?sessionId=…) to receive qr:update, pairing:code and session:status. ' +
            'With phoneNumber, an account not linked yet is linked by pairing code instead of QR.',
          params: IdParams,
          body: Type.Object(
            { phoneNumber: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{6,15}$', description: 'International format, digits only.' })) },
            { additionalProperties: false },
          ),
          response: { 202: SessionLiveResponse, ...errorResponses(400, 401, 404) },
        },
        // The body is optional: a plain POST with no body links by QR code.
        preValidation: (request, _reply, done) => {
          const raw = request as { body: unknown };
          raw.body ??= {};
          done();
        },
      },
      async (request, reply) => {
        const phone = request.body.phoneNumber;
        const view = await control.connect(request.principal, request.params.id, phone === undefined ? undefined : `+${phone.replace(/^\+/, '')}`);
        return reply.code(202).send(view);
      },
    );
    liveAction('disconnect', 'Disconnect; the credentials are kept, so the next connect needs no QR', '', ({ principal, id }) =>
      control.disconnect(principal, id),
    );
    liveAction('logout', 'Log out: unlink the account from the phone and forget its credentials', 'The next connect shows a new QR code.', ({ principal, id }) =>
      control.logout(principal, id),
    );

    app.post(
      '/sessions/:id/sandbox/scan',
      {
        schema: {
          tags: ['Sandbox'],
          summary: 'Sandbox only: simulate the phone scanning the current QR code',
          params: IdParams,
          response: { 202: Type.Object({ accepted: Type.Boolean() }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        await control.sandboxScan(request.principal, request.params.id);
        return reply.code(202).send({ accepted: true });
      },
    );

    app.post(
      '/sessions/:id/sandbox/inbound',
      {
        schema: {
          tags: ['Sandbox'],
          summary: 'Sandbox only: simulate someone writing to the linked account (e.g. "STOP")',
          description:
            '`whileDisconnected: true`: the message arrived while the socket was down, and comes in the offline backlog at the ' +
            "session's next connect, as WhatsApp delivers it (kept in the database: it survives a disconnect and a worker restart; " +
            'a connected session drops and reconnects at once to receive it). At most ' +
            `${SANDBOX_BACKLOG_LIMIT} wait per session (409 SANDBOX_BACKLOG_FULL). \`messageId\`: WhatsApp's id for the message; ` +
            'the same id again is a redelivery of the same message, heard once.',
          params: IdParams,
          body: Type.Object(
            {
              from: Type.String({ pattern: '^\\+[0-9]{6,15}$' }),
              text: Type.Optional(
                Type.String({
                  minLength: 1,
                  maxLength: REPLY_TEXT_LIMIT,
                  // No NUL (PostgreSQL refuses it in text) nor other control characters but tab and line ends.
                  pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$',
                  description: 'The text, or the caption of a media message (required for `text`).',
                }),
              ),
              kind: Type.Optional(
                Type.Union(
                  REPLY_KINDS.map((kind) => Type.Literal(kind)),
                  { description: 'What the person sends: a text (default) or media, `text` then being its caption (optional).' },
                ),
              ),
              whileDisconnected: Type.Optional(Type.Boolean({ default: false })),
              messageId: Type.Optional(Type.String({ pattern: SANDBOX_MESSAGE_ID_PATTERN, description: 'Letters and digits, at most 64; default: a new id.' })),
              viaLid: Type.Optional(
                Type.Boolean({
                  default: false,
                  description: "Addressed by the sender's LID (a stable one per session and number) rather than its number; the product resolves it to the number.",
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ accepted: Type.Boolean() }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        await control.sandboxInbound(request.principal, request.params.id, request.body);
        return reply.code(202).send({ accepted: true });
      },
    );

    app.post(
      '/sessions/:id/sandbox/signal',
      {
        schema: {
          tags: ['Sandbox'],
          summary: 'Sandbox only: simulate a signal WhatsApp sends to the account (an error ack, the new-chat cap, a time-lock, a disconnect)',
          description:
            '`ack_error`: the next message the session sends gets an ack with this error code (`463`: the account may not reach out, ' +
            'so it stops sending; `479`: the message is refused). `capping`: the new-chat cap moves to this state. `timelock`: the account ' +
            'may not start chats until `until`. `disconnect`: the link closes with this status code, as baileys reports it. ' +
            "Signals are kept in the database in line with the session's waiting messages and applied in order by its link " +
            `(at once while connected, else at its next connect); at most ${SANDBOX_BACKLOG_LIMIT} wait per session (409 SANDBOX_BACKLOG_FULL).`,
          params: IdParams,
          body: SandboxSignalBody,
          response: { 202: Type.Object({ accepted: Type.Boolean() }), ...errorResponses(400, 401, 404, 409) },
        },
      },
      async (request, reply) => {
        await control.sandboxSignal(request.principal, request.params.id, request.body);
        return reply.code(202).send({ accepted: true });
      },
    );

    app.get(
      '/sessions/:id/sandbox/outbox',
      {
        schema: {
          tags: ['Sandbox'],
          summary: 'Sandbox only: every message the sandbox accepted, one entry per message id',
          description: '`repeats` counts sends that reused an id already accepted: WhatsApp shows such a message once.',
          params: IdParams,
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
              offset: Offset,
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  messageId: Type.String(),
                  to: Type.String(),
                  text: Type.String(),
                  mediaKind: Type.Union([Type.String(), Type.Null()]),
                  mediaRef: Type.Union([Type.String(), Type.Null()]),
                  firstAt: Type.String(),
                  lastAt: Type.String(),
                  repeats: Type.Integer(),
                }),
              ),
              next: Type.Union([Type.Integer(), Type.Null()], { description: 'The offset of the next page; null at the end. A page holds fewer than `limit` messages when their text would pass 4,000,000 characters.' }),
              total: Type.Integer(),
              repeats: Type.Integer(),
            }),
            ...errorResponses(400, 401, 404, 409),
          },
        },
      },
      (request) => control.sandboxOutbox(request.principal, request.params.id, request.query),
    );
  };
}
