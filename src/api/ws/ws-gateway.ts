import { randomUUID } from 'node:crypto';
import websocket, { type WebsocketHandler } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { AuthFailureLimiter } from '../../auth/auth-failures.js';
import { Unauthorized } from '../../errors/app-error.js';
import { SESSION_PRIVATE_EVENTS, type EventEnvelope } from '../../events/event-catalogue.js';
import type { Logger } from '../../logging/logger.js';
import type { ApiServer } from '../server-types.js';
import type { ConsolePage } from '../plugins/console.plugin.js';
import type { WsKeyLedger } from './ws-key-ledger.js';
import { socketLimitReached, type TicketGrant, type WsTickets } from './ws-tickets.js';

/** A client further behind than this is dropped rather than allowed to hold memory or others up. */
const MAX_BUFFERED_BYTES = 1_048_576;
const HEARTBEAT_MS = 30_000;
/** The close code a revoked key's sockets get (the console then asks for a ticket, gets 401 and stops). */
export const CLOSE_KEY_REVOKED = 4403;

type Socket = Parameters<WebsocketHandler>[0];

interface Client {
  socket: Socket;
  grant: TicketGrant;
  /** Its entry in the ledger; undefined for the environment's admin key. */
  socketId: string | undefined;
  alive: boolean;
}

export interface WsGateway {
  /** Hands an event to every local client allowed to see it. */
  dispatch(envelope: EventEnvelope): void;
  /** Closes this process's sockets opened with the key's tickets. */
  closeKey(keyId: string): void;
  clientCount(): number;
}

/** Whether a ticket's holder may see an event. QR and pairing codes only reach their session's ticket. */
export function mayReceive(grant: Omit<TicketGrant, 'keyId'>, envelope: EventEnvelope): boolean {
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
    wsSocketId: string | undefined;
  }
}

export interface WsGatewayDeps {
  tickets: WsTickets;
  ledger: WsKeyLedger;
  failures: AuthFailureLimiter;
  log: Logger;
  page?: ConsolePage | undefined;
  onOpen?: (grant: TicketGrant, send: (envelope: EventEnvelope) => void) => Promise<void>;
}

/**
 * `ws://host/?ticket=…`: a ticket from GET /api/ws-ticket opens a socket that streams the events
 * its ticket allows. Refused before the upgrade: a missing, expired, reused or unknown ticket or
 * one of a revoked key (401 TICKET_INVALID, counted as a failed authentication), a key at its
 * socket limit (429 WS_LIMIT_REACHED). `onOpen` may send a snapshot so a client starts from the
 * current state.
 */
export async function registerWsGateway(app: ApiServer, deps: WsGatewayDeps): Promise<WsGateway> {
  const clients = new Set<Client>();
  await app.register(websocket, { options: { maxPayload: 4_096 } });
  app.decorateRequest('wsGrant', null);
  app.decorateRequest('wsSocketId', undefined);

  const forget = (client: Client): void => {
    if (!clients.delete(client) || client.socketId === undefined || client.grant.keyId === null) return;
    deps.ledger.closeSocket(client.grant.keyId, client.socketId).catch((error: unknown) => {
      deps.log.warn({ err: error }, 'could not uncount a closed WebSocket');
    });
  };
  const closeKey = (keyId: string): void => {
    for (const client of clients) if (client.grant.keyId === keyId) client.socket.close(CLOSE_KEY_REVOKED, 'API key revoked');
  };

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
    void renewLeases(clients, deps, closeKey);
  }, HEARTBEAT_MS);
  app.addHook('onClose', () => {
    clearInterval(heartbeat);
    for (const client of clients) client.socket.close(1001, 'server shutting down');
  });

  app.route({
    method: 'GET',
    url: '/',
    schema: { hide: true },
    preValidation: async (request: FastifyRequest) => {
      if (!request.ws) return;
      const ticket = (request.query as { ticket?: unknown }).ticket;
      const grant = await deps.failures.attempt(request.ip, undefined, () =>
        typeof ticket === 'string' ? deps.tickets.redeem(ticket) : Promise.resolve(undefined),
      );
      if (!grant || typeof ticket !== 'string') throw ticketInvalid();
      if (grant.keyId !== null) {
        const socketId = randomUUID();
        const outcome = await deps.ledger.openSocket(grant.keyId, ticket, socketId);
        if (outcome === 'revoked') throw ticketInvalid();
        if (outcome === 'full') throw socketLimitReached(deps.ledger.maxPerKey);
        request.wsSocketId = socketId;
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
      const client: Client = { socket, grant, socketId: request.wsSocketId, alive: true };
      clients.add(client);
      socket.on('pong', () => {
        client.alive = true;
      });
      socket.on('close', () => {
        forget(client);
      });
      socket.on('error', () => {
        forget(client);
      });
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
    closeKey,
    clientCount: () => clients.size,
  };
}

function ticketInvalid(): Unauthorized {
  return new Unauthorized('TICKET_INVALID', 'The WebSocket ticket is missing, expired, already used or unknown, or its API key was revoked.');
}

/**
 * Keeps this process's sockets counted in the ledger (a process that dies stops counting after a
 * lease), and closes those whose key was revoked, in case this process missed the announcement.
 */
async function renewLeases(clients: ReadonlySet<Client>, deps: WsGatewayDeps, closeKey: (keyId: string) => void): Promise<void> {
  const byKey = new Map<string, string[]>();
  for (const { grant, socketId } of clients) {
    if (grant.keyId !== null && socketId !== undefined) byKey.set(grant.keyId, [...(byKey.get(grant.keyId) ?? []), socketId]);
  }
  for (const [keyId, socketIds] of byKey) {
    try {
      if ((await deps.ledger.renew(keyId, socketIds)) === 'revoked') closeKey(keyId);
    } catch (error) {
      deps.log.warn({ err: error }, 'could not renew WebSocket leases');
    }
  }
}
