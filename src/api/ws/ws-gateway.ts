import websocket, { type WebsocketHandler } from '@fastify/websocket';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_PRIVATE_EVENTS, type EventEnvelope } from '../../events/event-catalogue.js';
import type { Logger } from '../../logging/logger.js';
import type { ApiServer } from '../server-types.js';
import type { ConsolePage } from '../plugins/console.plugin.js';
import type { TicketGrant, WsTickets } from './ws-tickets.js';

/** A client further behind than this is dropped rather than allowed to hold memory or others up. */
const MAX_BUFFERED_BYTES = 1_048_576;
const HEARTBEAT_MS = 30_000;

type Socket = Parameters<WebsocketHandler>[0];

interface Client {
  socket: Socket;
  grant: TicketGrant;
  alive: boolean;
}

export interface WsGateway {
  /** Hands an event to every local client allowed to see it. */
  dispatch(envelope: EventEnvelope): void;
  clientCount(): number;
}

/** Whether a ticket's holder may see an event. QR and pairing codes only reach their session's ticket. */
export function mayReceive(grant: TicketGrant, envelope: EventEnvelope): boolean {
  const { scope } = envelope;
  if (grant.businessUnit !== null && grant.businessUnit !== scope.businessUnit) return false;
  if (SESSION_PRIVATE_EVENTS.has(envelope.event)) return grant.sessionId !== undefined && grant.sessionId === scope.sessionId;
  if (grant.sessionId !== undefined) return grant.sessionId === scope.sessionId;
  if (grant.blastId !== undefined) return grant.blastId === scope.blastId;
  return true;
}

declare module 'fastify' {
  interface FastifyRequest {
    wsGrant: TicketGrant | null;
  }
}

/**
 * `ws://host/?ticket=…`: a ticket from GET /api/ws-ticket opens a socket that streams the events
 * its ticket allows. A missing, expired, reused or unknown ticket is refused with 401 before the
 * upgrade. `onOpen` may send a snapshot so a client starts from the current state.
 */
export async function registerWsGateway(
  app: ApiServer,
  deps: { tickets: WsTickets; log: Logger; page?: ConsolePage | undefined; onOpen?: (grant: TicketGrant, send: (envelope: EventEnvelope) => void) => Promise<void> },
): Promise<WsGateway> {
  const clients = new Set<Client>();
  await app.register(websocket, { options: { maxPayload: 4_096 } });
  app.decorateRequest('wsGrant', null);

  const send = (client: Client, envelope: EventEnvelope): void => {
    if (client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      deps.log.warn({ buffered: client.socket.bufferedAmount }, 'dropping a WebSocket client that does not keep up');
      client.socket.terminate();
      return;
    }
    client.socket.send(JSON.stringify({ event: envelope.event, data: envelope.data }));
  };

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }, HEARTBEAT_MS);
  app.addHook('onClose', () => {
    clearInterval(heartbeat);
    for (const client of clients) client.socket.close(1001, 'server shutting down');
  });

  app.route({
    method: 'GET',
    url: '/',
    schema: { hide: true },
    preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.ws) return;
      const ticket = (request.query as { ticket?: unknown }).ticket;
      const grant = typeof ticket === 'string' ? await deps.tickets.redeem(ticket) : undefined;
      if (!grant) {
        await reply.code(401).send({
          error: { code: 'TICKET_INVALID', message: 'The WebSocket ticket is missing, expired, already used or unknown.' },
        });
        return;
      }
      request.wsGrant = grant;
    },
    // A browser gets the operator console; anything else (or a build without it) a short guide.
    handler: (request, reply) =>
      deps.page !== undefined && (request.headers.accept ?? '').includes('text/html')
        ? deps.page.send(reply)
        : reply.send({ name: 'WA Blaster', console: '/', docs: '/api/docs', websocket: 'ws://<host>/?ticket=<GET /api/ws-ticket>' }),
    wsHandler: (socket, request) => {
      const grant = request.wsGrant;
      if (!grant) {
        socket.close(4401, 'ticket required');
        return;
      }
      const client: Client = { socket, grant, alive: true };
      clients.add(client);
      socket.on('pong', () => {
        client.alive = true;
      });
      socket.on('close', () => clients.delete(client));
      socket.on('error', () => clients.delete(client));
      // Clients only listen; anything they send is ignored.
      void deps.onOpen?.(grant, (envelope) => {
        send(client, envelope);
      }).catch((error: unknown) => {
        deps.log.warn({ err: error }, 'could not send the opening snapshot');
      });
    },
  });

  return {
    dispatch(envelope) {
      for (const client of clients) if (mayReceive(client.grant, envelope)) send(client, envelope);
    },
    clientCount: () => clients.size,
  };
}
