import { Type } from 'typebox';
import { scopedUnit } from '../../auth/principal.js';
import type { SessionConfigService } from '../../sessions/session-config.service.js';
import type { ApiServer } from '../server-types.js';
import { errorResponses } from '../schemas/common.schema.js';
import { SessionId } from '../schemas/session.schema.js';
import type { WsTickets } from '../ws/ws-tickets.js';
import type { BlastService } from '../../blasts/blast.service.js';

export function wsTicketRoutes(tickets: WsTickets, sessions: SessionConfigService, blasts: BlastService) {
  return function register(app: ApiServer): void {
    app.get(
      '/ws-ticket',
      {
        schema: {
          tags: ['Live events'],
          summary: 'A short-lived, single-use ticket to open the WebSocket: ws://host/?ticket=…',
          description:
            'With sessionId: that session\'s events, QR and pairing codes included. With blastId: that blast\'s events ' +
            '(blast:started, blast:progress, blast:paused, blast:resumed, blast:completed), starting with its current progress. ' +
            'Without either: the status events of every session and blast this key may see, never QR codes. Any api instance accepts the ticket. ' +
            'A key may hold WS_MAX_SOCKETS_PER_KEY sockets and unused tickets together (429 WS_LIMIT_REACHED beyond); revoking it closes its sockets and voids its tickets.',
          querystring: Type.Object(
            { sessionId: Type.Optional(SessionId), blastId: Type.Optional(Type.String({ format: 'uuid' })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              ticket: Type.String(),
              expiresAt: Type.String({ format: 'date-time' }),
              url: Type.String({ description: 'The WebSocket path to open with this ticket.' }),
            }),
            ...errorResponses(400, 401, 404, 429),
          },
        },
      },
      async (request) => {
        const { sessionId, blastId } = request.query;
        let businessUnit = scopedUnit(request.principal) ?? null;
        if (sessionId !== undefined) businessUnit = (await sessions.get(request.principal, sessionId)).businessUnit;
        if (blastId !== undefined) businessUnit = (await blasts.get(request.principal, blastId)).businessUnit;
        const issued = await tickets.issue({
          keyId: request.principal.keyId,
          businessUnit,
          ...(sessionId === undefined ? {} : { sessionId }),
          ...(blastId === undefined ? {} : { blastId }),
        });
        return { ticket: issued.ticket, expiresAt: issued.expiresAt.toISOString(), url: `/?ticket=${issued.ticket}` };
      },
    );
  };
}
